from tests.nlp.helpers import make_stage, post, stage_parts
from yuqing.nlp.focus import FocusTagger
from yuqing.nlp.sentiment import risk_flags


def _tagger():
    return FocusTagger.from_topics(stage_parts()[2].topics.focus)


def test_focus_topics_with_evidence():
    r = _tagger().tag("某建筑公司拖欠农民工工资半年，工人讨薪无门；工地扬尘污染严重，噪音扰民")
    assert "wage_arrears" in r.topics and "ecology" in r.topics
    assert set(r.evidence["wage_arrears"]) >= {"农民工工资", "讨薪"}
    assert {"污染", "噪音", "扰民"} <= set(r.evidence["ecology"])
    assert set(r.evidence) == set(r.topics)


def test_focus_needs_more_than_one_weak_term():
    t = _tagger()
    assert t.tag("学生").topics == []  # one short generic term: no tag
    assert t.tag("学生家长反映学校食堂饭菜").topics != []  # two terms: tagged
    assert t.tag("今天天气很好，适合出游").topics == []


def test_sentiment_sign_on_clear_cases():
    stage = make_stage()
    neg = stage.analyzer.process(
        post("n", "拖欠工资投诉无果", "公司拖欠工资半年，多次反映投诉无果，工人苦不堪言")
    )
    pos = stage.analyzer.process(
        post("p", "感谢住建局", "感谢区住建局及时解决了我们小区的问题，为民办实事，点赞！")
    )
    neutral = stage.analyzer.process(post("q", "公积金提取咨询", "请问公积金提取需要哪些材料？"))
    assert neg.sentiment < -0.5 < 0.5 < pos.sentiment
    assert -0.6 < neutral.sentiment < 0.6
    assert -1 <= neg.sentiment <= 1 and -1 <= pos.sentiment <= 1


def test_risk_flags_are_separate_from_sentiment():
    flags = risk_flags(
        "工地坍塌造成2人死亡，上百名工人聚集拉横幅，多家媒体记者赶到，伤者含一名未成年人"
    )
    assert {"casualties", "collective_action", "media_attention", "minors"} <= set(flags)
    assert risk_flags("请问公交线路何时调整") == []


def test_analyzer_fills_fields():
    stage = make_stage()
    p = stage.analyzer.process(
        post(
            "a",
            "A市A1区小区垃圾无人清理",
            "当前位置：首页\nA市A1区某小区垃圾堆积，恶臭扰民\n版权所有 A市",
        )
    )
    assert p.category and 0 < p.category_score <= 1 and p.category_uncertain in (True, False)
    assert p.regions_mentioned[:2] == ["A1区", "A市"] or set(p.regions_mentioned) == {"A市", "A1区"}
    assert p.keywords and all(len(k) >= 2 for k in p.keywords)
    assert "版权所有" not in p.tokens and "垃圾" in p.tokens
    assert p.focus == ["ecology"] and p.focus_evidence["ecology"]


def test_uncertain_when_low_confidence():
    stage = make_stage()
    stage.analyzer.uncertain_below = 1.01  # nothing is that sure
    assert stage.analyzer.process(post("u", "拖欠工资", "拖欠工资")).category_uncertain is True
    stage.analyzer.uncertain_below = 0.0
    assert stage.analyzer.process(post("v", "你好", "嗯")).category_uncertain is False
