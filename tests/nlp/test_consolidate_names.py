"""Consolidation: places the period names (short forms, words glued before a name) and
recurring title phrases (a place-less issue) — nlp/consolidate.py _named_places,
_TitlePhrases."""

import random

import pytest

from tests.nlp.helpers import analysed, post, teddy
from yuqing.nlp.anchors import AnchorExtractor
from yuqing.nlp.consolidate import Consolidator, _glued
from yuqing.nlp.segment import read_userdict

LEAKS = (
    "楼顶水箱漏水，家里天花板长期渗水发霉。",
    "物业多次维修无果，墙面大片脱落。",
    "雨天渗水更严重，电器都不敢用。",
    "请住建部门督促物业彻底修好水箱。",
)
#: openings that name another place right after the estate's short form (a landmark, a
#: school the resident compares): the extractor takes that place as the post's anchor
LANDMARKS = ("旁边就是江声实验中学，", "对面是红星农贸市场，", "紧挨着东山学校，")


def _background(rnd, n=300):
    out = []
    for i, row in enumerate(teddy("dev")[:n]):
        p = post(f"bg{i:03d}", row["title"], row["body"], minutes=rnd.uniform(0, 400) * 1440)
        p.author = f"u{i}"
        out.append(p)
    return out


def _event_of(result, ids):
    return {result.post_event[i] for i in ids}


@pytest.fixture(scope="module")
def estate():
    """An estate's leaking-tank issue: six residents name 德祥林家园, three write 德祥林 and
    then a landmark, one has a word glued before the name; 星雅洲苑's residents mention
    德祥林 after their own estate."""
    rnd = random.Random(3)
    posts = _background(rnd)
    for j in range(6):
        body = "我是德祥林家园的业主。" + "".join(rnd.sample(LEAKS, 2))
        posts.append(post(f"full{j}", "德祥林家园水箱漏水", body, minutes=(30 * j) * 1440))
    for j, mark in enumerate(LANDMARKS):
        body = f"我家在德祥林，{mark}" + "".join(rnd.sample(LEAKS, 2))
        posts.append(post(f"short{j}", "德祥林楼顶水箱漏水", body, minutes=(30 * j + 7) * 1440))
    posts.append(post("glued", "投诉金德祥林家园水箱", "".join(LEAKS[1:3]), minutes=50 * 1440))
    for j in range(2):  # another estate, the same leak, a mention of 德祥林 after its name
        body = "我是星雅洲苑的业主，和德祥林一样，" + "".join(LEAKS[:2])
        posts.append(post(f"other{j}", "星雅洲苑水箱漏水", body, minutes=(40 * j + 3) * 1440))
    for p in posts:
        p.author = p.author or p.id
    return analysed(posts)


def test_short_forms_and_glued_names_join_the_place(estate):
    ids = {p.id: p for p in estate}
    # what the extractor gives: the landmark, not the estate; the glued name
    assert not any("德祥林" in a for a in ids["short0"].anchors)
    assert ids["glued"].anchors[0] != "德祥林家园"
    res = Consolidator(anchors=AnchorExtractor(read_userdict())).run(list(estate))
    issue = [f"full{j}" for j in range(6)] + [f"short{j}" for j in range(3)] + ["glued"]
    assert len(_event_of(res, issue)) == 1
    # the other estate names its own place first: it stays its own issue
    assert not _event_of(res, ["other0", "other1"]) & _event_of(res, issue)
    # a function of the set of posts
    shuffled = list(estate)
    random.Random(9).shuffle(shuffled)
    assert Consolidator(anchors=AnchorExtractor(read_userdict())).run(shuffled).post_event == (
        res.post_event
    )


POLICY_TITLES = (
    "人才购房补贴何时发放",
    "关于人才购房补贴的问题",
    "请求兑现人才购房补贴",
    "人才购房补贴申请被拒",
    "再问人才购房补贴",
    "人才购房补贴迟迟不到位",
)
POLICY_LINES = (
    "去年引进时承诺的补贴至今没有到账。",
    "窗口说材料不全，可是清单上的都交了。",
    "同批引进的同事有的领到了有的没有。",
    "希望公布审核进度和发放时间。",
)


@pytest.fixture(scope="module")
def policy():
    """A city policy raised for months by residents who name no place: their titles share
    人才购房补贴, their messages say it in their own words (a line of another message each)."""
    rnd = random.Random(11)
    posts = _background(rnd)
    ax = AnchorExtractor(read_userdict())
    fillers = [
        row["body"][:25]
        for row in teddy("dev")[300:420]
        if len(row["body"]) > 25 and not ax.extract("", row["body"][:25]).places
    ]
    for j, title in enumerate(POLICY_TITLES):
        body = rnd.choice(POLICY_LINES) + rnd.choice(fillers)
        p = post(f"policy{j}", title, body, minutes=(25 * j + 2) * 1440)
        p.author = f"r{j}"
        posts.append(p)
    return analysed(posts)


def test_a_recurring_title_phrase_joins_a_placeless_issue(policy):
    ids = [f"policy{j}" for j in range(len(POLICY_TITLES))]
    assert not any(p.anchors for p in policy if p.id in ids)
    res = Consolidator(anchors=AnchorExtractor(read_userdict())).run(list(policy))
    assert len(_event_of(res, ids)) == 1
    (eid,) = _event_of(res, ids)
    assert sorted(i for i, e in res.post_event.items() if e == eid) == ids  # nothing else


def test_a_generic_name_is_no_known_place():
    """职业技术学院 alone (a resident not naming the college) says only what kind of place it
    is: it does not make the same complaint at three colleges one issue."""
    rnd = random.Random(5)
    posts = _background(rnd)
    for j in range(3):
        body = "我是德盛江职业技术学院的学生。" + "".join(rnd.sample(LEAKS, 2))
        posts.append(
            post(f"issue{j}", "德盛江职业技术学院宿舍水箱漏水", body, minutes=j * 20 * 1440)
        )
    for j, college in enumerate(("辰祥林职业技术学院", "实辰溪职业技术学院")):
        body = f"我是{college}的学生。" + "".join(LEAKS[:2])
        posts.append(post(f"theme{j}", f"{college}宿舍水箱漏水", body, minutes=(20 * j + 5) * 1440))
    for j in range(2):
        body = "职业技术学院宿舍的水箱漏水。" + LEAKS[3]
        posts.append(
            post(f"bare{j}", "职业技术学院宿舍水箱漏水", body, minutes=(20 * j + 9) * 1440)
        )
    for p in posts:
        p.author = p.author or p.id
    analysed(posts)
    assert [p.anchors[0] for p in posts if p.id.startswith("bare")] == ["职业技术学院"] * 2
    res = Consolidator(anchors=AnchorExtractor(read_userdict())).run(posts)
    issue = _event_of(res, ["issue0", "issue1", "issue2"])
    assert len(issue) == 1
    assert not _event_of(res, ["theme0", "theme1"]) & issue


def test_glued_words_are_not_another_place():
    """The extractor's walk left may take words before a name (金德祥林家园) or the name
    twice (星晖河村星晖河村): still the name. Another place's name before it is that place's
    anchor (a theme at 润瑞岭苑 whose title goes on with 宋家塘和顺家园)."""
    assert _glued("金德祥林家园", "德祥林家园")
    assert _glued("人民政府为德祥林家园", "德祥林家园")
    assert _glued("星晖河村星晖河村", "星晖河村")
    assert not _glued("润瑞岭苑宋家塘和顺家园", "宋家塘和顺家园")
    assert not _glued("德祥林家园", "德祥林家园") and not _glued(
        "福康林花园公交车九路", "福康林花园"
    )


TAXI = (
    ("出租车夜间拒载", "晚上十点后打车，司机挑客拒载，投诉电话无人接听。"),
    ("出租车计价器被改装", "从机场到市区平时四十元，这次计价器跳到九十元，明显被改过。"),
    ("出租车司机抽烟", "乘车时司机一直抽烟，车内烟味很重，孩子咳嗽不止。"),
    ("出租车不走最近路线", "明明有更短的走法，司机绕了三公里，多收了一倍车费。"),
)


def test_a_common_word_is_no_short_form():
    """出租车 is the short form of 出租车公司 by its letters, but four residents who write
    出租车 about four things name no company: a form commoner without its name than with it
    stands for nothing."""
    rnd = random.Random(7)
    posts = _background(rnd)
    for j in range(2):
        body = "出租车公司每月收取的份子钱太高，司机收入微薄。"
        posts.append(post(f"firm{j}", "出租车公司份子钱过高", body, minutes=(20 * j + 1) * 1440))
    for j, (title, body) in enumerate(TAXI):
        posts.append(post(f"taxi{j}", title, body, minutes=(20 * j + 11) * 1440))
    for p in posts:
        p.author = p.author or p.id
    analysed(posts)
    assert [p.anchors for p in posts if p.id.startswith("taxi")] == [[]] * 4
    res = Consolidator(anchors=AnchorExtractor(read_userdict())).run(posts)
    assert len(_event_of(res, [f"taxi{j}" for j in range(4)])) == 4
