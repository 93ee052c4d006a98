"""The SQLite files the program keeps (the embedded store, the alerts outbox, the
Elasticsearch spool): where they may live, how they are opened, and how their failures surface.

* :func:`state_path` resolves a path setting. Its directory must exist — a store path whose
  directory is missing (an unmounted volume, a typo) is an error, never a silently created
  empty store — except inside ``var_dir``, the program's own directory, created on demand.
* :func:`connect` opens a file with WAL and the schema, waiting up to :data:`BUSY_TIMEOUT`
  for another connection's lock (the daemon's jobs open the same files at once);
  :func:`guard_sqlite` makes every
  ``sqlite3`` error of a class's public methods (an unreadable, corrupt or locked file) a
  one-line :class:`StorageError` that names the file.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from yuqing.storage.base import StorageError

T = TypeVar("T", bound=type)
log = logging.getLogger(__name__)

#: Seconds an open or a statement waits for another connection's lock before failing.
BUSY_TIMEOUT = 30.0
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def state_path(cfg: Any, value: str, key: str) -> Path:
    """The file a path setting (``key``, e.g. ``storage.path``) names, resolved against the
    config; ``StorageError`` when its directory is missing outside ``var_dir``."""
    path = Path(cfg.path(value))
    parent = path.parent
    if parent.is_dir():
        return path
    var_dir = Path(cfg.path(cfg.settings.var_dir)).resolve()
    resolved = parent.resolve()
    if not parent.exists() and (resolved == var_dir or var_dir in resolved.parents):
        return path  # the program's own directory: created when the file is opened
    problem = "is not a directory" if parent.exists() else "does not exist"
    raise StorageError(
        f"{key} {path}: directory {parent} {problem} "
        f"(create it, or fix {key} in {cfg.dir / 'settings.yaml'})"
    )


def connect(path: str | Path, what: str, schema: str, synchronous: str = "NORMAL"):
    """An autocommit connection to ``path`` (WAL, busy timeout, ``schema`` applied); its
    directory is created when missing. ``StorageError`` naming ``what`` and the file when it
    cannot be opened — also when another connection holds the file locked for longer than
    :data:`BUSY_TIMEOUT`."""
    db = None
    timeout = BUSY_TIMEOUT
    deadline = time.monotonic() + timeout
    try:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
        conn = db
        # Switching a file to WAL takes an exclusive lock without calling the busy handler:
        # two jobs opening a new file at once would fail at once; retry until the deadline.
        _until_free(lambda: conn.execute("PRAGMA journal_mode=WAL"), deadline)
        db.execute(f"PRAGMA synchronous={synchronous}")
        _until_free(lambda: conn.executescript(schema), deadline)  # IF NOT EXISTS: re-runnable
    except (sqlite3.Error, OSError) as exc:
        if db is not None:
            db.close()
        raise StorageError(f"{path}: cannot open {what}: {describe(exc)}") from exc
    return db


def _until_free(run: Callable[[], Any], deadline: float) -> Any:
    """``run()``, again after a short pause while the file is busy, until ``deadline``."""
    pause = 0.005
    while True:
        try:
            return run()
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.1)


def open_cache(path: str | Path | None, what: str, schema: str):
    """Like :func:`connect`, for a file that only caches what can be rebuilt (the crawl's NLP
    state, alert rule matches): an unreadable one is moved aside (``.corrupt``) with a warning
    and started anew. ``None``: in memory."""
    if path is None:
        return connect(":memory:", what, schema)
    try:
        return connect(path, what, schema)
    except StorageError as exc:
        if _busy(exc.__cause__):
            raise  # locked by another process for too long, not damaged: keep it
        aside = Path(f"{path}.corrupt")
        log.warning("%s; moved to %s, starting anew (it is rebuilt)", exc, aside)
        Path(path).replace(aside)
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return connect(path, what, schema)


def _busy(exc: BaseException | None) -> bool:
    """Whether ``exc`` is SQLite's "database is locked" (busy or locked, any extended code)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.Error) and code is not None and code & 0xFF in _BUSY


def guard_sqlite(what: str) -> Callable[[T], T]:
    """Class decorator: an ``sqlite3.Error`` escaping a public method (generators included)
    becomes ``StorageError("<self.path>: <what>: <error>")``."""

    def decorate(cls: T) -> T:
        for name, fn in list(vars(cls).items()):
            if not name.startswith("_") and inspect.isfunction(fn):
                setattr(cls, name, _guarded(fn, what))
        return cls

    return decorate


def _guarded(fn: Callable[..., Any], what: str) -> Callable[..., Any]:
    def fail(self: Any, exc: sqlite3.Error) -> StorageError:
        return StorageError(f"{getattr(self, 'path', '?')}: {what}: {describe(exc)}")

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from fn(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise fail(self, exc) from exc

        return generator

    @functools.wraps(fn)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise fail(self, exc) from exc

    return method


def describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}" + (f": {exc.filename}" if exc.filename else "")
    return str(exc) or type(exc).__name__
