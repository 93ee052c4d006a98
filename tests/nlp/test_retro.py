"""Retroactive focus sharing (nlp/retro.py): when an event gains a shared focus topic, its
earlier members lacking it take it too — in memory for the posts the stage handed back
lately, in the store through ``apply_changes`` for those stored earlier."""

from __future__ import annotations

from datetime import timedelta

from tests.nlp.helpers import T0, post
from tests.nlp.test_event_focus import OTHERS, WITNESS, _own, _posts, lift_stage, model_stage
from yuqing.models import Event
from yuqing.nlp.events import _State
from yuqing.nlp.retro import RetroShare, apply_changes, note
from yuqing.nlp.settings import NLPSettings
from yuqing.storage.sqlite import SQLiteStore

TOPIC = "work_safety"
#: sharing back this topic (the shipped setting shares back ecology only)
RETRO = NLPSettings(focus_share_retro=[TOPIC])


def test_earlier_members_take_a_topic_the_event_gains_later():
    # the premise: one witness, the others lack the topic on their own
    on, off = lift_stage(settings=RETRO), lift_stage()
    assert TOPIC not in off.settings.focus_share_retro
    assert TOPIC in _own(on, WITNESS) and all(TOPIC not in _own(on, t) for t in OTHERS)
    before = off.process_many(_posts([WITNESS, *OTHERS]))
    assert [TOPIC in p.focus for p in before] == [True, False, True]  # tagged on arrival only
    assert off.drain_retro() == []
    out = on.process_many(_posts([WITNESS, *OTHERS]))
    eid = out[0].event_id
    assert all(TOPIC in p.focus for p in out)
    assert out[1].focus_evidence[TOPIC] == [f"event:{eid}"]  # the earlier member, retro
    assert not out[0].focus_evidence[TOPIC][0].startswith("event:")  # the witness's own
    assert on.drain_retro() == [RetroShare(eid, TOPIC)]  # for the members stored earlier
    assert on.drain_retro() == []


def test_nothing_is_shared_back_without_a_witness():
    stage = lift_stage(settings=RETRO)
    out = stage.process_many(_posts([*OTHERS, OTHERS[0] + "，天天这样"]))
    assert len({p.event_id for p in out}) == 1
    assert all(TOPIC not in p.focus for p in out)
    assert stage.drain_retro() == []


def test_members_stored_by_an_earlier_batch_are_tagged_in_the_store(tmp_path):
    store = SQLiteStore(tmp_path / "s.db")
    stage = lift_stage(sink=store, settings=RETRO)
    first = stage.process_many(_posts([WITNESS, OTHERS[0]]))
    other = stage.process_many([post("x1", "", "县城东门菜市场的猪肉价格最近涨得厉害", minutes=45)])
    store.upsert_posts(first + other)
    assert TOPIC not in store.get_post("l1").focus
    stamp = store.get_post("l1").updated_at
    count = store.tally("focus", T0 - timedelta(days=1), T0 + timedelta(days=1), keys=[TOPIC])
    stage._recent.clear()  # a caller that stored them at once: only the store can tag them
    second = stage.process_many(_posts([OTHERS[1]], start=2))
    assert TOPIC in second[0].focus
    assert apply_changes(stage, store) == {"repointed": 0, "retro_tagged": 1}
    eid = second[0].event_id
    stored = store.get_post("l1")
    assert TOPIC in stored.focus and stored.focus_evidence[TOPIC] == [f"event:{eid}"]
    assert stored.updated_at == stamp  # content unchanged, like a re-pointed copy
    assert store.get_post("x1").focus == other[0].focus  # another event: untouched
    after = store.tally("focus", T0 - timedelta(days=1), T0 + timedelta(days=1), keys=[TOPIC])
    assert after[TOPIC].posts == count[TOPIC].posts + 1  # the hourly aggregates follow
    assert apply_changes(stage, store) == {"repointed": 0, "retro_tagged": 0}


def _state(shared=()):
    st = _State(Event(id="ev-1", title="", first_seen=T0, last_seen=T0))
    st.shared = set(shared)
    return st


def _p(pid, focus=()):
    return post(pid, "", "正文", focus=list(focus))


def test_a_topic_that_returns_is_shared_with_the_members_that_came_meanwhile():
    st = _state()
    assert note(st, _p("a", ["ecology"]), {"ecology"}, 10) == [RetroShare("ev-1", "ecology")]
    assert note(st, _p("b", ["ecology"]), {"ecology"}, 10) == []  # no gain
    assert note(st, _p("c"), set(), 10) == []  # the majority left: c arrived without it
    assert note(st, _p("d", ["ecology"]), set(), 10) == []  # d carries it itself
    assert note(st, _p("e"), set(), 10) == []
    # back: only the members that came while it was not shared
    assert note(st, _p("f"), {"ecology"}, 10) == [RetroShare("ev-1", "ecology", ("c", "e"))]
    assert st.missed == {}


def test_more_members_missed_than_can_be_held_are_looked_up_again():
    st = _state({"ecology"})
    for i in range(4):
        note(st, _p(f"m{i}"), set(), 3)
    assert st.missed == {"ecology": None}
    assert note(st, _p("z"), {"ecology"}, 3) == [RetroShare("ev-1", "ecology")]


def test_retro_share_covers_only_its_event():
    listed = RetroShare("ev-1", "ecology", ("a",))
    assert listed.covers(post("a", "", "正文", event_id="ev-1"))
    assert not listed.covers(post("b", "", "正文", event_id="ev-1"))  # not listed
    assert not listed.covers(post("a", "", "正文"))  # no event
    assert not RetroShare("ev-2", "ecology").covers(post("a", "", "正文", event_id="ev-1"))


def _noise_issue(stage) -> list:
    """Six residents of one estate on a mixing plant's noise and dust, a month apart, each
    post analysed as the crawl analyses it; the per-post assignment left three fragments."""
    from tests.nlp.test_hot import ESTATES, INTROS, PROBLEMS

    lines = PROBLEMS["噪音"]
    posts = []
    for j in range(6):
        body = INTROS[j % 3].format(ESTATES[0]) + lines[j % 4] + lines[(j + 1) % 4]
        p = post(f"n{j}", f"{ESTATES[0]}噪音问题", body, minutes=30 * j * 1440)
        p.author, p.event_id = f"r{j}", f"frag{j // 2}"
        posts.append(p)
    analyses = stage.analyzer.analyze_texts([p.title for p in posts], [p.text for p in posts])
    for p, a in zip(posts, analyses, strict=True):
        stage.analyzer.apply(p, a)
    return posts


def _without(p, topic: str, shared_from: str | None = None) -> None:
    """``p`` as if its own evidence had not shown ``topic`` (optionally: shared from an
    event of the per-post assignment)."""
    p.focus = [t for t in p.focus if t != topic]
    p.focus_evidence = {t: ev for t, ev in p.focus_evidence.items() if t != topic}
    if shared_from is not None:
        p.focus = [*p.focus, topic]
        p.focus_evidence[topic] = [f"event:{shared_from}"]


def _rebuilt(tmp_path, posts):
    from tests.nlp.test_hot import _config_dir
    from yuqing.config import load_config
    from yuqing.nlp.rebuild import consolidator_for, rebuild_events

    cfg = load_config(_config_dir(tmp_path))
    store = SQLiteStore(tmp_path / "rebuilt.db")
    store.upsert_posts(posts)
    stamps = {p.id: store.get_post(p.id).updated_at for p in posts}
    stats = rebuild_events(store, consolidator_for(cfg), None, T0)
    after = {p.id: store.get_post(p.id) for p in posts}
    assert all(after[i].updated_at == stamps[i] for i in after)
    return stats, after


def test_a_rebuild_shares_the_rebuilt_events_majority_with_members_lacking_it(tmp_path):
    posts = _noise_issue(model_stage())
    assert all("ecology" in p.focus for p in posts)  # the premise: each shows it on its own
    _without(posts[0], "ecology")
    _without(posts[5], "ecology")
    stats, after = _rebuilt(tmp_path, posts)
    eid = after["n0"].event_id
    assert {p.event_id for p in after.values()} == {eid}  # the fragments consolidated
    assert stats["posts_retro_tagged"] == 2
    for pid in ("n0", "n5"):
        assert after[pid].focus_evidence["ecology"] == [f"event:{eid}"]
    assert not after["n1"].focus_evidence["ecology"][0].startswith("event:")  # its own


def test_a_rebuild_never_counts_shared_topics_toward_the_majority(tmp_path):
    posts = _noise_issue(model_stage())
    for k in (0, 1):  # two lack it, two got it only from a fragment, two show it on their own
        _without(posts[k], "ecology")
    for k in (2, 3):
        _without(posts[k], "ecology", shared_from="frag1")
    stats, after = _rebuilt(tmp_path, posts)
    assert {p.event_id for p in after.values()} == {after["n0"].event_id}
    assert stats["posts_retro_tagged"] == 0
    assert "ecology" not in after["n0"].focus and "ecology" not in after["n1"].focus
