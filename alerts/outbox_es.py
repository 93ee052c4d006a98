"""The delivery outbox in Elasticsearch, for a cluster: every node sees the same rows, so a
new leader carries on where the old one stopped (``alerts.outbox`` is the single-machine
SQLite file; the row life cycle, keys and guarantees are the same — read its docstring).

One index ``<prefix>-outbox`` (replicated like the other indices) holds two kinds of
documents: rows (``_id`` = the row key) and ``enq:<alert>:<kind>`` markers. Elasticsearch has no transactions; each row change is a compare-and-set on the
document's ``_seq_no``/``_primary_term``:

* ``enqueue`` creates rows with ``op_type=create`` — a second enqueue adds nothing;
* ``claim`` searches due rows, then leases each with a conditional write using the sequence
  number the search returned: a row changed since (claimed, sent) fails the condition and is
  skipped — two deliverers never both claim a row, even from a stale search;
* ``mark_sent``/``mark_failed``/``release`` re-read the row in real time and write it back
  conditionally, only while it is pending.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from yuqing.alerts.outbox_rows import COLUMNS, Row, Target, delivery_key

log = logging.getLogger(__name__)

_KEYWORD = ("key", "alert_id", "kind", "department", "channel", "recipient", "level", "status")
MAPPINGS = {
    "dynamic": "false",
    "properties": {
        "doc": {"type": "keyword"},
        **{name: {"type": "keyword"} for name in (*_KEYWORD, "lease_owner", "batch_id")},
        "attempts": {"type": "integer"},
        **{name: {"type": "double"} for name in ("next_ts", "lease_ts", "created_ts", "sent_ts")},
        "last_error": {"type": "text", "index": False},
    },
}
PAGE = 1000


class ElasticOutbox:
    """Same methods and meaning as ``alerts.outbox.Outbox``."""

    def __init__(self, es: Elasticsearch, index: str):
        self.es = es
        self.index = index
        self._ready = False

    def _ensure(self) -> None:
        if self._ready:
            return
        if not self.es.indices.exists(index=self.index):
            try:
                self.es.indices.create(
                    index=self.index,
                    settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                    mappings=MAPPINGS,
                    wait_for_active_shards="1",
                )
            except Exception as exc:  # noqa: BLE001 - created by another node meanwhile
                if "resource_already_exists" not in str(exc):
                    raise
        self._ready = True

    def close(self) -> None:
        self.es.close()

    def __enter__(self) -> ElasticOutbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        self._ensure()
        ts, due = now.timestamp(), (not_before or now).timestamp()
        added = 0
        for t in targets:
            key = delivery_key(alert_id, kind, t.department, t.channel, t.recipient)
            row = Row(
                key, alert_id, kind, t.department, t.channel, t.recipient, level, "pending",
                0, due, None, None, None, ts, None, None,
            )  # fmt: skip
            added += self._create(key, {"doc": "row", **vars(row)})
        self._create(
            f"enq:{alert_id}:{kind}", {"doc": "enqueued", "alert_id": alert_id, "created_ts": ts}
        )
        self.es.indices.refresh(index=self.index)
        return added

    def _create(self, doc_id: str, doc: dict[str, Any]) -> int:
        try:
            self.es.create(index=self.index, id=doc_id, document=doc)
            return 1
        except ConflictError:
            return 0

    def is_enqueued(self, alert_id: str, kind: str = "alert") -> bool:
        self._ensure()
        return self.es.exists(index=self.index, id=f"enq:{alert_id}:{kind}").body

    def last_enqueued(self) -> datetime | None:
        """When the newest alert was enqueued (UTC), or None."""
        self._ensure()
        resp = self.es.search(
            index=self.index,
            size=0,
            query={"term": {"doc": "enqueued"}},
            aggs={"last": {"max": {"field": "created_ts"}}},
        )
        ts = resp["aggregations"]["last"]["value"]
        return datetime.fromtimestamp(ts, tz=UTC) if ts is not None else None

    def claim(self, owner: str, now: datetime, lease_seconds: float, limit: int) -> list[Row]:
        self._ensure()
        self.es.indices.refresh(index=self.index)  # a stale search only finds fewer rows
        ts = now.timestamp()
        free = {
            "bool": {
                "should": [
                    {"bool": {"must_not": {"exists": {"field": "lease_ts"}}}},
                    {"range": {"lease_ts": {"lt": ts}}},
                ],
                "minimum_should_match": 1,
            }
        }
        hits = self._search(
            [self._pending(), {"range": {"next_ts": {"lte": ts}}}, free], size=limit
        )
        batches = {h["_source"]["batch_id"] for h in hits if h["_source"].get("batch_id")}
        seen = {h["_id"] for h in hits}
        for batch in sorted(batches):  # rows of a started batch go out together
            for h in self._search([self._pending(), {"term": {"batch_id": batch}}]):
                if h["_id"] not in seen:
                    hits.append(h)
                    seen.add(h["_id"])
        claimed = []
        for h in hits:
            doc = h["_source"] | {"lease_ts": ts + lease_seconds, "lease_owner": owner}
            if self._cas(h, doc):
                claimed.append(_row(doc))
        return claimed

    def assign_batch(self, keys: list[str], batch_id: str) -> None:
        for key in keys:
            self._change(key, lambda d: d.update(batch_id=batch_id), only_pending=False)
        self.es.indices.refresh(index=self.index)

    def mark_sent(self, keys: list[str], now: datetime) -> None:
        for key in keys:
            self._change(
                key,
                lambda d: d.update(status="sent", sent_ts=now.timestamp(), lease_ts=None, last_error=None),
            )  # fmt: skip

    def mark_failed(
        self,
        keys: list[str],
        now: datetime,
        error: str,
        base: float,
        max_delay: float,
        max_attempts: int,
    ) -> None:
        def fail(d: dict[str, Any]) -> None:
            attempts = d["attempts"] + 1
            d.update(
                attempts=attempts,
                next_ts=now.timestamp() + min(base * 2 ** (attempts - 1), max_delay),
                lease_ts=None,
                status="dead" if attempts >= max_attempts else "pending",
                last_error=error[:500],
            )

        for key in keys:
            self._change(key, fail)

    def release(self, keys: list[str], until: datetime) -> None:
        for key in keys:
            self._change(
                key, lambda d: d.update(lease_ts=None, next_ts=max(d["next_ts"], until.timestamp()))
            )

    def retry_dead(self, now: datetime) -> int:
        self._ensure()
        self.es.indices.refresh(index=self.index)
        done = 0
        for h in self._search([{"term": {"doc": "row"}}, {"term": {"status": "dead"}}]):
            doc = h["_source"] | {"status": "pending", "attempts": 0, "next_ts": now.timestamp()}
            done += self._cas(h, doc)
        return done

    def _change(self, key: str, fn, only_pending: bool = True) -> None:
        """Re-read a row in real time and write it back changed, if nobody wrote it since."""
        self._ensure()
        for _ in range(10):
            try:
                hit = self.es.get(index=self.index, id=key).body
            except NotFoundError:
                return
            if only_pending and hit["_source"]["status"] != "pending":
                return
            doc = dict(hit["_source"])
            fn(doc)
            if self._cas(hit, doc):
                return
        raise RuntimeError(f"outbox row {key}: still conflicting after 10 attempts")

    def _cas(self, hit: dict[str, Any], doc: dict[str, Any]) -> bool:
        try:
            self.es.index(
                index=self.index,
                id=hit["_id"],
                document=doc,
                if_seq_no=hit["_seq_no"],
                if_primary_term=hit["_primary_term"],
            )
            return True
        except ConflictError:
            return False

    # -- reading -------------------------------------------------------------------------
    @staticmethod
    def _pending() -> dict[str, Any]:
        return {"term": {"status": "pending"}}

    def _search(self, filters: list[dict[str, Any]], size: int | None = None) -> list[dict]:
        self._ensure()
        sort = [{"next_ts": "asc"}, {"created_ts": "asc"}, {"key": "asc"}]
        query = {"bool": {"filter": [{"term": {"doc": "row"}}, *filters]}}
        out: list[dict] = []
        after = None
        while True:
            kw: dict[str, Any] = {"search_after": after} if after else {}
            want = PAGE if size is None else min(PAGE, size - len(out))
            resp = self.es.search(
                index=self.index, query=query, sort=sort, size=want, seq_no_primary_term=True, **kw
            )
            hits = resp["hits"]["hits"]
            out += hits
            if len(hits) < want or (size is not None and len(out) >= size):
                return out
            after = hits[-1]["sort"]

    def rows(self, status: str | None = None, alert_id: str | None = None) -> list[Row]:
        self._ensure()
        self.es.indices.refresh(index=self.index)
        filters = [{"term": {k: v}} for k, v in (("status", status), ("alert_id", alert_id)) if v]
        rows = [_row(h["_source"]) for h in self._search(filters)]
        return sorted(rows, key=lambda r: (r.created_ts, r.key))

    def messages_sent(self, department: str, recipient: str, since: datetime) -> list[float]:
        self._ensure()
        self.es.indices.refresh(index=self.index)
        hits = self._search(
            [
                {"term": {"status": "sent"}},
                {"term": {"department": department}},
                {"term": {"recipient": recipient}},
                {"range": {"sent_ts": {"gte": since.timestamp()}}},
            ]
        )
        first: dict[str, float] = {}
        for h in hits:
            d = h["_source"]
            group = d.get("batch_id") or d["key"]
            first[group] = min(first.get(group, d["sent_ts"]), d["sent_ts"])
        return list(first.values())

    def counts(self) -> dict[str, int]:
        self._ensure()
        self.es.indices.refresh(index=self.index)
        resp = self.es.search(
            index=self.index,
            size=0,
            query={"term": {"doc": "row"}},
            aggs={"s": {"terms": {"field": "status", "size": 10}}},
        )
        return {b["key"]: b["doc_count"] for b in resp["aggregations"]["s"]["buckets"]}


def _row(doc: dict[str, Any]) -> Row:
    return Row(*(doc.get(c) for c in COLUMNS))  # type: ignore[arg-type]  # columns typed by Row


def open_elastic_outbox(cfg) -> ElasticOutbox:
    from yuqing.storage.es_client import connect

    settings = cfg.settings.storage.elasticsearch
    return ElasticOutbox(
        connect(settings, base_dir=cfg.path(".")), f"{settings.index_prefix}-outbox"
    )
