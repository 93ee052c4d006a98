"""Console state that is not domain data: staff sessions and failed sign-in attempts, in a
small SQLite file (``console.state_path``) whatever the storage backend — like the outbox.

A session id is 32 random bytes; only its SHA-256 is stored, so a copy of the file opens no
session. A session ends ``session_ttl`` after sign-in or ``session_idle`` after its last
request, and on sign-out. Sign-in issues a new id (no session fixation).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from yuqing.storage.sqlite_file import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
    created_ts REAL NOT NULL, seen_ts REAL NOT NULL, address TEXT);
CREATE TABLE IF NOT EXISTS attempts (key TEXT NOT NULL, ts REAL NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_key ON attempts(key, ts);
"""


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    username: str
    csrf: str
    created_ts: float


class ConsoleState:
    def __init__(self, path: str | Path, ttl: int, idle: int):
        self.path, self.ttl, self.idle = Path(path), ttl, idle
        self.db = connect(path, "console state", SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    # -- sessions ------------------------------------------------------------------------
    def create(self, username: str, now: float, address: str | None) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self.db.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?,?)",
                (_digest(session_id), username, secrets.token_urlsafe(32), now, now, address),
            )
            self.db.execute(
                "DELETE FROM sessions WHERE created_ts < ? OR seen_ts < ?",
                (now - self.ttl, now - self.idle),
            )
        return session_id

    def get(self, session_id: str | None, now: float) -> Session | None:
        """The live session for a cookie value (and its last-seen time moved to now)."""
        if not session_id:
            return None
        key = _digest(session_id)
        with self._lock:
            row = self.db.execute(
                "SELECT username, csrf, created_ts, seen_ts FROM sessions WHERE id_hash=?", (key,)
            ).fetchone()
            if row is None:
                return None
            if now - row[2] > self.ttl or now - row[3] > self.idle:
                self.db.execute("DELETE FROM sessions WHERE id_hash=?", (key,))
                return None
            self.db.execute("UPDATE sessions SET seen_ts=? WHERE id_hash=?", (now, key))
        return Session(row[0], row[1], row[2])

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self.db.execute("DELETE FROM sessions WHERE id_hash=?", (_digest(session_id),))

    # -- sign-in throttling --------------------------------------------------------------
    def failures(self, keys: list[str], now: float, window: int) -> int:
        """The most failed attempts recorded within ``window`` under any of ``keys``."""
        with self._lock:
            return max(
                self.db.execute(
                    "SELECT count(*) FROM attempts WHERE key=? AND ts>?", (k, now - window)
                ).fetchone()[0]
                for k in keys
            )

    def fail(self, keys: list[str], now: float) -> None:
        with self._lock:
            self.db.executemany("INSERT INTO attempts VALUES (?,?)", [(k, now) for k in keys])
            self.db.execute("DELETE FROM attempts WHERE ts < ?", (now - 86400,))  # stale

    def clear(self, keys: list[str]) -> None:
        with self._lock:
            self.db.executemany("DELETE FROM attempts WHERE key=?", [(k,) for k in keys])
