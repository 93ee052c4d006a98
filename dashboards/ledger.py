"""The digest's own state: which digest went to which recipient, and the last day the
scheduled digest ran. One SQLite file, ``digest.state_path`` (default ``var/digest.db``).

Each (digest, recipient) is recorded once its message was accepted by the SMTP server, so a
digest goes to each recipient exactly once however often the job runs (``--resend`` is the
deliberate exception). Older versions kept this state in the alerts outbox's ``meta`` table
(keys ``digest:<key>:<recipient>`` and ``digest_last``); a new ledger imports those rows once,
so upgrading sends nothing twice.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from yuqing.storage.sqlite_file import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS sent (
  digest TEXT NOT NULL, recipient TEXT NOT NULL, sent_at TEXT NOT NULL,
  PRIMARY KEY (digest, recipient)
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class DigestLedger:
    def __init__(self, path: str | Path, legacy_outbox: Path | None = None):
        self.path = Path(path)
        new = not self.path.exists()
        # synchronous=FULL: a recorded send must survive a crash
        self.db = connect(self.path, "digest ledger", SCHEMA, synchronous="FULL")
        self._lock = threading.Lock()
        if new and legacy_outbox is not None:
            self._import_outbox_meta(legacy_outbox)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> DigestLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- per recipient -------------------------------------------------------------------
    def was_sent(self, digest: str, recipient: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM sent WHERE digest=? AND recipient=?", (digest, recipient.lower())
        ).fetchone()
        return row is not None

    def record_sent(self, digest: str, recipient: str, at: str) -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO sent VALUES (?,?,?)", (digest, recipient.lower(), at)
            )

    def last_sent(self) -> str | None:
        """When a digest was last sent to anyone (ISO), or None."""
        row = self.db.execute("SELECT max(sent_at) FROM sent").fetchone()
        return row[0] if row else None

    # -- the scheduled run ---------------------------------------------------------------
    @property
    def last_day(self) -> str | None:
        """ISO date of the last day the scheduled digest job completed."""
        row = self.db.execute("SELECT value FROM state WHERE key='last_day'").fetchone()
        return row[0] if row else None

    def set_last_day(self, day: str) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO state VALUES ('last_day', ?)", (day,))
            self.db.execute("DELETE FROM state WHERE key IN ('retry_at', 'attempts')")

    # -- retries of a failed scheduled run -----------------------------------------------
    @property
    def retry_at(self) -> str | None:
        """ISO time before which a failed scheduled run is not tried again (backoff)."""
        row = self.db.execute("SELECT value FROM state WHERE key='retry_at'").fetchone()
        return row[0] if row else None

    @property
    def attempts(self) -> int:
        row = self.db.execute("SELECT value FROM state WHERE key='attempts'").fetchone()
        return int(row[0]) if row else 0

    def set_retry(self, at: str, attempts: int) -> None:
        with self._lock:
            self.db.execute("INSERT OR REPLACE INTO state VALUES ('retry_at', ?)", (at,))
            self.db.execute("INSERT OR REPLACE INTO state VALUES ('attempts', ?)", (attempts,))

    # -- upgrade -------------------------------------------------------------------------
    def _import_outbox_meta(self, outbox: Path) -> None:
        if not outbox.is_file():
            return
        try:
            with closing(sqlite3.connect(str(outbox), timeout=30)) as old:
                rows = old.execute(
                    "SELECT key, value FROM meta WHERE key LIKE 'digest%'"
                ).fetchall()
        except sqlite3.Error:
            return  # not an outbox with digest state: nothing to carry over
        for key, value in rows:
            if key == "digest_last":
                self.set_last_day(value)
            elif key.startswith("digest:") and key.count(":") >= 2:
                _, digest, recipient = key.split(":", 2)
                self.record_sent(digest, recipient, value)


def open_ledger(cfg) -> DigestLedger:
    """The ledger of ``cfg`` (``digest.state_path``); imports the digest state an older
    version left in the alerts outbox (``alerts.outbox_path``) when the ledger is new. On a
    cluster the ledger every node sees, in Elasticsearch (``ledger_es``)."""
    if cfg.settings.cluster.enabled:
        from yuqing.dashboards.ledger_es import open_elastic_ledger

        return open_elastic_ledger(cfg)  # type: ignore[return-value]  # same methods
    return DigestLedger(
        cfg.path(cfg.settings.digest.state_path), cfg.path(cfg.settings.alerts.outbox_path)
    )
