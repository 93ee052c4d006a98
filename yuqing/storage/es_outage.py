"""Outage handling for the Elasticsearch backend: when to write to the cluster, when to spool,
and replaying the spool in order once the cluster answers again.

Policy (see docs/elasticsearch.md):

* crawl-side writes (posts, events, crawl state) never raise because the cluster is down:
  they are appended to the spool, counted (``stats["spooled"]``) and logged once per outage;
* while the spool holds anything, new writes queue behind it, so the order is kept;
* every ``probe_interval`` seconds a write, read or flush tries to replay the spool, oldest
  first (``stats["replayed"]``); only when it is empty do writes go straight to the cluster;
* reads, and writes that need the cluster's answer (alert insert / compare-and-set), raise
  ``StorageError`` with a one-line message instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from yuqing.storage.base import StorageError
from yuqing.storage.es_client import describe, is_outage
from yuqing.storage.es_spool import Spool

log = logging.getLogger("yuqing.storage.elastic")

Applier = Callable[[str, list[dict[str, Any]]], Any]


class OutageGuard:
    def __init__(
        self,
        url: str,
        spool: Spool,
        apply_spooled: Applier,
        probe_interval: float = 5.0,
        batch: int = 500,
    ):
        self.url = url
        self.spool = spool
        self.apply_spooled = apply_spooled
        self.probe_interval = probe_interval
        self.batch = batch
        self.stats = {"spooled": 0, "replayed": 0}
        self.down_since: float | None = None
        self._why, self._announced = "unreachable", True
        self._next_probe = 0.0

    def went_down(self, exc: BaseException) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            self._why, self._announced = describe(exc), False
        self._next_probe = time.monotonic() + self.probe_interval

    def _announce(self) -> None:
        """Log the outage once, when the first write goes to the spool (a failed read is
        reported by its own ``StorageError``)."""
        if not self._announced:
            self._announced = True
            log.warning(
                "elasticsearch at %s: %s; spooling writes to %s",
                self.url,
                self._why,
                self.spool.path,
            )

    def direct(self) -> bool:
        """True when writes may go to the cluster now: it is up and the spool is drained
        (replaying it first when a probe is due)."""
        if self.down_since is None and not len(self.spool):
            return True
        if time.monotonic() < self._next_probe:
            return False
        return self.replay()

    def replay(self) -> bool:
        before = self.stats["replayed"]
        try:
            for last_seq, kind, docs in self.spool.batches(self.batch):
                self.apply_spooled(kind, docs)
                self.spool.ack(last_seq)
                self.stats["replayed"] += len(docs)
        except Exception as exc:
            if not is_outage(exc):
                raise StorageError(
                    f"replaying the spool {self.spool.path} failed: {describe(exc)}"
                ) from exc
            self.went_down(exc)
            return False
        if self.stats["replayed"] > before or self.down_since is not None:
            log.warning(
                "elasticsearch at %s answers; replayed %d spooled write(s)",
                self.url,
                self.stats["replayed"] - before,
            )
        self.down_since = None
        return True

    def write(
        self,
        what: str,
        items: list[Any],
        apply: Callable[[list[Any]], Any],
        spool: Callable[[list[Any]], Any],
    ) -> Any:
        """``apply`` on the cluster, or ``spool`` when it is (or just went) unreachable."""
        if self.direct():
            try:
                return apply(items)
            except Exception as exc:
                if not is_outage(exc):
                    if isinstance(exc, StorageError):
                        raise
                    raise StorageError(
                        f"elasticsearch {what} write failed: {describe(exc)}"
                    ) from exc
                self.went_down(exc)
        self._announce()
        self.stats["spooled"] += len(items)
        return spool(items)

    def call(self, what: str, fn: Callable[[], Any], why: str = "") -> Any:
        """Run ``fn`` on the cluster (a read, or a write that needs its answer); one-line
        ``StorageError`` when the cluster is down or refuses."""
        if not self.direct():
            raise StorageError(
                f"elasticsearch at {self.url} is unreachable "
                f"({len(self.spool)} write(s) spooled); cannot {what}{why}"
            )
        try:
            return fn()
        except Exception as exc:
            if is_outage(exc):
                self.went_down(exc)
            if isinstance(exc, StorageError):
                raise
            raise StorageError(
                f"elasticsearch at {self.url}: cannot {what}: {describe(exc)}"
            ) from exc
