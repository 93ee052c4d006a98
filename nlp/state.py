"""The crawl's NLP state between runs, so a crawl does not start by replaying days of posts.

Two parts live in one SQLite file beside the store (:func:`state_path_for`):

* the near-duplicate index (:class:`~yuqing.nlp.dedup.NearDuplicateIndex`), kept on disk and
  written as posts are processed — always current;
* a *snapshot* of the event tracker's in-memory state, saved at the end of every crawl that
  stored posts, under the store's change mark (:meth:`yuqing.storage.Store.change_mark`).

The snapshot is kept row by row so that a save writes what changed, not the whole state (at
1 M posts stored the state is ≈ 100 MB pickled; a crawl touches a few of its events):

* ``tracker_event`` — one row per held event (its pickled per-event state), ``seq`` its place
  in the tracker's recency order (the order events are evicted in);
* ``tracker_post`` — one row per entry of the post → event map, ``seq`` its place;
* ``tracker_head`` — the mark, the fingerprint, the row counts, a token naming this saved
  state, and the tracker's small attributes pickled whole (topic baselines, site index,
  clock). The candidate index over the events' centroids is not saved: it is rebuilt from
  the centroids on load.

The tracker records what it changed (:class:`~yuqing.nlp.events.Changes`): events that took a
post (they move to the end of the recency order), states handed out to the caller, events
dropped, posts added to the map or rewritten in it. A save rewrites those rows only, in one
transaction with the head; when the file does not hold the state those changes follow (its
token is another, e.g. the tracker was rebuilt from the store) it writes everything.

A crawl restores the snapshot only when it is provably current: same mark (nothing wrote posts
or events since — not a crawl that died half-way, not a consolidation), same NLP settings and
the same event-tracker code and snapshot format (a fingerprint of the settings and of the
modules). Otherwise — and when a row cannot be read or rows are missing — it rebuilds the state
from the store (``NLPStage.warm``). A save that dies half-way leaves the previous state
(SQLite rolls the transaction back), whose mark no longer matches the store.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import pickle
import sqlite3
import uuid
from collections import OrderedDict
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from yuqing.nlp.centroids import CentroidIndex
from yuqing.nlp.events import Changes
from yuqing.storage.base import StorageError
from yuqing.storage.sqlite_file import open_cache

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS tracker_head (
    one INTEGER PRIMARY KEY CHECK (one = 1), mark TEXT NOT NULL, fingerprint TEXT NOT NULL,
    token TEXT NOT NULL, events INTEGER NOT NULL, posts INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tracker_event (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tracker_post (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, event TEXT NOT NULL, t TEXT NOT NULL);
DROP TABLE IF EXISTS nlp_snapshot;
"""
#: tracker attributes that come from the configuration and the process, not from posts, or
#: that are saved otherwise (row by row, rebuilt on load, the change journal)
NOT_SAVED = frozenset(
    {"sink", "settings", "source_weights", "changes", "_index", "_events", "_post_event"}
)
PROTOCOL = pickle.HIGHEST_PROTOCOL


def state_path_for(storage_path: Path) -> Path:
    """``var/yuqing.db`` -> ``var/yuqing.nlp-state.db`` (for either backend)."""
    return storage_path.with_name(storage_path.stem + ".nlp-state.db")


def fingerprint(tracker: Any) -> str:
    """Changes when the NLP settings, the tracker's code or the snapshot's format change (its
    class's module, those of the project's classes it holds, e.g. the centroid index, and
    this module)."""
    h = hashlib.sha1(tracker.settings.model_dump_json().encode())
    modules = {inspect.getfile(type(tracker)), __file__}
    for value in vars(tracker).values():
        if type(value).__module__.startswith("yuqing."):
            modules.add(inspect.getfile(type(value)))
    for module in sorted(modules):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    return open_cache(path, "NLP state", SCHEMA)


def save(path: Path, tracker: Any, mark: str) -> dict[str, int]:
    """Save the tracker's state under ``mark`` (the store's change mark after the crawl):
    the rows it changed since it was last saved or restored, or all of them. Returns the
    rows written ({"events", "posts", "whole"})."""
    changes: Changes = tracker.changes
    token = uuid.uuid4().hex
    db = _connect(path)
    try:
        db.execute("BEGIN IMMEDIATE")
        head = db.execute("SELECT token FROM tracker_head").fetchone()
        written = None
        if changes.token is not None and head is not None and head[0] == changes.token:
            written = _write_changes(db, tracker, changes)
        if written is None:  # not the state these changes follow (or they do not add up)
            written = _write_all(db, tracker)
        rest = {k: v for k, v in vars(tracker).items() if k not in NOT_SAVED}
        db.execute(
            "INSERT OR REPLACE INTO tracker_head VALUES (1,?,?,?,?,?,?)",
            (
                mark,
                fingerprint(tracker),
                token,
                len(tracker._events),
                len(tracker._post_event),
                pickle.dumps(rest, protocol=PROTOCOL),
            ),
        )
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot save the NLP state: {exc}") from exc
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()
    tracker.changes = Changes(token=token)
    return written


def _write_all(db: sqlite3.Connection, tracker: Any) -> dict[str, int]:
    db.execute("DELETE FROM tracker_event")
    db.execute("DELETE FROM tracker_post")
    events, posts = tracker._events, tracker._post_event
    db.executemany(
        "INSERT INTO tracker_event VALUES (?,?,?)",
        (
            (i, eid, pickle.dumps(st, protocol=PROTOCOL))
            for i, (eid, st) in enumerate(events.items())
        ),
    )
    db.executemany(
        "INSERT INTO tracker_post VALUES (?,?,?,?)",
        ((i, pid, eid, t.isoformat()) for i, (pid, (eid, t)) in enumerate(posts.items())),
    )
    return {"events": len(events), "posts": len(posts), "whole": 1}


def _write_changes(db: sqlite3.Connection, tracker: Any, ch: Changes) -> dict[str, int] | None:
    """Rewrite the rows of what changed; None when the changes do not match the tracker's
    order as they must (then everything is written)."""
    events, posts = tracker._events, tracker._post_event
    moved = [eid for eid in ch.moved if eid in events]
    tail = list(islice(reversed(events), len(moved)))[::-1]
    new_posts = [pid for pid in ch.posts if pid in posts]
    post_tail = list(islice(reversed(posts), len(new_posts)))[::-1]
    if set(tail) != set(moved) or set(post_tail) != set(new_posts):
        log.warning("NLP state changes out of order: saving it whole")
        return None
    # events: dropped ones go, moved ones go to the end, the others handed out are rewritten
    gone = (ch.dropped - events.keys()) | set(moved)
    db.executemany("DELETE FROM tracker_event WHERE id=?", ((eid,) for eid in gone))
    top = db.execute("SELECT coalesce(max(seq), -1) FROM tracker_event").fetchone()[0]
    db.executemany(
        "INSERT INTO tracker_event VALUES (?,?,?)",
        (
            (top + 1 + i, eid, pickle.dumps(events[eid], protocol=PROTOCOL))
            for i, eid in enumerate(tail)
        ),
    )
    touched = [eid for eid in ch.touched if eid in events and eid not in ch.moved]
    db.executemany(
        "UPDATE tracker_event SET data=? WHERE id=?",
        ((pickle.dumps(events[eid], protocol=PROTOCOL), eid) for eid in touched),
    )
    # posts: the entries before the first one kept from the saved state have left (they
    # leave from the front), new ones are appended, a few were rewritten in place
    new = set(new_posts)
    first_old = next((pid for pid in posts if pid not in new), None)
    if first_old is None:
        db.execute("DELETE FROM tracker_post")
    else:
        db.execute(
            "DELETE FROM tracker_post WHERE seq < (SELECT seq FROM tracker_post WHERE id=?)",
            (first_old,),
        )
    changed = [pid for pid in ch.posts_changed if pid in posts and pid not in new]
    db.executemany(
        "UPDATE tracker_post SET event=?, t=? WHERE id=?",
        ((posts[pid][0], posts[pid][1].isoformat(), pid) for pid in changed),
    )
    top = db.execute("SELECT coalesce(max(seq), -1) FROM tracker_post").fetchone()[0]
    db.executemany(
        "INSERT INTO tracker_post VALUES (?,?,?,?)",
        (
            (top + 1 + i, pid, posts[pid][0], posts[pid][1].isoformat())
            for i, pid in enumerate(post_tail)
        ),
    )
    return {"events": len(tail) + len(touched), "posts": len(post_tail) + len(changed), "whole": 0}


def load(path: Path, tracker: Any, mark: str) -> bool:
    """Restore the tracker from the snapshot if it is current and whole; True when restored
    (the tracker is left as it was otherwise). Rows are read as they are unpickled, not all
    at once (their bytes are about the size of the state)."""
    if not path.exists():
        return False
    db = _connect(path)
    try:
        db.execute("BEGIN")  # head and rows from one state
        head = db.execute(
            "SELECT mark, fingerprint, token, events, posts, data FROM tracker_head"
        ).fetchone()
        if head is None:
            return False
        if head[0] != mark or head[1] != fingerprint(tracker):
            log.info(
                "NLP state snapshot is stale (store or code changed): rebuilding from the store"
            )
            return False
        rest = pickle.loads(head[5])
        rows = db.execute("SELECT id, data FROM tracker_event ORDER BY seq")
        events = OrderedDict((eid, pickle.loads(data)) for eid, data in rows)
        rows = db.execute("SELECT id, event, t FROM tracker_post ORDER BY seq")
        posts = OrderedDict((pid, (eid, datetime.fromisoformat(t))) for pid, eid, t in rows)
        if (len(events), len(posts)) != (head[3], head[4]):
            raise ValueError(
                f"{len(events)} of {head[3]} events and {len(posts)} of {head[4]} posts on file"
            )
    except Exception as exc:  # noqa: BLE001 - an unreadable snapshot is rebuilt, not fatal
        log.warning("NLP state snapshot unreadable (%s): rebuilding from the store", exc)
        return False
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.close()
    index = CentroidIndex(tracker._index.top)
    for eid, st in events.items():  # the index holds the centroids' top terms (exactly)
        index.update(eid, st.centroid)
    vars(tracker).update(rest)
    tracker._events, tracker._post_event, tracker._index = events, posts, index
    tracker.changes = Changes(token=head[2])
    return True
