from yuqing.nlp.normalize import normalize, strip_boilerplate
from yuqing.nlp.segment import get_segmenter


def test_fullwidth_whitespace_and_traditional():
    assert (
        normalize("臨海市人民政府辦公室　ＡＢＣ１２３   通知") == "临海市人民政府办公室 ABC123 通知"
    )


def test_boilerplate_lines_removed_content_kept():
    page = (
        "当前位置：首页 > 新闻动态\n关于停水的通知\n因管网检修，明日停水。\n"
        "分享到：微信 微博 QQ空间\n【打印本页】【关闭窗口】\n"
        "版权所有：某某市人民政府 浙ICP备12345号\n字体：[大 中 小]\n浏览次数：123"
    )
    assert (
        normalize(page) == "关于停水的通知\n因管网检修,明日停水。"
    )  # NFKC: full-width → half-width
    # a content line that merely mentions a cue word is kept
    assert strip_boilerplate("市民反映网站版权所有信息错误，请核实处理并回复本人的问题") != ""


def test_segmenter_userdict_stopwords_and_cache():
    seg = get_segmenter()
    assert seg is get_segmenter()  # one jieba per process
    toks = seg.tokens("公司拖欠工资，我们多次投诉无果，住建局不作为")
    assert "拖欠工资" in toks and "投诉无果" in toks and "住建局" in toks
    assert "我们" not in toks and "，" not in toks
    import pickle

    assert pickle.loads(pickle.dumps(seg)) is seg  # pickles by content, restores the cached one
