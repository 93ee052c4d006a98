"""Embedded storage on SQLite (standard library): the default for a fresh install.

Each record is kept whole as JSON (its ``to_dict`` form) beside the few columns that are
filtered or ordered on. WAL mode and a busy timeout let the daemon and a CLI command (for
example ``yuqing alerts ack``) share one file; compare-and-set runs inside ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from datetime import datetime
from pathlib import Path
from typing import Any

from yuqing.models import Alert, Event, Feedback, Post, post_place, post_time
from yuqing.storage import sqlite_counts
from yuqing.storage.base import (
    AlertHead,
    SourceState,
    StorageError,
    Store,
    UpsertResult,
    UrlState,
    search_terms,
)
from yuqing.storage.sqlite_file import connect, describe, guard_sqlite
from yuqing.timeutil import parse_iso, to_iso, tz

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
#: page cache per connection: a million posts' indexes stay mostly in memory (the default
#: 2 MiB re-reads index pages from the OS for every random lookup)
CACHE_KIB = 32 * 1024

#: v2: the columns and hourly counts the aggregates read (sqlite_counts); event_id follows the
#: document even when another program edits it in place (json_set); v3: ``place``
#: (:func:`yuqing.models.post_place`, as counted: an update subtracts what was counted)
POSTS = """
CREATE TABLE IF NOT EXISTS posts (
    id TEXT PRIMARY KEY, source_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    updated_ts REAL NOT NULL, published_ts REAL, doc TEXT NOT NULL,
    post_ts REAL, crawled_ts REAL, sentiment REAL, dup INTEGER NOT NULL DEFAULT 0,
    channel TEXT, category TEXT, region TEXT, focus TEXT,
    event_id TEXT GENERATED ALWAYS AS (json_extract(doc, '$.event_id')) STORED, place TEXT);
"""
POST_COLUMNS = (
    "id, source_id, content_hash, updated_ts, published_ts, doc, post_ts, crawled_ts, "
    "sentiment, dup, channel, category, region, focus, place"
)
INDEXES = """
CREATE INDEX IF NOT EXISTS posts_updated ON posts(updated_ts);
CREATE INDEX IF NOT EXISTS posts_source ON posts(source_id, updated_ts);
CREATE INDEX IF NOT EXISTS posts_posted ON posts(post_ts, event_id, sentiment);
CREATE INDEX IF NOT EXISTS posts_collected ON posts(crawled_ts, event_id, sentiment);
CREATE INDEX IF NOT EXISTS posts_event ON posts(event_id, post_ts);
CREATE INDEX IF NOT EXISTS posts_source_posted ON posts(source_id, post_ts);
CREATE INDEX IF NOT EXISTS events_hot ON events(last_seen_ts, hotness);
CREATE INDEX IF NOT EXISTS events_first_seen ON events(first_seen_ts);
CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule, created_ts);
CREATE INDEX IF NOT EXISTS alerts_subject ON alerts(subject, created_ts);
CREATE INDEX IF NOT EXISTS alerts_event ON alerts(event_id, created_ts);
CREATE INDEX IF NOT EXISTS alerts_updated ON alerts(updated_ts);
"""


def _unix(field: str) -> str:
    """SQL: a document's ISO 8601 time field as a Unix time (julianday keeps the offset)."""
    return f"(julianday(json_extract(doc, '$.{field}')) - 2440587.5) * 86400.0"


#: when an event began, as a Unix time (its first_seen, else its last_seen)
FIRST_SEEN = (
    "(julianday(coalesce(json_extract(doc, '$.first_seen'), json_extract(doc, '$.last_seen')))"
    " - 2440587.5) * 86400.0"
)
#: columns derived from the JSON documents (virtual: they follow any edit of the document)
DERIVED = {
    "events": {
        "hotness": "REAL GENERATED ALWAYS AS (json_extract(doc, '$.hotness')) VIRTUAL",
        "first_seen_ts": f"REAL GENERATED ALWAYS AS ({FIRST_SEEN}) VIRTUAL",
    },
    "alerts": {
        "rule": "TEXT GENERATED ALWAYS AS (json_extract(doc, '$.rule')) VIRTUAL",
        "subject": "TEXT GENERATED ALWAYS AS (json_extract(doc, '$.evidence.subject')) VIRTUAL",
        "event_id": "TEXT GENERATED ALWAYS AS (json_extract(doc, '$.event_id')) VIRTUAL",
        "updated_ts": f"REAL GENERATED ALWAYS AS ({_unix('updated_at')}) VIRTUAL",
    },
}

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, last_seen_ts REAL, doc TEXT NOT NULL,
    hotness REAL GENERATED ALWAYS AS (json_extract(doc, '$.hotness')) VIRTUAL,
    first_seen_ts REAL GENERATED ALWAYS AS ("""
    + FIRST_SEEN
    + """) VIRTUAL);
CREATE INDEX IF NOT EXISTS events_last_seen ON events(last_seen_ts);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, created_ts REAL NOT NULL, doc TEXT NOT NULL,
    rule TEXT GENERATED ALWAYS AS (json_extract(doc, '$.rule')) VIRTUAL,
    subject TEXT GENERATED ALWAYS AS (json_extract(doc, '$.evidence.subject')) VIRTUAL,
    event_id TEXT GENERATED ALWAYS AS (json_extract(doc, '$.event_id')) VIRTUAL,
    updated_ts REAL GENERATED ALWAYS AS ("""
    + _unix("updated_at")
    + """) VIRTUAL);
CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created_ts);
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY, post_id TEXT NOT NULL, created_ts REAL NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback(created_ts);
CREATE TABLE IF NOT EXISTS source_state (source_id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS url_state (url TEXT PRIMARY KEY, source_id TEXT, doc TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('change_mark', 0);
INSERT OR IGNORE INTO meta VALUES ('store_uid', lower(hex(randomblob(8))));
"""
)
TRIGGERS = "".join(  # change_mark(): every write to posts or events, by any program, counts
    f"CREATE TRIGGER IF NOT EXISTS {table}_{op.lower()}_mark AFTER {op} ON {table} BEGIN "
    "UPDATE meta SET value = value + 1 WHERE key = 'change_mark'; END;\n"
    for table in ("posts", "events")
    for op in ("INSERT", "UPDATE", "DELETE")
)


#: ids per ``IN (…)`` query (SQLite allows 32766 parameters)
_BATCH = 500
#: an AlertHead's fields, read from the document in one pass of SQLite's JSON parser
_HEAD = (
    "id, status, json_extract(doc, '$.rule', '$.evidence.subject', '$.event_id', '$.level', "
    "'$.created_at', '$.evidence.size', '$.evidence.superseded_by', '$.evidence.dismissed', "
    "'$.evidence.highest_level', '$.evidence.original_level', '$.evidence.relevel_due.at')"
)


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def _post_row(post: Post) -> tuple:
    return (
        post.id,
        post.source_id,
        post.content_hash,
        _ts(post.updated_at),
        _ts(post.published_at),
        _dump(post.to_dict()),
        post_time(post).timestamp(),
        post.crawled_at.timestamp(),
        post.sentiment,
        int(post.duplicate_of is not None),
        post.channel,
        post.category,
        post.region,
        "," + ",".join(post.focus) + "," if post.focus else None,
        post_place(post),
    )


_MARKS = ",".join("?" * len(POST_COLUMNS.split(",")))


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _state_to_json(state: SourceState | UrlState) -> str:
    # a URL state (one a crawled page) is flat: read its fields, no deep copy (asdict's)
    flat = isinstance(state, UrlState)
    data = {f: getattr(state, f) for f in _URL_FIELDS} if flat else asdict(state)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = to_iso(value)
    return _dump(data)


_URL_FIELDS = tuple(f.name for f in dataclass_fields(UrlState))


def _state_from_json(cls, doc: str):
    data = json.loads(doc)
    for key, value in data.items():
        if key.endswith("_at") and isinstance(value, str):
            data[key] = parse_iso(value)
    return cls(**data)


@guard_sqlite("SQLite store")
class SQLiteStore(Store):
    def __init__(self, path: str | Path, tzname: str | None = None):
        self.path = Path(path)
        self.tzname = tzname
        self.db = connect(path, "SQLite store", SCHEMA)
        try:
            self.db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._check_version()
            self.db.executescript(POSTS + sqlite_counts.SCHEMA)
            add_derived_columns(self.db)
            self.db.executescript(INDEXES + TRIGGERS)
        except sqlite3.Error as exc:
            self.db.close()
            raise StorageError(f"{path}: cannot open SQLite store: {exc}") from exc
        self._lock = threading.RLock()

    def _check_version(self) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        elif int(row[0]) < SCHEMA_VERSION:
            migrate(self.db, int(row[0]))
        elif int(row[0]) > SCHEMA_VERSION:
            raise StorageError(
                f"{self.path}: store schema {row[0]} is newer than this "
                f"program ({SCHEMA_VERSION}); upgrade yuqing-sentinel"
            )

    def _one(self, sql: str, args: tuple) -> Any:
        row = self.db.execute(sql, args).fetchone()
        return row[0] if row else None

    # -- transactions --------------------------------------------------------------------
    @contextmanager
    def writes(self) -> Iterator[None]:
        """The writes made inside are one transaction: one commit for a batch of posts, their
        URL states and events instead of one each (a commit writes every page it touched to
        the WAL: about a third of the store's CPU and I/O for a crawled post); nothing of it is
        visible to other connections, or kept after a crash, before the end. Inside another
        ``writes()`` it is a savepoint of the outer one. An exception rolls the whole unit back.
        """
        with self._lock:
            nested = self.db.in_transaction
            self._run("SAVEPOINT unit" if nested else "BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if nested:
                    self.db.execute("ROLLBACK TO unit")
                    self.db.execute("RELEASE unit")
                elif self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            try:
                self._run("RELEASE unit" if nested else "COMMIT")
            except StorageError:
                if not nested and self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    def _run(self, statement: str) -> None:
        """A transaction statement, its failure a StorageError like any method's."""
        try:
            self.db.execute(statement)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: SQLite store: {describe(exc)}") from exc

    # -- posts ---------------------------------------------------------------------------
    def upsert_post(self, post: Post) -> UpsertResult:
        with self.writes():
            return self._upsert_post(post)

    def _upsert_post(self, post: Post) -> UpsertResult:
        row = self.db.execute(
            "SELECT content_hash, doc, place FROM posts WHERE id=?", (post.id,)
        ).fetchone()
        if row is None:
            result: UpsertResult = "new"
            post.updated_at = post.updated_at or post.crawled_at
        else:
            old = Post.from_dict(json.loads(row[1]))
            result = "unchanged" if row[0] == post.content_hash else "updated"
            new_time = post.crawled_at
            post.crawled_at = old.crawled_at
            post.updated_at = old.updated_at if result == "unchanged" else new_time
            sqlite_counts.count(self.db, old, -1, place=row[2])
        self.db.execute(
            f"INSERT OR REPLACE INTO posts ({POST_COLUMNS}) VALUES ({_MARKS})", _post_row(post)
        )
        sqlite_counts.count(self.db, post, 1)
        return result

    def get_post(self, post_id: str) -> Post | None:
        doc = self._one("SELECT doc FROM posts WHERE id=?", (post_id,))
        return Post.from_dict(json.loads(doc)) if doc else None

    def iter_posts(self, since=None, source_id=None) -> Iterator[Post]:
        sql, args = "SELECT id FROM posts WHERE updated_ts >= ?", [_ts(since) or 0.0]
        if source_id:
            sql += " AND source_id = ?"
            args.append(source_id)
        # The ids first, then the documents a batch at a time: memory holds one batch of
        # documents, not the whole period's (about 1.1 GB for a 7-day window at 1 M posts), and
        # a caller that updates the posts it is given (reanalyze) never sees one twice.
        ids = [i for (i,) in self.db.execute(sql + " ORDER BY updated_ts, id", args)]
        for i in range(0, len(ids), _BATCH):
            for doc in self._docs("posts", ids[i : i + _BATCH]):
                yield Post.from_dict(json.loads(doc))

    def post_stamps(self, since) -> list[tuple[str, float]]:
        return self.db.execute(  # the posts_updated index, no document read
            "SELECT id, updated_ts FROM posts WHERE updated_ts >= ? ORDER BY updated_ts, id",
            (_ts(since) or 0.0,),
        ).fetchall()

    def get_posts(self, post_ids: Iterable[str]) -> list[Post]:
        return [Post.from_dict(json.loads(d)) for d in self._docs("posts", list(post_ids))]

    def _docs(self, table: str, ids: list[str]) -> list[str]:
        """The documents of ``ids`` in ``table`` that exist, in the order of ``ids``."""
        found: dict[str, str] = {}
        for i in range(0, len(ids), _BATCH):
            chunk = ids[i : i + _BATCH]
            found.update(
                self.db.execute(
                    f"SELECT id, doc FROM {table} WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
            )
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    def tally(
        self,
        by,
        start,
        end,
        *,
        axis="posted",
        closed="right",
        below=-0.2,
        keys=None,
        min_posts=1,
        posted_since=None,
    ):
        return sqlite_counts.tally(
            self.db, by, start, end, axis, closed, below, keys, min_posts, posted_since
        )

    def find_posts(
        self,
        start,
        end,
        *,
        by="all",
        key=None,
        axis="posted",
        closed="right",
        order="time",
        originals=False,
        limit=None,
        posted_since=None,
        where=None,
        text=None,
        offset=0,
    ) -> list[Post]:
        span = (start.timestamp(), end.timestamp())
        docs = sqlite_counts.find_posts(
            self.db,
            span,
            by,
            key,
            axis,
            closed,
            order,
            originals,
            limit,
            posted_since,
            where=tuple((where or {}).items()),
            terms=search_terms(text),
            offset=offset,
        )
        return [Post.from_dict(json.loads(doc)) for doc in docs]

    def last_post_time(self, source_id, until=None):
        ts = self._one(
            "SELECT max(post_ts) FROM posts WHERE source_id=? AND post_ts<=?",
            (source_id, until.timestamp() if until else float("inf")),
        )
        return datetime.fromtimestamp(ts, tz=tz(self.tzname)) if ts is not None else None

    def count_posts(self, source_id=None) -> int:
        if source_id:
            return self._one("SELECT count(*) FROM posts WHERE source_id=?", (source_id,))
        return self._one("SELECT count(*) FROM posts", ())

    # -- events --------------------------------------------------------------------------
    def upsert_event(self, event: Event) -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO events VALUES (?,?,?)",
                (event.id, _ts(event.last_seen), _dump(event.to_dict())),
            )

    def get_event(self, event_id: str) -> Event | None:
        doc = self._one("SELECT doc FROM events WHERE id=?", (event_id,))
        return Event.from_dict(json.loads(doc)) if doc else None

    def iter_events(
        self, since=None, *, min_hotness=None, order="last_seen", limit=None
    ) -> Iterator[Event]:
        sql = "SELECT doc FROM events WHERE coalesce(last_seen_ts, 0) >= ?"
        args: list = [_ts(since) or 0.0]
        if min_hotness is not None:
            sql += " AND hotness >= ?"
            args.append(min_hotness)
        sql += " ORDER BY " + ("hotness DESC, id" if order == "hotness" else "last_seen_ts, id")
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        rows = self.db.execute(sql, args).fetchall()
        for (doc,) in rows:
            yield Event.from_dict(json.loads(doc))

    def delete_events(self, event_ids) -> int:
        ids = list(event_ids)
        with self.writes():
            return sum(self.db.execute("DELETE FROM events WHERE id=?", (i,)).rowcount for i in ids)

    def set_post_events(self, changes: dict[str, str]) -> int:
        """One transaction; the JSON document is edited in place (json_set)."""
        n = 0
        with self.writes():
            for pid, eid in changes.items():
                n += self.db.execute(
                    "UPDATE posts SET doc = json_set(doc, '$.event_id', ?) "
                    "WHERE id = ? AND coalesce(json_extract(doc, '$.event_id'), '') != ?",
                    (eid, pid, eid),
                ).rowcount
        return n

    def change_mark(self) -> str:
        rows = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        return f"{rows['store_uid']}:{rows['change_mark']}"

    def count_events(self, start, end) -> int:
        return self._one(
            "SELECT count(*) FROM events WHERE first_seen_ts >= ? AND first_seen_ts < ?",
            (start.timestamp(), end.timestamp()),
        )

    # -- alerts --------------------------------------------------------------------------
    def insert_alert(self, alert: Alert) -> bool:
        with self._lock:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO alerts VALUES (?,?,?,?)",
                (alert.id, alert.status, _ts(alert.created_at), _dump(alert.to_dict())),
            )
            return cur.rowcount == 1

    def get_alert(self, alert_id: str) -> Alert | None:
        doc = self._one("SELECT doc FROM alerts WHERE id=?", (alert_id,))
        return Alert.from_dict(json.loads(doc)) if doc else None

    def iter_alerts(
        self, since=None, status=None, *, rule=None, subject=None, event_id=None, updated_since=None
    ) -> Iterator[Alert]:
        where, args = self._alert_filter(since, status, rule, subject, event_id, updated_since)
        for (doc,) in self.db.execute(
            f"SELECT doc FROM alerts WHERE {where} ORDER BY created_ts, id", args
        ).fetchall():
            yield Alert.from_dict(json.loads(doc))

    def iter_alert_heads(
        self, since=None, status=None, *, rule=None, subject=None, event_id=None, updated_since=None
    ) -> Iterator[AlertHead]:
        where, args = self._alert_filter(since, status, rule, subject, event_id, updated_since)
        rows = self.db.execute(
            f"SELECT {_HEAD} FROM alerts WHERE {where} ORDER BY created_ts, id", args
        ).fetchall()
        for aid, status_, fields in rows:
            rule_, subj, eid, level, created, *rest = json.loads(fields)
            created_at = parse_iso(created)
            assert created_at is not None  # every alert has one (Alert.created_at)
            yield AlertHead.build(aid, rule_, eid, level, status_, created_at, subj, *rest)

    def alert_ids(
        self, since=None, status=None, *, rule=None, subject=None, event_id=None, updated_since=None
    ) -> list[str]:
        where, args = self._alert_filter(since, status, rule, subject, event_id, updated_since)
        rows = self.db.execute(f"SELECT id FROM alerts WHERE {where} ORDER BY created_ts, id", args)
        return [r[0] for r in rows.fetchall()]

    def get_alerts(self, alert_ids: Iterable[str]) -> list[Alert]:
        return [Alert.from_dict(json.loads(d)) for d in self._docs("alerts", list(alert_ids))]

    @staticmethod
    def _alert_filter(since, status, rule, subject, event_id, updated_since) -> tuple[str, list]:
        sql, args = "created_ts >= ?", [_ts(since) or 0.0]
        if updated_since is not None:
            sql += " AND updated_ts >= ?"
            args.append(updated_since.timestamp())
        filters = (("status", status), ("rule", rule), ("subject", subject), ("event_id", event_id))
        for column, value in filters:
            if value:
                sql += f" AND {column} = ?"
                args.append(value)
        return sql, args

    def update_alert(self, alert_id: str, expect=None, **changes) -> bool:
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                doc = self._one("SELECT doc FROM alerts WHERE id=?", (alert_id,))
                if doc is None:
                    self.db.execute("ROLLBACK")
                    return False
                alert = Alert.from_dict(json.loads(doc))
                for key, wanted in (expect or {}).items():
                    have = getattr(alert, key)
                    ok = have in wanted if isinstance(wanted, tuple) else have == wanted
                    if not ok:
                        self.db.execute("ROLLBACK")
                        return False
                for key, value in changes.items():
                    if not hasattr(alert, key):
                        raise StorageError(f"alert has no field {key!r}")
                    setattr(alert, key, value)
                self.db.execute(
                    "UPDATE alerts SET status=?, doc=? WHERE id=?",
                    (alert.status, _dump(alert.to_dict()), alert_id),
                )
                self.db.execute("COMMIT")
                return True
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    # -- label feedback ------------------------------------------------------------------
    def add_feedback(self, feedback: Feedback) -> bool:
        with self._lock:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO feedback VALUES (?,?,?,?)",
                (
                    feedback.id,
                    feedback.post_id,
                    _ts(feedback.created_at),
                    _dump(feedback.to_dict()),
                ),
            )
            return cur.rowcount == 1

    def iter_feedback(self, since=None) -> Iterator[Feedback]:
        rows = self.db.execute(
            "SELECT doc FROM feedback WHERE created_ts >= ? ORDER BY created_ts, id",
            (_ts(since) or 0.0,),
        ).fetchall()
        for (doc,) in rows:
            yield Feedback.from_dict(json.loads(doc))

    # -- crawl state ---------------------------------------------------------------------
    def get_source_state(self, source_id: str) -> SourceState:
        doc = self._one("SELECT doc FROM source_state WHERE source_id=?", (source_id,))
        return _state_from_json(SourceState, doc) if doc else SourceState(source_id)

    def save_source_state(self, state: SourceState) -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO source_state VALUES (?,?)",
                (state.source_id, _state_to_json(state)),
            )

    def iter_source_states(self) -> Iterator[SourceState]:
        for (doc,) in self.db.execute("SELECT doc FROM source_state ORDER BY source_id").fetchall():
            yield _state_from_json(SourceState, doc)

    def get_url_state(self, url: str) -> UrlState | None:
        doc = self._one("SELECT doc FROM url_state WHERE url=?", (url,))
        return _state_from_json(UrlState, doc) if doc else None

    def save_url_state(self, state: UrlState) -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO url_state VALUES (?,?,?)",
                (state.url, state.source_id, _state_to_json(state)),
            )

    def close(self) -> None:
        self.db.close()


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring an older store to this schema, in one transaction (a failure leaves it as it was):
    v1 -> v3 the posts' aggregate columns and the hourly counts, computed once from every
    stored post; v2 -> v3 the posts' ``place`` and its hourly counts (the other counts are
    kept as they are)."""
    log.warning(
        "upgrading store schema %d -> %d (once; counts every stored post)", version, SCHEMA_VERSION
    )
    db.execute("BEGIN IMMEDIATE")
    try:
        if version == 2:
            _add_places(db)
        else:
            _rebuild_posts(db)
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (SCHEMA_VERSION,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _add_places(db: sqlite3.Connection) -> None:
    """v2 -> v3: every stored post's ``place``, and its hourly counts (read a batch at a time)."""
    db.execute("ALTER TABLE posts ADD COLUMN place TEXT")
    fields = ("id", "source_id", "channel", "url", "published_at", "crawled_at", "region")
    picked = ", ".join(f"json_extract(doc, '$.{f}')" for f in fields)
    last = 0
    while True:  # the fields counting needs, not the whole documents (text, tokens)
        rows = db.execute(
            f"SELECT rowid, {picked}, json_extract(doc, '$.regions_mentioned'), sentiment "
            "FROM posts WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, _BATCH),
        ).fetchall()
        if not rows:
            return
        places: list[tuple[str | None, int]] = []
        counted: list[tuple] = []
        for rowid, *values, named, sentiment in rows:
            post = Post.from_dict(
                {
                    **dict(zip(fields, values, strict=True)),
                    "title": "",
                    "text": "",
                    "content_hash": "-",
                    "regions_mentioned": json.loads(named) if named else [],
                    "sentiment": sentiment,
                }
            )
            place = post_place(post)
            places.append((place, rowid))
            counted += sqlite_counts.rows(post, 1, ("place",), place)
        db.executemany("UPDATE posts SET place=? WHERE rowid=?", places)
        sqlite_counts.add(db, counted)
        last = rows[-1][0]


def _rebuild_posts(db: sqlite3.Connection) -> None:
    """v1 -> v3: the posts table rebuilt with its columns, every post counted."""
    add_derived_columns(db)
    db.execute("ALTER TABLE posts RENAME TO posts_v1")
    for statement in (POSTS + sqlite_counts.SCHEMA).split(";"):
        if statement.strip():  # not executescript: it would commit first
            db.execute(statement)
    for (doc,) in db.execute("SELECT doc FROM posts_v1").fetchall():
        post = Post.from_dict(json.loads(doc))
        db.execute(f"INSERT INTO posts ({POST_COLUMNS}) VALUES ({_MARKS})", _post_row(post))
        sqlite_counts.count(db, post, 1)
    db.execute("DROP TABLE posts_v1")


def add_derived_columns(db: sqlite3.Connection) -> None:
    """Add the ``DERIVED`` columns a table lacks (virtual: nothing to fill in)."""
    for table, columns in DERIVED.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_xinfo({table})")}
        for name, definition in columns.items():
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
