"""A write spool on SQLite for the Elasticsearch backend's outages.

While the cluster is unreachable, every crawl-side write (posts, events, crawl state) is
appended here in order; when the cluster answers again the spool is replayed oldest first,
through the same idempotent write path, and each row is deleted only after it was applied.
A crash between "applied" and "deleted" replays the row once more, which is harmless because
every write is an idempotent upsert by a stable id.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yuqing.storage.base import StorageError
from yuqing.storage.sqlite_file import connect, guard_sqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS es_spool (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, doc_id TEXT NOT NULL,
    payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS es_spool_doc ON es_spool(kind, doc_id);
"""


@guard_sqlite("Elasticsearch spool")
class Spool:
    """Ordered, durable queue of pending writes: (seq, kind, doc_id, payload)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = connect(path, "the Elasticsearch spool", SCHEMA, synchronous="FULL")
        try:
            self._pending = self._count()
        except sqlite3.Error as exc:
            self.db.close()
            raise StorageError(f"{path}: cannot open the Elasticsearch spool: {exc}") from exc
        self._lock = threading.Lock()

    def _count(self) -> int:
        return self.db.execute("SELECT count(*) FROM es_spool").fetchone()[0]

    def __len__(self) -> int:
        return self._pending

    def append(self, kind: str, doc_id: str, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self.db.execute(
                "INSERT INTO es_spool (kind, doc_id, payload) VALUES (?,?,?)", (kind, doc_id, data)
            )
            self._pending += 1

    def latest(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        """The newest spooled payload for one document, if any."""
        row = self.db.execute(
            "SELECT payload FROM es_spool WHERE kind=? AND doc_id=? ORDER BY seq DESC LIMIT 1",
            (kind, doc_id),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def batches(self, size: int = 500) -> Iterator[tuple[int, str, list[dict[str, Any]]]]:
        """Runs of consecutive rows of one kind, oldest first: (last seq, kind, payloads).
        The caller applies a run, then calls ``ack(last_seq)``."""
        while True:
            rows = self.db.execute(
                "SELECT seq, kind, payload FROM es_spool ORDER BY seq LIMIT ?", (size,)
            ).fetchall()
            if not rows:
                return
            kind = rows[0][1]
            run = []
            for seq, row_kind, payload in rows:
                if row_kind != kind:
                    break
                run.append((seq, json.loads(payload)))
            yield run[-1][0], kind, [payload for _, payload in run]

    def ack(self, upto_seq: int) -> None:
        with self._lock:
            self.db.execute("DELETE FROM es_spool WHERE seq <= ?", (upto_seq,))
            self._pending = self._count()

    def close(self) -> None:
        self.db.close()
