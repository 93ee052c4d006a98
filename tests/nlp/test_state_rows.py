"""The event tracker's snapshot kept row by row (nlp/state.py): a crawl rewrites the rows of
what it changed, the state a crawl restores is the state the last one had, and a snapshot
that is damaged, incomplete or half-written is never trusted."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections import deque
from contextlib import closing
from datetime import datetime

import numpy as np
import pytest

from tests.nlp.helpers import post, teddy
from tests.nlp.test_event_focus import OTHERS, WITNESS, lift_stage
from yuqing.models import Post
from yuqing.nlp.settings import NLPSettings
from yuqing.storage.base import StorageError
from yuqing.storage.sqlite import SQLiteStore

#: few events and tracked posts held, so crawls drop events, revive them for a repost and
#: push posts out of the post → event map
SMALL = NLPSettings.model_validate({"events": {"max_events": 10, "max_tracked_posts": 100}})


def _batch(start: int, n: int, minutes: int) -> list[Post]:
    rows = teddy("dev")[start : start + n]
    return [
        post(f"p{start + i}", r["title"], r["body"], minutes=minutes + i)
        for i, r in enumerate(rows)
    ]


def _copy(pid: str, i: int, minutes: int) -> Post:
    """A repost of dev row ``i``, or (same ``pid``) the same post crawled again."""
    row = teddy("dev")[i]
    return post(pid, row["title"], "转载：" + row["body"] + "（来源：某日报）", minutes=minutes)


def _crawls() -> list[list[Post]]:
    return [
        _batch(0, 60, 0)
        + [post("w0", "", WITNESS, minutes=61), post("w1", "", OTHERS[0], minutes=62)],
        _batch(60, 60, 100) + [_copy("c3", 3, 170), post("w2", "", OTHERS[1], minutes=171)],
        _batch(120, 80, 200) + [_copy("p5", 5, 290), _copy("c3", 3, 291)],  # crawled again
        [],
        _batch(200, 3, 400) + [_copy("c150", 150, 410)],
    ]


def _plain(x):
    """A comparable form of tracker state: order kept where the tracker keeps it (dicts),
    sets sorted, arrays as lists, objects as their fields."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return (
            type(x).__name__,
            {f.name: _plain(getattr(x, f.name)) for f in dataclasses.fields(x)},
        )
    if isinstance(x, dict):
        return [(_plain(k), _plain(v)) for k, v in x.items()]
    if isinstance(x, (set, frozenset)):
        return sorted(repr(_plain(v)) for v in x)
    if isinstance(x, (list, tuple, deque)):
        return [_plain(v) for v in x]
    if isinstance(x, datetime):
        return x.timestamp()
    if type(x).__module__.startswith("yuqing.") and hasattr(x, "__dict__"):
        return (type(x).__name__, _plain(vars(x)))
    return x


def _state(stage) -> dict:
    tracker = vars(stage.events)
    out = {k: _plain(v) for k, v in tracker.items() if k not in {"sink", "changes", "_index"}}
    index = stage.events._index  # its dicts' order is not behaviour (candidates are sorted)
    out["_index"] = (
        sorted((e, sorted(t.items())) for e, t in index._terms.items()),
        sorted(index._bound.items()),
        sorted((t, sorted(ids.items())) for t, ids in index._postings.items()),
    )
    return out


def _run(stage, store, posts: list[Post]) -> list[tuple]:
    done = stage.process_many([Post.from_dict(p.to_dict()) for p in posts])
    for p in done:
        store.upsert_post(p)
    for pid, canonical in stage.drain_repointed():
        stored = store.get_post(pid)
        stored.duplicate_of = canonical
        store.upsert_post(stored)
    stage.save(store)
    return [(p.id, p.event_id, p.duplicate_of, sorted(p.focus)) for p in done]


def test_each_crawl_restores_the_state_the_last_one_left(tmp_path):
    """Crawls in fresh processes (restore, posts, save) against a stage that never stopped:
    after every crawl the restored state is the live one — events in their recency order,
    pools and samples, the post → event map, the candidate index — and so are the results;
    only the first save writes everything."""
    store = SQLiteStore(tmp_path / "store.db")
    live_store = SQLiteStore(tmp_path / "live.db")
    live = lift_stage(sink=live_store, settings=SMALL)
    path = tmp_path / "state.db"
    for k, posts in enumerate(_crawls()):
        crawl = lift_stage(sink=store, state_path=path, settings=SMALL)
        replayed = crawl.restore(store)
        assert replayed == (0 if k == 0 else None)  # restored after the first crawl
        if k:
            assert _state(crawl) == _state(live), f"crawl {k} restored another state"
        assert _run(crawl, store, posts) == _run(live, live_store, posts)
        assert _state(crawl) == _state(live)
        if posts:
            assert crawl.last_save["whole"] == (k == 0)
    held = live.events.stats()
    assert held["events"] == 10 and held["tracked_posts"] == 100  # the bounds were reached
    final = lift_stage(sink=store, state_path=path, settings=SMALL)
    assert final.restore(store) is None and _state(final) == _state(live)


def test_a_crawl_rewrites_only_the_rows_of_what_it_changed(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    path = tmp_path / "state.db"
    first = lift_stage(sink=store, state_path=path)
    _run(first, store, _batch(0, 120, 0))
    assert first.last_save == {"events": len(first.events._events), "posts": 120, "whole": 1}

    def rows() -> dict:
        with closing(sqlite3.connect(path)) as db:
            return dict(db.execute("SELECT id, seq FROM tracker_event"))

    before = rows()
    crawl = lift_stage(sink=store, state_path=path)
    assert crawl.restore(store) is None
    done = _run(crawl, store, [_copy("c7", 7, 200)])  # one repost: its event takes it
    assert crawl.last_save == {"events": 1, "posts": 1, "whole": 0}
    after = rows()
    moved = done[0][1]
    assert after[moved] > max(before.values())  # to the end of the recency order
    assert {e: s for e, s in after.items() if e != moved} == {
        e: s for e, s in before.items() if e != moved
    }


def _saved(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    stage = lift_stage(sink=store, state_path=tmp_path / "state.db")
    _run(stage, store, _batch(0, 30, 0))
    return store, tmp_path / "state.db"


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("UPDATE tracker_event SET data = x'0001' WHERE seq = 3", "unreadable"),
        ("DELETE FROM tracker_post WHERE seq = 7", "29 of 30 posts on file"),
        ("UPDATE tracker_head SET data = x'80'", "unreadable"),
    ],
)
def test_a_damaged_or_incomplete_snapshot_is_rebuilt_with_one_line(tmp_path, caplog, damage, said):
    store, path = _saved(tmp_path)
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(damage)
    stage = lift_stage(sink=store, state_path=path)
    with caplog.at_level(logging.INFO, logger="yuqing.nlp"):
        assert stage.restore(store) == 30  # rebuilt from the store
    lines = [r for r in caplog.records if r.name == "yuqing.nlp.state"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert said in lines[0].getMessage() and "rebuilding from the store" in lines[0].getMessage()
    _run(stage, store, _batch(30, 2, 40))
    assert stage.last_save["whole"] == 1  # the rebuilt state replaces the damaged one
    again = lift_stage(sink=store, state_path=path)
    assert again.restore(store) is None and _state(again) == _state(stage)


def test_a_save_that_dies_half_way_leaves_the_previous_state(tmp_path):
    store, path = _saved(tmp_path)

    def dump() -> tuple:
        with closing(sqlite3.connect(path)) as db:
            return tuple(
                db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("tracker_head", "tracker_event", "tracker_post")
            )

    before = dump()
    mark = store.change_mark()
    stage = lift_stage(sink=store, state_path=path)
    assert stage.restore(store) is None
    done = stage.process_many(_batch(30, 5, 40))
    for p in done:
        store.upsert_post(p)
    # a state that cannot be written, after the first rows were: the save fails mid-way
    stage.events.held(done[-1].event_id).pooled["x"] = lambda: None
    with pytest.raises((AttributeError, TypeError, StorageError)):
        stage.save(store)
    assert dump() == before  # the transaction was rolled back: the old state, whole
    assert store.change_mark() != mark
    assert lift_stage(sink=store, state_path=path).restore(store) == 35  # stale: rebuilt


def test_a_state_handed_out_is_saved_again(tmp_path):
    """The stage changes an event's state it gets from ``held`` (its pooled decisions, the
    sample's category cache) also for a post crawled again, which does not move the event:
    the save rewrites that row too."""
    store, path = _saved(tmp_path)
    stage = lift_stage(sink=store, state_path=path)
    assert stage.restore(store) is None
    again = stage.process_many(_batch(0, 1, 0))  # crawled again: nothing moves
    eid = again[0].event_id
    stage.events.held(eid).decided["work_safety"] = True
    store.upsert_post(_batch(40, 1, 40)[0])  # the crawl stored something: the mark moves
    stage.save(store)
    assert stage.last_save == {"events": 1, "posts": 0, "whole": 0}
    restored = lift_stage(sink=store, state_path=path)
    assert restored.restore(store) is None
    assert restored.events.held(eid).decided == {"work_safety": True}
    assert _state(restored) == _state(stage)


def test_the_rows_are_read_as_they_are_unpickled(tmp_path):
    """A restore holds the state and one row's bytes at a time, not every row's bytes too
    (at 1 M stored the rows are ≈ 120 MB)."""
    import tracemalloc

    from yuqing.nlp import state
    from yuqing.nlp.events import Changes, EventTracker

    live = EventTracker()
    for p in _batch(0, 40, 0):
        live.assign(p, {w: 1.0 for w in p.title[:6]})
    big = 200_000
    for eid, st in live._events.items():
        st.event.title = eid + "x" * big  # the rows' bytes are mostly these titles
    live.changes = Changes()
    path = tmp_path / "state.db"
    state.save(path, live, "m")
    total = big * len(live._events)
    restored = EventTracker()
    tracemalloc.start()
    try:
        assert state.load(path, restored, "m")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(restored._events) == len(live._events) >= 20
    assert total <= peak < 1.5 * total  # the titles once, not their bytes as well
