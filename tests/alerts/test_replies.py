"""Official replies linked to the events they answer: candidates on the event's alerts, the
board's own reply field, and the linking quality on the shipped set (bench/replies.py)."""

from __future__ import annotations

import importlib.util
from datetime import timedelta

import pytest

from tests.alerts.conftest import HOT, T0, make_event, make_post
from tests.conftest import ROOT
from yuqing.alerts import handling
from yuqing.alerts.replies import link_replies

LOOKBACK = timedelta(days=7)


@pytest.fixture
def rig(make_rig):
    rig = make_rig([{**HOT, "level": "yellow", "departments": ["construction"]}])
    event = make_event("e1", title="幸福里小区业主反映开发商延期交房", keywords=["延期交房"])
    rig.store.upsert_event(event)
    (rig.alert,) = rig.check_and_deliver(T0)[0].created
    return rig


def _official(i, title, text, when, channel="portal"):
    return make_post(i, title=title, text=text, when=when, channel=channel, source_id="gov")


def test_a_government_reply_becomes_a_candidate_and_counts_once_confirmed(rig):
    reply = _official(
        50,
        "关于幸福里小区延期交房问题的回复",
        "住建局已约谈开发商，幸福里小区将于月底前交房。",
        T0 + timedelta(days=1),
    )
    too_early = _official(51, "关于幸福里小区延期交房问题的回复", "旧闻", T0 - timedelta(days=2))
    not_a_reply = _official(52, "幸福里小区延期交房", "新闻报道", T0 + timedelta(days=1))
    citizen = make_post(
        53,
        title="幸福里小区延期交房的回复呢",
        text="还没人管",
        when=T0 + timedelta(hours=2),
        channel="message_board",
    )
    for p in (reply, too_early, not_a_reply, citizen):
        rig.store.upsert_post(p)
    assert link_replies(rig.store, T0 + timedelta(days=1, hours=1), LOOKBACK) == 1
    assert link_replies(rig.store, T0 + timedelta(days=1, hours=2), LOOKBACK) == 0  # once
    alert = rig.store.get_alert(rig.alert.id)
    (cand,) = alert.evidence["reply_candidates"]
    assert cand["post_id"] == reply.id and cand["via"] == "official" and cand["score"] >= 0.3
    assert alert.responded_at is None  # a candidate is not yet a response
    done = handling.confirm_reply(
        rig.store,
        alert,
        T0 + timedelta(days=2),
        handling.Actor("联络员", "liaison", "construction"),
        reply.id,
    )
    assert done.responded_at == T0 + timedelta(days=1)  # when the public got the answer
    assert done.evidence["responses"][0]["url"] == reply.url
    assert done.evidence["reply_candidates"] == []


def test_linking_again_with_nothing_new_reads_nothing(rig, tmp_path, monkeypatch):
    """With the engine's rule-matches file: a second run when neither posts, events nor the
    unresolved alerts changed reads no event and links nothing; a new reply is linked."""
    from yuqing.alerts.matches import PostMatches

    matches = PostMatches(tmp_path / "rule-matches.db")
    title = "关于幸福里小区延期交房问题的回复"
    rig.store.upsert_post(_official(50, title, "月底前交房。", T0 + timedelta(days=1)))
    now = T0 + timedelta(days=1, hours=1)
    assert link_replies(rig.store, now, LOOKBACK, matches) == 1
    read: list[str] = []
    get_event = rig.store.get_event
    monkeypatch.setattr(rig.store, "get_event", lambda eid: read.append(eid) or get_event(eid))
    assert link_replies(rig.store, now + timedelta(hours=1), LOOKBACK, matches) == 0
    assert read == []
    rig.store.upsert_post(_official(51, title, "开发商承诺月底交房。", now + timedelta(hours=1)))
    assert link_replies(rig.store, now + timedelta(hours=2), LOOKBACK, matches) == 1
    assert read == ["e1"]
    candidates = rig.store.get_alert(rig.alert.id).evidence["reply_candidates"]
    assert {c["post_id"] for c in candidates} == {make_post(i).id for i in (50, 51)}


def test_a_board_reply_field_links_its_own_event(rig):
    answered = make_post(
        60,
        title="幸福里小区什么时候交房",
        text="业主着急",
        when=T0,
        event_id="e1",
        channel="message_board",
        reply={"text": "已督促开发商月底交房。", "at": T0.isoformat(), "by": "住建局"},
    )
    rig.store.upsert_post(answered)
    link_replies(rig.store, T0 + timedelta(hours=1), LOOKBACK)
    (cand,) = rig.store.get_alert(rig.alert.id).evidence["reply_candidates"]
    assert (cand["post_id"], cand["via"], cand["text"]) == (
        answered.id,
        "board",
        "已督促开发商月底交房。",
    )


def test_a_reply_arriving_later_changes_the_post():
    plain = make_post(70)
    answered = make_post(70, reply={"text": "已处理"})
    assert plain.content_hash != answered.content_hash


def test_linking_quality_on_the_shipped_set():
    spec = importlib.util.spec_from_file_location("bench_replies", ROOT / "bench" / "replies.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    r = bench.evaluate()
    assert r["answering"] == 30 and r["replies"] == 46
    assert r["precision"] >= 0.95 and r["recall"] >= 0.9, r


def test_the_event_index_links_as_scoring_every_event_does():
    """EventMatters (inverted index) against the plain scan over every event, on real
    messages: events from 400 titles + keywords, replies quoting parts of other messages."""
    import csv
    import random
    from datetime import datetime

    from yuqing.alerts.replies import THRESHOLD, EventMatters, bigrams, matter

    with (ROOT / "data" / "teddy2020" / "train.csv").open(encoding="utf-8") as fh:
        rows = [r for _, r in zip(range(1200), csv.DictReader(fh), strict=False)]
    rnd = random.Random(14)
    t0 = datetime(2026, 3, 1)
    events = [
        (
            f"e{i}",
            matter(r["title"], r["body"][:12].split()),
            t0 + timedelta(hours=rnd.randrange(48)),
        )
        for i, r in enumerate(rows[:400])
    ]
    index = EventMatters(events)
    linked = 0
    for r in rows[400:]:
        src = rows[rnd.randrange(400)]  # a reply quoting an event's title, or unrelated text
        text = f"关于{src['title']}的回复\n{r['body'][:200]}" if rnd.random() < 0.5 else r["body"]
        at = t0 + timedelta(hours=rnd.randrange(60))
        reply, best = bigrams(text), None
        for eid, grams, first in events:  # the plain scan
            if first is not None and first > at or not grams:
                continue
            score = len(grams & reply) / len(grams)
            if score >= THRESHOLD and (best is None or score > best[0]):
                best = (score, eid)
        got = index.best(text, at)
        assert (got.event_id, got.score) == (best[1], round(best[0], 3)) if best else got is None
        linked += best is not None
    assert 100 < linked < 800  # both outcomes exercised
