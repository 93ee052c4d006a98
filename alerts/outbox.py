"""The delivery outbox: one row per (alert, kind, department, channel, recipient).

Kept in its own SQLite file (``alerts.outbox_path``, default ``var/outbox.db``) so every
storage backend works unchanged. The life of a row::

    pending --claim (lease)--> [send] --mark_sent--> sent
       ^                          |
       +-- mark_failed (backoff) -+--> dead (after retry.max_attempts; `yuqing alerts outbox`)

Guarantees (see docs/alerts.md): an alert is in the store before its rows exist; a row's
key is its idempotency key, so enqueueing twice adds nothing; a row is marked sent right
after its send returns; a row whose lease ran out without being marked is sent again with
the same Message-ID. That is at-least-once delivery with a stable dedup key — exactly-once
for the reader whose mail system dedups on Message-ID; the duplicate window is the time
between the server's "250 OK" and the mark-sent commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from yuqing.alerts.outbox_rows import COLUMNS, Row, Target, delivery_key
from yuqing.storage.sqlite_file import connect, guard_sqlite, state_path

__all__ = ["COLUMNS", "Outbox", "Row", "Target", "delivery_key", "open_outbox"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY, alert_id TEXT NOT NULL, kind TEXT NOT NULL,
    department TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL,
    level TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_ts REAL NOT NULL,
    lease_ts REAL, lease_owner TEXT, batch_id TEXT,
    created_ts REAL NOT NULL, sent_ts REAL, last_error TEXT);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(status, next_ts);
CREATE INDEX IF NOT EXISTS deliveries_alert ON deliveries(alert_id);
CREATE INDEX IF NOT EXISTS deliveries_sent ON deliveries(department, recipient, sent_ts);
CREATE TABLE IF NOT EXISTS enqueued (
    alert_id TEXT NOT NULL, kind TEXT NOT NULL, ts REAL NOT NULL,
    PRIMARY KEY (alert_id, kind));
CREATE INDEX IF NOT EXISTS enqueued_ts ON enqueued(ts);
"""


@guard_sqlite("alerts outbox")
class Outbox:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        # synchronous=FULL: a mark-sent must survive a crash
        self.db = connect(path, "alerts outbox", SCHEMA, synchronous="FULL")
        self._lock = threading.RLock()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------
    def _tx(self, fn):
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                result = fn()
                self.db.execute("COMMIT")
                return result
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    # -- writing -------------------------------------------------------------------------
    def enqueue(
        self,
        alert_id: str,
        kind: str,
        level: str,
        targets: Iterable[Target],
        now: datetime,
        not_before: datetime | None = None,
    ) -> int:
        """Add one row per target (idempotent); returns the number of new rows."""
        targets = list(targets)
        ts, due = now.timestamp(), (not_before or now).timestamp()

        def work() -> int:
            added = 0
            for t in targets:
                key = delivery_key(alert_id, kind, t.department, t.channel, t.recipient)
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO deliveries (key, alert_id, kind, department, "
                    "channel, recipient, level, next_ts, created_ts) VALUES (?,?,?,?,?,?,?,?,?)",
                    (key, alert_id, kind, t.department, t.channel, t.recipient, level, due, ts),
                )
                added += cur.rowcount
            self.db.execute("INSERT OR IGNORE INTO enqueued VALUES (?,?,?)", (alert_id, kind, ts))
            return added

        return self._tx(work)

    def is_enqueued(self, alert_id: str, kind: str = "alert") -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM enqueued WHERE alert_id=? AND kind=?", (alert_id, kind)
            ).fetchone()
            is not None
        )

    def last_enqueued(self) -> datetime | None:
        """When the newest alert was enqueued (UTC), or None."""
        ts = self.db.execute("SELECT max(ts) FROM enqueued").fetchone()[0]
        return datetime.fromtimestamp(ts, tz=UTC) if ts is not None else None

    def claim(self, owner: str, now: datetime, lease_seconds: float, limit: int) -> list[Row]:
        """Lease up to ``limit`` due rows (pending, not leased or lease expired). Rows of a
        batch that has started are claimed together."""
        ts = now.timestamp()

        def work() -> list[Row]:
            keys = [
                k
                for (k,) in self.db.execute(
                    "SELECT key FROM deliveries WHERE status='pending' AND next_ts<=? "
                    "AND (lease_ts IS NULL OR lease_ts<?) ORDER BY next_ts, created_ts, key LIMIT ?",
                    (ts, ts, limit),
                )
            ]
            batches = (
                {
                    b
                    for (b,) in self.db.execute(
                        f"SELECT DISTINCT batch_id FROM deliveries WHERE key IN ({_q(keys)}) "
                        "AND batch_id IS NOT NULL",
                        keys,
                    )
                }
                if keys
                else set()
            )
            for b in batches:
                keys += [
                    k
                    for (k,) in self.db.execute(
                        "SELECT key FROM deliveries WHERE batch_id=? AND status='pending'", (b,)
                    )
                    if k not in keys
                ]
            if not keys:
                return []
            self.db.execute(
                f"UPDATE deliveries SET lease_ts=?, lease_owner=? WHERE key IN ({_q(keys)})",
                (ts + lease_seconds, owner, *keys),
            )
            return self._rows(f"key IN ({_q(keys)})", keys)

        return self._tx(work)

    def assign_batch(self, keys: list[str], batch_id: str) -> None:
        """Persist that these rows go out as one aggregated message (so a retry re-sends
        exactly the same message, with the same Message-ID)."""
        self._tx(
            lambda: self.db.execute(
                f"UPDATE deliveries SET batch_id=? WHERE key IN ({_q(keys)})", (batch_id, *keys)
            )
        )

    def mark_sent(self, keys: list[str], now: datetime) -> None:
        self._tx(
            lambda: self.db.execute(
                f"UPDATE deliveries SET status='sent', sent_ts=?, lease_ts=NULL, last_error=NULL "
                f"WHERE key IN ({_q(keys)}) AND status='pending'",
                (now.timestamp(), *keys),
            )
        )

    def mark_failed(
        self,
        keys: list[str],
        now: datetime,
        error: str,
        base: float,
        max_delay: float,
        max_attempts: int,
    ) -> None:
        def work() -> None:
            for key in keys:
                row = self.db.execute(
                    "SELECT attempts FROM deliveries WHERE key=?", (key,)
                ).fetchone()
                if row is None:
                    continue
                attempts = row[0] + 1
                delay = min(base * 2 ** (attempts - 1), max_delay)
                status = "dead" if attempts >= max_attempts else "pending"
                self.db.execute(
                    "UPDATE deliveries SET attempts=?, next_ts=?, lease_ts=NULL, status=?, "
                    "last_error=? WHERE key=? AND status='pending'",
                    (attempts, now.timestamp() + delay, status, error[:500], key),
                )

        self._tx(work)

    def release(self, keys: list[str], until: datetime) -> None:
        """Give rows back unsent, due again at ``until`` (quiet hours, rate limit)."""
        self._tx(
            lambda: self.db.execute(
                f"UPDATE deliveries SET lease_ts=NULL, next_ts=MAX(next_ts, ?) "
                f"WHERE key IN ({_q(keys)}) AND status='pending'",
                (until.timestamp(), *keys),
            )
        )

    def retry_dead(self, now: datetime) -> int:
        cur = self._tx(
            lambda: self.db.execute(
                "UPDATE deliveries SET status='pending', attempts=0, next_ts=? WHERE status='dead'",
                (now.timestamp(),),
            )
        )
        return cur.rowcount

    # -- reading -------------------------------------------------------------------------
    def _rows(self, where: str, args: Iterable = ()) -> list[Row]:
        sql = f"SELECT {', '.join(COLUMNS)} FROM deliveries WHERE {where} ORDER BY created_ts, key"
        return [Row(*r) for r in self.db.execute(sql, list(args))]

    def rows(self, status: str | None = None, alert_id: str | None = None) -> list[Row]:
        where, args = ["1=1"], []
        if status:
            where.append("status=?")
            args.append(status)
        if alert_id:
            where.append("alert_id=?")
            args.append(alert_id)
        return self._rows(" AND ".join(where), args)

    def messages_sent(self, department: str, recipient: str, since: datetime) -> list[float]:
        """Send times of distinct messages (a batch counts once) to one recipient."""
        return [
            ts
            for (ts,) in self.db.execute(
                "SELECT MIN(sent_ts) FROM deliveries WHERE department=? AND recipient=? "
                "AND status='sent' AND sent_ts>=? GROUP BY coalesce(batch_id, key)",
                (department, recipient, since.timestamp()),
            )
        ]

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, count(*) FROM deliveries GROUP BY status"))


def _q(items: list) -> str:
    return ",".join("?" * len(items))


def open_outbox(cfg, settings=None) -> Outbox:
    """The SQLite file on a single machine; on a cluster the outbox every node sees, in
    Elasticsearch (``alerts.outbox_es``)."""
    from yuqing.alerts.settings import alert_settings

    if cfg.settings.cluster.enabled:
        from yuqing.alerts.outbox_es import open_elastic_outbox

        return open_elastic_outbox(cfg)  # type: ignore[return-value]  # same methods
    settings = settings or alert_settings(cfg)
    return Outbox(state_path(cfg, settings.outbox_path, "alerts.outbox_path"))
