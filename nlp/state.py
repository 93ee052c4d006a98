"""The crawl's NLP state between runs, so a crawl does not start by replaying days of posts.

Two parts live in one SQLite file beside the store (:func:`state_path_for`):

* the near-duplicate index (:class:`~yuqing.nlp.dedup.NearDuplicateIndex`), kept on disk and
  written as posts are processed — always current;
* a *snapshot* of the event tracker's in-memory state, pickled at the end of every crawl with
  the store's change mark (:meth:`yuqing.storage.Store.change_mark`) — not rewritten by a
  crawl that stored nothing (the mark, and so the snapshot, are unchanged).

A crawl restores the snapshot only when it is provably current: same mark (nothing wrote posts
or events since — not a crawl that died half-way, not a consolidation), same NLP settings and
the same event-tracker code (a fingerprint of both). Otherwise it rebuilds the state from the
store as before (``NLPStage.warm``). The snapshot is generic: every attribute of the tracker
except its sink and configuration is saved, so the tracker's internals can change freely (a
changed module changes the fingerprint, and the next crawl rebuilds once).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import pickle
import sqlite3
from pathlib import Path
from typing import Any

from yuqing.storage.sqlite_file import open_cache

log = logging.getLogger(__name__)

SCHEMA = """CREATE TABLE IF NOT EXISTS nlp_snapshot (
    name TEXT PRIMARY KEY, mark TEXT NOT NULL, fingerprint TEXT NOT NULL, data BLOB NOT NULL)"""
#: tracker attributes that come from the configuration and the process, not from posts
NOT_SAVED = frozenset({"sink", "settings", "source_weights"})


def state_path_for(storage_path: Path) -> Path:
    """``var/yuqing.db`` -> ``var/yuqing.nlp-state.db`` (for either backend)."""
    return storage_path.with_name(storage_path.stem + ".nlp-state.db")


def fingerprint(tracker: Any) -> str:
    """Changes when the NLP settings or the tracker's code change (its class's module and
    those of the project's classes it holds, e.g. the centroid index)."""
    h = hashlib.sha1(tracker.settings.model_dump_json().encode())
    modules = {inspect.getfile(type(tracker))}
    for value in vars(tracker).values():
        if type(value).__module__.startswith("yuqing."):
            modules.add(inspect.getfile(type(value)))
    for module in sorted(modules):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    return open_cache(path, "NLP state", SCHEMA)


def save(path: Path, tracker: Any, mark: str, name: str = "events") -> None:
    """Pickle the tracker's state under ``mark`` (the store's change mark after the crawl)."""
    state = {k: v for k, v in vars(tracker).items() if k not in NOT_SAVED}
    data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    db = _connect(path)
    try:
        db.execute(
            "INSERT OR REPLACE INTO nlp_snapshot VALUES (?,?,?,?)",
            (name, mark, fingerprint(tracker), data),
        )
    finally:
        db.close()


def load(path: Path, tracker: Any, mark: str, name: str = "events") -> bool:
    """Restore the tracker from the snapshot if it is current; True when restored."""
    if not path.exists():
        return False
    db = _connect(path)
    try:
        row = db.execute(
            "SELECT mark, fingerprint, data FROM nlp_snapshot WHERE name=?", (name,)
        ).fetchone()
    finally:
        db.close()
    if row is None:
        return False
    if row[0] != mark or row[1] != fingerprint(tracker):
        log.info("NLP state snapshot is stale (store or code changed): rebuilding from the store")
        return False
    try:
        state = pickle.loads(row[2])
    except Exception as exc:  # noqa: BLE001 - an unreadable snapshot is rebuilt, not fatal
        log.warning("NLP state snapshot unreadable (%s): rebuilding from the store", exc)
        return False
    vars(tracker).update(state)
    return True
