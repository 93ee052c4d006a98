"""One crawl/alert pass per store at a time; one scheduled digest run at a time.

Two passes on one store (a ``yuqing cycle`` from cron while ``yuqing run`` works, or two
cycles) would crawl and alert twice and fight over the store ("database is locked"). A pass
takes an exclusive lock on a file beside the store (``<store>.lock`` for SQLite, ``var_dir/
<index prefix>.lock`` for Elasticsearch: it guards one host) for its whole duration; the
second pass fails at once with a message naming the holder. The lock is an OS file lock
(``fcntl.flock``): it is released when the holder exits, even by ``kill -9``.

Scheduled digest runs (the cron job, the catch-up at start, the delivery job's retry, ``yuqing
cycle``) wait for each other on :func:`digest_lock`: at a daemon start after digest time the
catch-up and the delivery job find the same digest due at the same moment, and two runs
would both send it before either recorded it in the ledger.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from yuqing.errors import YuqingError


class PassLocked(YuqingError):
    """Another pass holds the store's lock (``holder``: the pid written in the lock file)."""

    def __init__(self, message: str, holder: str = "?") -> None:
        super().__init__(message)
        self.holder = holder


def lock_path(cfg) -> Path:
    storage = cfg.settings.storage
    if storage.backend == "sqlite":
        store = cfg.path(storage.path)
        return store.with_name(store.name + ".lock")
    return cfg.path(cfg.settings.var_dir) / f"{storage.elasticsearch.index_prefix}.lock"


@contextmanager
def pass_lock(cfg):
    """Hold the store's pass lock, or raise :class:`PassLocked` at once."""
    path = lock_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise PassLocked(
                f"another crawl/alert pass is running on this store (pid {holder}, lock {path}); "
                "try again when it has finished",
                holder,
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield path
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def digest_lock(cfg):
    """Hold the digest's lock (``<digest.state_path>.lock``), waiting while another scheduled
    digest run (thread or process) holds it. flock locks belong to the open file, so threads
    of one process exclude each other too."""
    state = cfg.path(cfg.settings.digest.state_path)
    path = state.with_name(state.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
