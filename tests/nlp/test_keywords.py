"""Keywords leave out the pieces jieba makes of an administrative code it does not know."""

from collections import Counter

from tests.nlp.helpers import Stored, make_stage, post
from yuqing.nlp.keywords import code_fragments


def test_code_fragments_are_the_pieces_glued_to_a_split_code():
    # Q12县 is in no dictionary: jieba cuts Q12 | 县为 | …; the 县 belongs to the code
    assert code_fragments(["Q12", "县为", "民", "办事", "Q12", "县为"]) == Counter({"县为": 2})
    assert code_fragments(["H3", "市有", "F3", "区萌"]) == Counter({"市有": 1, "区萌": 1})
    # a code the dictionary lists stays whole; a 县 word after a Chinese word is a word
    assert not code_fragments(["A7县", "人民", "医院"])
    assert not code_fragments(["我们", "县城", "路"])
    assert not code_fragments(["BBC3", "县城"])  # no code: the letters run on
    assert not code_fragments(["F3", "区萌"], "F 3区萌")  # the text says there is no code


def test_a_split_code_leaves_no_fragment_among_the_keywords():
    """F3区萌宠小镇: jieba makes F3 | 区萌 | 宠 | 小镇; 区萌 is no word, so no keyword (the
    token stays, for search), and 萌宠 is still one where the text writes it apart."""
    stage = make_stage()
    (p,) = stage.process_many(
        [
            post(
                "p",
                "F3区萌宠小镇项目停工承建商拖欠工程款",
                "萌宠小镇属于F3区PPP项目，地基桩打完后项目一直处于停工状态，工程款迟迟不兑现。",
            )
        ]
    )
    assert "区萌" in p.tokens
    assert "区萌" not in p.keywords and "萌宠" in p.keywords


def test_a_stage_warmed_from_the_store_leaves_the_fragments_out_too():
    """A restart replays the stored posts' tokens into the events: the same occurrences are
    left out as when the posts were analysed."""
    title = "F3区萌宠小镇项目停工"
    body = "F3区萌宠小镇项目停工{}个月了。F3区萌宠小镇何时复工？"
    stage = make_stage()
    done = stage.process_many(
        [post(f"m{i}", title, body.format(i + 2), minutes=i) for i in (0, 1, 2)]
    )
    assert len({p.event_id for p in done}) == 1 and all("区萌" in p.tokens for p in done)

    fresh = make_stage(sink=stage.sink)
    assert fresh.warm(Stored(done, stage.sink)) == 3
    more = fresh.process(post("m9", title, body.format(9), minutes=10))
    assert more.event_id == done[0].event_id
    keywords = fresh.sink.get_event(more.event_id).keywords
    assert "小镇" in keywords and "区萌" not in keywords, keywords
