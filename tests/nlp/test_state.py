"""The crawl's NLP state between runs (nlp/state.py, the on-disk near-duplicate index): a
crawl restores what the last one saved instead of replaying the store, and only when the
saved state provably matches the store."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from tests.nlp.helpers import make_stage, post, teddy
from yuqing.nlp.dedup import NearDuplicateIndex
from yuqing.nlp.settings import NLPSettings
from yuqing.storage.sqlite import SQLiteStore


def _posts(start: int, n: int, minutes: int = 0):
    rows = teddy("dev")[start : start + n]
    return [
        post(f"p{start + i}", r["title"], r["body"], minutes=minutes + i)
        for i, r in enumerate(rows)
    ]


def _crawl(stage, store, posts):
    """What a crawl does with a batch: NLP, store, then save the state at the end."""
    done = stage.process_many(posts)
    for p in done:
        store.upsert_post(p)
    stage.save(store)
    return done


def test_near_duplicate_index_survives_reopening(tmp_path):
    path = tmp_path / "state.db"
    words = "市政府 关于 做好 今年 防汛 工作 的 通知 各 乡镇 街道 要 落实 责任".split()
    idx = NearDuplicateIndex(path=path, threshold=0.6)
    assert idx.add("a", words, published_at=None, crawled_at=_t(0)).duplicate_of is None
    idx.close()
    again = NearDuplicateIndex(path=path, threshold=0.6)
    assert len(again) == 1
    assert again.add("b", words + ["转载"], published_at=None, crawled_at=_t(1)).duplicate_of == "a"
    assert again.add("a", words, published_at=None, crawled_at=_t(2)).duplicate_of is None


def test_a_restored_stage_goes_on_as_if_it_never_stopped(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    first = make_stage(sink=store, state_path=tmp_path / "state.db")
    _crawl(first, store, _posts(0, 40))

    restored = make_stage(sink=store, state_path=tmp_path / "state.db")
    assert restored.restore(store) is None  # restored: nothing replayed
    assert restored.stats() == first.stats()
    rebuilt = make_stage(sink=SQLiteStore(tmp_path / "store.db"))
    assert rebuilt.restore(rebuilt.sink) == 40  # no state file: replayed from the store

    later = _posts(40, 20, minutes=40) + [post("copy", *_copy_of(3), minutes=70)]
    a = restored.process_many([p.__class__.from_dict(p.to_dict()) for p in later])
    b = first.process_many(later)
    assert [(p.event_id, p.duplicate_of) for p in a] == [(p.event_id, p.duplicate_of) for p in b]
    assert a[-1].duplicate_of == "p3"


def test_a_store_changed_since_the_save_is_replayed(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    stage = make_stage(sink=store, state_path=tmp_path / "state.db")
    done = _crawl(stage, store, _posts(0, 10))
    stage.dedup.close()
    done[0].event_id = "ev-moved-by-someone-else"  # e.g. a consolidation re-pointed a post
    store.upsert_post(done[0])
    assert make_stage(sink=store, state_path=tmp_path / "state.db").restore(store) == 10


def test_other_settings_are_replayed(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    stage = make_stage(sink=store, state_path=tmp_path / "state.db")
    _crawl(stage, store, _posts(0, 10))
    stage.dedup.close()
    other = NLPSettings.model_validate({"events": {"similarity": 0.5}})
    fresh = make_stage(other, sink=store, state_path=tmp_path / "state.db")
    assert fresh.restore(store) == 10


def _copy_of(i: int) -> tuple[str, str]:
    row = teddy("dev")[i]
    return row["title"], "转载：" + row["body"] + "（来源：某日报）"


def _t(minutes: int):
    from datetime import timedelta

    from tests.nlp.helpers import T0

    return T0 + timedelta(minutes=minutes)


def test_a_damaged_state_file_is_set_aside_and_rebuilt(tmp_path, caplog):
    store = SQLiteStore(tmp_path / "store.db")
    _crawl(make_stage(sink=store), store, _posts(0, 5))
    state = tmp_path / "state.db"
    state.write_bytes(b"not a database" * 100)
    stage = make_stage(sink=store, state_path=state)
    assert stage.restore(store) == 5  # rebuilt from the store
    assert (tmp_path / "state.db.corrupt").exists() and "moved to" in caplog.text


def test_a_crawl_that_stored_nothing_keeps_the_snapshot_as_it_is(tmp_path):
    """An hourly crawl of quiet sources does not rewrite the snapshot (at 1 M posts stored
    it is tens of MB pickled); the next crawl still restores it, and one that stores posts
    saves it again."""
    store = SQLiteStore(tmp_path / "store.db")
    path = tmp_path / "state.db"
    _crawl(make_stage(sink=store, state_path=path), store, _posts(0, 10))
    quiet = make_stage(sink=store, state_path=path)
    assert quiet.restore(store) is None

    def snapshot() -> tuple:  # every save names its state with a new token
        with closing(sqlite3.connect(path)) as db:
            return db.execute("SELECT token, mark FROM tracker_head").fetchone()

    before = snapshot()
    _crawl(quiet, store, [])  # nothing fetched, nothing stored
    assert snapshot() == before
    busy = make_stage(sink=store, state_path=path)
    assert busy.restore(store) is None and busy.stats() == quiet.stats()
    _crawl(busy, store, _posts(10, 5, minutes=10))
    assert snapshot()[0] != before[0] and snapshot()[1] == store.change_mark() != before[1]
    assert make_stage(sink=store, state_path=path).restore(store) is None


def test_a_stage_rebuilt_from_the_store_goes_on_like_one_that_never_stopped(tmp_path):
    """The rebuild after a crawl died (``NLPStage.warm``) keeps only a lean copy of each
    replayed post (no body text, shared token strings); later posts still get the events and
    duplicates they get in a stage that never stopped."""
    import sys

    from yuqing.models import lean_post

    store = SQLiteStore(tmp_path / "store.db")
    first = make_stage(sink=store)
    _crawl(first, store, _posts(0, 40))
    rebuilt = make_stage(sink=SQLiteStore(tmp_path / "store.db"))
    assert rebuilt.restore(rebuilt.sink) == 40
    later = _posts(40, 20, minutes=40) + [post("copy", *_copy_of(3), minutes=70)]
    a = rebuilt.process_many([p.__class__.from_dict(p.to_dict()) for p in later])
    b = first.process_many(later)
    assert [(p.event_id, p.duplicate_of) for p in a] == [(p.event_id, p.duplicate_of) for p in b]
    assert a[-1].duplicate_of == "p3"

    lean = lean_post(store.get_post("p3"))
    assert lean.text == "" and lean.tokens and lean.anchors is not None
    assert all(t is sys.intern(t) for t in lean.tokens)
