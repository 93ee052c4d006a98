"""Every SQLite file the daemon keeps is opened by several jobs at once (the scheduler runs
``alerts check``, the outbox sender, the digest and the store's maintenance in threads): an
open waits for another connection's lock for up to ``BUSY_TIMEOUT`` and fails with one line
naming the file only past it."""

import sqlite3
import threading
import time

import pytest

from yuqing.alerts.matches import PostMatches
from yuqing.alerts.outbox import Outbox
from yuqing.console.state import ConsoleState
from yuqing.dashboards.ledger import DigestLedger
from yuqing.storage import StorageError, sqlite_file
from yuqing.storage.es_spool import Spool
from yuqing.storage.sqlite import SQLiteStore

OPENERS = {
    "alerts outbox": Outbox,
    "SQLite store": SQLiteStore,
    "Elasticsearch spool": Spool,
    "digest ledger": DigestLedger,
    "console state": lambda p: ConsoleState(p, ttl=3600, idle=600),
    "alert rule matches": PostMatches,
}
HOLD = 0.4  # seconds the other connection keeps its lock


def _hold(path, *, wal: bool, release_after: float | None, released: list | None = None):
    """Another connection holding the write lock on ``path`` (a new file, in WAL mode or
    not); released after ``release_after`` seconds, or when the caller closes it.
    ``released`` gets the monotonic time at which the release began."""
    other = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    if wal:
        other.execute("PRAGMA journal_mode=WAL")
    other.execute("BEGIN IMMEDIATE")  # the write lock (RESERVED), as a writing job holds it
    other.execute("CREATE TABLE other_job (x)")

    def release():
        if released is not None:
            released.append(time.monotonic())
        other.execute("COMMIT")

    if release_after is not None:
        threading.Timer(release_after, release).start()
    return other


@pytest.mark.parametrize("wal", [False, True], ids=["new-file", "wal-file"])
@pytest.mark.parametrize("what", OPENERS)
def test_an_open_waits_for_a_lock_held_briefly(tmp_path, what, wal):
    """A new file another job is writing (creating its schema) or a WAL file whose writer is
    mid-transaction: the open waits and succeeds. On the new file the switch to WAL takes its
    lock without SQLite's busy handler: it used to fail at once with "database is locked"
    when two scheduled jobs opened the outbox together."""
    path = tmp_path / "file.db"
    released: list[float] = []
    other = _hold(path, wal=wal, release_after=HOLD, released=released)
    opened = OPENERS[what](path)
    done = time.monotonic()
    try:
        # the open returned only once the other job began to let go of its lock (compared
        # with the release's own clock reading: a loaded machine that starts the open late
        # cannot make it pass or fail)
        assert released and done >= released[0]
        db = opened.db
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "other_job" in tables and len(tables) > 1  # both jobs' schemas are there
    finally:
        opened.close()
        other.close()


@pytest.mark.parametrize("what", ["alerts outbox", "SQLite store", "alert rule matches"])
def test_a_lock_held_past_the_timeout_is_one_line(tmp_path, monkeypatch, what):
    """Past BUSY_TIMEOUT the open fails with one line naming the file; a cache file (rule
    matches) that is only locked is kept, not moved aside as damaged."""
    monkeypatch.setattr(sqlite_file, "BUSY_TIMEOUT", 0.3)
    path = tmp_path / "file.db"
    other = _hold(path, wal=False, release_after=None)
    started = time.monotonic()
    try:
        with pytest.raises(StorageError) as caught:
            OPENERS[what](path)
        waited = time.monotonic() - started
    finally:
        other.close()
    assert str(caught.value) == f"{path}: cannot open {what}: database is locked"
    assert 0.3 <= waited < 10
    assert not path.with_name("file.db.corrupt").exists()
    assert path.exists()
