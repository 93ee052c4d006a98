"""Storage: one contract (``Store``), an embedded SQLite backend and (later) Elasticsearch."""

from __future__ import annotations

from yuqing.storage.base import (
    AlertHead,
    SourceState,
    StorageError,
    Store,
    UpsertResult,
    UrlState,
)
from yuqing.storage.sqlite_file import state_path


def open_store(cfg) -> Store:
    """The store the configuration asks for (``settings.storage.backend``)."""
    storage = cfg.settings.storage
    if storage.backend == "sqlite":
        from yuqing.storage.sqlite import SQLiteStore

        path = state_path(cfg, storage.path, "storage.path")
        return SQLiteStore(path, tzname=cfg.settings.timezone)
    if storage.backend == "elasticsearch":
        from yuqing.storage.elastic import open_elastic_store

        return open_elastic_store(cfg)
    raise StorageError(f"unknown storage backend {storage.backend!r}")


__all__ = [
    "AlertHead",
    "SourceState",
    "StorageError",
    "Store",
    "UpsertResult",
    "UrlState",
    "open_store",
]
