"""The Elasticsearch backend: the analytical store behind Kibana, same contract as SQLite.

* Layout (templates, aliases, rollover, retention) is in ``es_schema``; mappings ship as JSON in
  ``es_templates/``. Field names are the export contract's.
* Documents live in rolled-over indices, so a write by id first finds the index holding the
  document (a realtime multi-get across the read alias's indices) and writes there; a new
  document goes to the write alias. Ids are stable (post id = sha1 of the canonical URL).
* Alerts' compare-and-set uses optimistic concurrency (``if_seq_no``/``if_primary_term``).
* Outage: crawl-side writes (posts, events, crawl state) never raise when the cluster is
  unreachable; they go to an SQLite spool (``es_spool``) and are replayed in order when it
  answers again. Reads, and alert writes (which need the cluster to decide "created?" or
  "who won?"), raise ``StorageError`` with a one-line message instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError, helpers

from yuqing.models import Alert, Event, Feedback, Post, place_of
from yuqing.storage import es_counts, es_schema
from yuqing.storage.base import (
    AlertHead,
    SourceState,
    StorageError,
    Store,
    UpsertResult,
    UrlState,
    search_terms,
)
from yuqing.storage.es_client import connect, describe, is_outage
from yuqing.storage.es_docs import (
    LayoutGone,
    error_type,
    expand_action,
    record_doc,
    state_doc,
    state_from,
    url_doc_id,
)
from yuqing.storage.es_outage import OutageGuard
from yuqing.storage.es_schema import IndexNames
from yuqing.storage.es_spool import Spool
from yuqing.storage.sqlite_file import state_path
from yuqing.timeutil import parse_iso, to_iso

log = logging.getLogger(__name__)

BULK_CHUNK = 500
PAGE = 1000
INDEX_CACHE_SECONDS = 10.0
_POST_LOOKUP_FIELDS = ["content_hash", "crawled_at", "updated_at"]


class ElasticStore(Store):
    """See the module docstring. ``probe_interval``: seconds between reconnection attempts
    while the cluster is down (writes in between go straight to the spool)."""

    def __init__(
        self,
        es: Elasticsearch,
        prefix: str,
        spool_path: str | Path,
        retention_days: int = 365,
        probe_interval: float = 5.0,
        url: str = "elasticsearch",
    ):
        self.es = es
        self.names = IndexNames(prefix)
        self.retention_days = retention_days
        self.url = url
        self.spool = Spool(spool_path)
        self.guard = OutageGuard(url, self.spool, self._apply_spooled, probe_interval, BULK_CHUNK)
        self.stats = self.guard.stats
        self._templates_ready = False
        self._ready: set[str] = set()
        self._indices: dict[str, tuple[float, list[str]]] = {}

    # -- connection state ----------------------------------------------------------------
    def _ensure(self, kind: str) -> None:
        """Templates, then the kind's first index and aliases, on first use."""
        if kind in self._ready:
            return
        if not self._templates_ready:
            es_schema.install_templates(self.es, self.names)
            self._templates_ready = True
        es_schema.ensure_indices(self.es, self.names, (kind,))
        self._ready.add(kind)

    def _apply_spooled(self, kind: str, docs: list[dict[str, Any]]) -> None:
        if kind == "post":
            self._apply_posts([Post.from_dict(d) for d in docs])
        elif kind == "event":
            self._apply_events([Event.from_dict(d) for d in docs])
        else:  # source_state, url_state
            self._apply_states(kind.replace("_", "-"), docs)

    def _write(
        self,
        what: str,
        items: list[Any],
        apply: Callable[[list[Any]], Any],
        spool: Callable[[list[Any]], Any],
    ) -> Any:
        try:
            return self.guard.write(what, items, apply, spool)
        except LayoutGone:  # indices deleted under us (a wiped cluster): set up, retry once
            log.warning(
                "elasticsearch write aliases for %s vanished; recreating them", self.names.prefix
            )
            self._templates_ready, self._ready, self._indices = False, set(), {}
            return self.guard.write(what, items, apply, spool)

    def _read(self, what: str, fn: Callable[[], Any]) -> Any:
        return self.guard.call(f"read {what}", fn)

    # -- lookups across rolled-over indices ------------------------------------------------
    def indices(self, kind: str, fresh: bool = False) -> list[str]:
        self._ensure(kind)
        cached = self._indices.get(kind)
        if fresh or cached is None or time.monotonic() - cached[0] > INDEX_CACHE_SECONDS:
            cached = (time.monotonic(), es_schema.concrete_indices(self.es, self.names, kind))
            self._indices[kind] = cached
        return cached[1]

    def _lookup(
        self, kind: str, ids: Iterable[str], fields: list[str] | bool = True
    ) -> dict[str, dict[str, Any]]:
        """Realtime: id -> {_index, _source, _seq_no, _primary_term} for ids found in any
        index behind ``kind``'s read alias."""
        ids = list(dict.fromkeys(ids))
        for attempt in range(2):
            indices = self.indices(kind, fresh=attempt > 0)
            if not indices or not ids:
                return {}
            if len(indices) == 1:
                resp = self.es.mget(index=indices[0], ids=ids, source=fields)
            else:
                resp = self.es.mget(
                    docs=[{"_index": index, "_id": i} for i in ids for index in indices],
                    source=fields,
                )
            if any("error" in d for d in resp["docs"]):  # an index went away (retention)
                continue
            return {d["_id"]: d for d in resp["docs"] if d.get("found")}
        raise StorageError(f"cannot look up {kind} documents: indices changed while reading")

    def _bulk(self, actions: list[dict[str, Any]]) -> None:
        _, result = helpers.bulk(
            self.es,
            actions,
            chunk_size=BULK_CHUNK,
            max_retries=3,
            raise_on_error=False,
            refresh=False,
            expand_action_callback=expand_action,
        )
        errors = result if isinstance(result, list) else []  # a count only with stats_only
        if errors and all(error_type(e) == "index_not_found_exception" for e in errors):
            raise LayoutGone()
        if errors:
            raise StorageError(
                f"elasticsearch rejected {len(errors)} document(s); first: {str(errors[0])[:300]}"
            )

    # -- posts ---------------------------------------------------------------------------
    def upsert_post(self, post: Post) -> UpsertResult:
        return self._write("post", [post], self._apply_posts, self._spool_posts)[0]

    def upsert_posts(self, posts: Iterable[Post]) -> dict[str, int]:
        """Bulk upsert in chunks of ``BULK_CHUNK``; counts per result."""
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        items = list(posts)
        for start in range(0, len(items), BULK_CHUNK):
            chunk = items[start : start + BULK_CHUNK]
            for r in self._write("post", chunk, self._apply_posts, self._spool_posts):
                counts[r] += 1
        return counts

    def _apply_posts(self, posts: list[Post]) -> list[UpsertResult]:
        found = self._lookup("posts", (p.id for p in posts), _POST_LOOKUP_FIELDS)
        seen = {i: (d["_index"], d["_source"]) for i, d in found.items()}
        actions, results = [], []
        for post in posts:
            index, old = seen.get(post.id, (self.names.write("posts"), None))
            result: UpsertResult
            if old is None:
                result = "new"
                post.updated_at = post.updated_at or post.crawled_at
            else:
                result = "unchanged" if old["content_hash"] == post.content_hash else "updated"
                new_time = post.crawled_at
                post.crawled_at = parse_iso(old["crawled_at"]) or new_time
                post.updated_at = (
                    parse_iso(old.get("updated_at")) if result == "unchanged" else new_time
                )
            doc = record_doc(post)
            seen[post.id] = (index, doc)
            actions.append({"_op_type": "index", "_index": index, "_id": post.id, "_source": doc})
            results.append(result)
        self._bulk(actions)
        return results

    def _spool_docs(self, kind: str, docs: list[tuple[str, dict[str, Any]]]) -> None:
        for doc_id, doc in docs:
            self.spool.append(kind, doc_id, doc)

    def _spool_posts(self, posts: list[Post]) -> list[UpsertResult]:
        results: list[UpsertResult] = []
        for post in posts:
            prev = self.spool.latest("post", post.id)
            results.append(
                "new"
                if prev is None
                else "unchanged"
                if prev["content_hash"] == post.content_hash
                else "updated"
            )
            self.spool.append("post", post.id, record_doc(post))
        return results

    def get_post(self, post_id: str) -> Post | None:
        found = self._read("a post", lambda: self._lookup("posts", [post_id]))
        return Post.from_dict(found[post_id]["_source"]) if found else None

    def iter_posts(self, since=None, source_id=None) -> Iterator[Post]:
        filters: list[dict[str, Any]] = []
        if since:
            filters.append({"range": {"updated_at": {"gte": to_iso(since)}}})
        if source_id:
            filters.append({"term": {"source_id": source_id}})
        for src in self._scan("posts", filters, [{"updated_at": "asc"}, {"id": "asc"}]):
            yield Post.from_dict(src)

    def post_stamps(self, since) -> list[tuple[str, float]]:
        filters = [{"range": {"updated_at": {"gte": to_iso(since)}}}] if since else []
        docs = self._scan(
            "posts", filters, [{"updated_at": "asc"}, {"id": "asc"}], ["id", "updated_at"]
        )
        return [(d["id"], _unix(d["updated_at"])) for d in docs]

    def get_posts(self, post_ids: Iterable[str]) -> list[Post]:
        return [Post.from_dict(src) for src in self._sources("posts", post_ids)]

    def _sources(self, kind: str, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The documents of ``ids`` that exist, in that order (mget, PAGE ids a request)."""
        ids = list(dict.fromkeys(ids))
        out: list[dict[str, Any]] = []
        for i in range(0, len(ids), PAGE):
            chunk = ids[i : i + PAGE]
            found = self._read(kind, partial(self._lookup, kind, chunk))
            out += [found[j]["_source"] for j in chunk if j in found]
        return out

    def count_posts(self, source_id=None) -> int:
        query = {"term": {"source_id": source_id}} if source_id else {"match_all": {}}

        def count() -> int:
            self._ensure("posts")
            return self.es.count(index=self.names.read("posts"), query=query)["count"]

        return self._read("the post count", count)

    # -- post aggregates (aggregations, never scans) ---------------------------------------
    def _search_posts(self, **body) -> Any:
        def run():
            self._ensure("posts")
            return self.es.search(index=self.names.read("posts"), **body)

        return self._read("post counts", run)

    def tally(
        self,
        by,
        start,
        end,
        *,
        axis="posted",
        closed="right",
        below=-0.2,
        keys=None,
        min_posts=1,
        posted_since=None,
    ):
        if by == "place":
            self.add_places([es_counts.window(axis, start, end, closed)])
        return es_counts.tally(
            self._search_posts, by, start, end, axis, closed, below, keys, min_posts, posted_since
        )

    def find_posts(
        self,
        start,
        end,
        *,
        by="all",
        key=None,
        axis="posted",
        closed="right",
        order="time",
        originals=False,
        limit=None,
        posted_since=None,
        where=None,
        text=None,
        offset=0,
    ) -> list[Post]:
        if by == "place":
            self.add_places([es_counts.window(axis, start, end, closed)])
        query, sort = es_counts.find_query(
            start,
            end,
            by,
            key,
            axis,
            closed,
            order,
            originals,
            posted_since,
            where=tuple((where or {}).items()),
            terms=search_terms(text),
        )
        if limit is not None:
            resp = self._search_posts(query=query, sort=sort, size=limit, from_=offset)
            return [Post.from_dict(h["_source"]) for h in resp["hits"]["hits"]]
        scan = (Post.from_dict(src) for src in self._scan("posts", [query], sort))
        return list(islice(scan, offset, None))

    def add_places(self, filters: list[dict[str, Any]] | None = None) -> int:
        """Write the ``place`` (:func:`yuqing.models.post_place`) of the posts stored before
        the field existed — those with a region or places named and no ``place`` — among those
        matching ``filters`` (all without); returns how many. Counting by place calls it for
        its window first, ``maintain`` for every post, so an upgraded store loses nothing."""
        query = {
            "bool": {
                "filter": [
                    *(filters or []),
                    {
                        "bool": {
                            "should": [
                                {"exists": {"field": "region"}},
                                {"exists": {"field": "regions_mentioned"}},
                            ]
                        }
                    },
                ],
                "must_not": [{"exists": {"field": "place"}}],
            }
        }
        done, after = 0, None
        while True:
            kw: dict[str, Any] = {"search_after": after} if after else {}
            resp = self._search_posts(
                query=query,
                sort=[{"id": "asc"}],
                size=PAGE,
                source_includes=["region", "regions_mentioned"],
                **kw,
            )
            hits = resp["hits"]["hits"]
            actions = [
                {
                    "_op_type": "update",
                    "_index": h["_index"],
                    "_id": h["_id"],
                    "doc": {
                        "place": place_of(
                            h["_source"].get("regions_mentioned") or (),
                            h["_source"].get("region"),
                        )
                    },
                }
                for h in hits
            ]
            if actions:
                self._read("posts' places", partial(self._bulk, actions))
                done += len(actions)
            if len(hits) < PAGE:
                break
            after = hits[-1]["sort"]
        if done:
            log.info("elasticsearch: wrote the place of %d stored post(s)", done)
            refresh = partial(self.es.indices.refresh, index=self.names.read("posts"))
            self._read("posts' places", refresh)
        return done

    def last_post_time(self, source_id, until=None):
        return es_counts.last_post_time(self._search_posts, source_id, until)

    def search_posts(self, text: str, *, tokens: bool = False, size: int = 20) -> list[Post]:
        """Phrase search: over title/text (standard analyzer: CJK unigrams in sequence), or
        over the jieba tokens (whitespace analyzer: the pipeline's segmentation)."""
        if tokens:
            query: dict[str, Any] = {"match_phrase": {"tokens": text}}
        else:
            query = {
                "multi_match": {"query": text, "type": "phrase", "fields": ["title^2", "text"]}
            }

        def search() -> Any:
            self._ensure("posts")
            return self.es.search(index=self.names.read("posts"), query=query, size=size)

        resp = self._read("search results", search)
        return [Post.from_dict(h["_source"]) for h in resp["hits"]["hits"]]

    def _scan(
        self,
        kind: str,
        filters: list[dict[str, Any]],
        sort: list[dict[str, Any]],
        source: list[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every matching document in sort order (search_after pages); only the ``source``
        fields when given."""
        query = {"bool": {"filter": filters}} if filters else {"match_all": {}}
        self._read(kind, lambda: self._ensure(kind))
        after = None
        while True:
            kw: dict[str, Any] = {"search_after": after} if after else {}
            if source is not None:
                kw["source_includes"] = source
            resp = self._read(
                kind,
                partial(
                    self.es.search,
                    index=self.names.read(kind),
                    query=query,
                    sort=sort,
                    size=PAGE,
                    **kw,
                ),
            )
            hits = resp["hits"]["hits"]
            yield from (h["_source"] for h in hits)
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]

    # -- events --------------------------------------------------------------------------
    def upsert_event(self, event: Event) -> None:
        self._write(
            "event",
            [event],
            self._apply_events,
            lambda evs: self._spool_docs("event", [(e.id, record_doc(e)) for e in evs]),
        )

    def _apply_events(self, events: list[Event]) -> None:
        found = self._lookup("events", (e.id for e in events), False)
        self._bulk(
            [
                {
                    "_op_type": "index",
                    "_id": e.id,
                    "_source": record_doc(e),
                    "_index": found[e.id]["_index"]
                    if e.id in found
                    else self.names.write("events"),
                }
                for e in events
            ]
        )

    def get_event(self, event_id: str) -> Event | None:
        found = self._read("an event", lambda: self._lookup("events", [event_id]))
        return Event.from_dict(found[event_id]["_source"]) if found else None

    def iter_events(
        self, since=None, *, min_hotness=None, order="last_seen", limit=None
    ) -> Iterator[Event]:
        filters: list[dict[str, Any]] = []
        if since:
            filters.append({"range": {"last_seen": {"gte": to_iso(since)}}})
        if min_hotness is not None:
            filters.append({"range": {"hotness": {"gte": min_hotness}}})
        sort: list[dict[str, Any]] = [
            {"last_seen": {"order": "asc", "missing": "_first"}},
            {"id": "asc"},
        ]
        if order == "hotness":
            sort = [{"hotness": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
        if limit is not None:
            query = {"bool": {"filter": filters}}

            def top():
                self._ensure("events")
                return self.es.search(
                    index=self.names.read("events"), query=query, sort=sort, size=limit
                )

            hits = self._read("events", top)["hits"]["hits"]
            yield from (Event.from_dict(h["_source"]) for h in hits)
            return
        for src in self._scan("events", filters, sort):
            yield Event.from_dict(src)

    def delete_events(self, event_ids) -> int:
        ids = list(event_ids)

        def delete() -> int:
            found = self._lookup("events", ids, False)
            if found:
                self._bulk(
                    [
                        {"_op_type": "delete", "_id": i, "_index": d["_index"]}
                        for i, d in found.items()
                    ]
                )
            return len(found)

        return self._read("events to delete", delete)

    def set_post_events(self, changes: dict[str, str]) -> int:
        items = list(changes.items())

        def update() -> int:
            n = 0
            for lo in range(0, len(items), BULK_CHUNK):
                part = dict(items[lo : lo + BULK_CHUNK])
                found = self._lookup("posts", part, ["event_id"])
                actions = [
                    {
                        "_op_type": "update",
                        "_id": pid,
                        "_index": d["_index"],
                        "doc": {"event_id": part[pid]},
                    }
                    for pid, d in found.items()
                    if d["_source"].get("event_id") != part[pid]
                ]
                if actions:
                    self._bulk(actions)
                n += len(actions)
            return n

        return self._read("posts to re-point", update)

    def count_events(self, start, end) -> int:
        span = {"gte": to_iso(start), "lt": to_iso(end)}
        query = {
            "bool": {
                "should": [
                    {"range": {"first_seen": span}},
                    {
                        "bool": {
                            "must_not": [{"exists": {"field": "first_seen"}}],
                            "filter": [{"range": {"last_seen": span}}],
                        }
                    },
                ],
                "minimum_should_match": 1,
            }
        }

        def count() -> int:
            self._ensure("events")
            return self.es.count(index=self.names.read("events"), query=query)["count"]

        return self._read("the event count", count)

    def change_mark(self) -> str:
        """Index operation counters (and index uuids) of posts and events: they move with
        every write or delete; a restarted shard resets them, which only forces a rebuild."""

        def mark() -> str:
            for kind in ("posts", "events"):
                self._ensure(kind)
            names = ",".join(self.names.read(k) for k in ("posts", "events"))
            stats = self.es.indices.stats(index=names, metric="indexing,docs")
            parts = []
            for name, idx in sorted(stats["indices"].items()):
                p = idx["primaries"]
                parts.append(
                    f"{name}/{idx.get('uuid', '')}/{p['indexing']['index_total']}/"
                    f"{p['indexing']['delete_total']}/{p['docs']['count']}"
                )
            return ";".join(parts)

        return self._read("the change mark", mark)

    # -- alerts (need the cluster: no spooling) ------------------------------------------
    def _alert_op(self, what: str, fn: Callable[[], Any]) -> Any:
        return self.guard.call(what, fn, " (alerts are retried on the next check)")

    def insert_alert(self, alert: Alert) -> bool:
        def insert() -> bool:
            if self._lookup("alerts", [alert.id], False):
                return False
            try:
                self.es.create(
                    index=self.names.write("alerts"),
                    id=alert.id,
                    document=record_doc(alert),
                    require_alias=True,
                )
            except ConflictError:
                return False
            return True

        return self._alert_op(f"insert alert {alert.id}", insert)

    def get_alert(self, alert_id: str) -> Alert | None:
        found = self._read("an alert", lambda: self._lookup("alerts", [alert_id]))
        return Alert.from_dict(found[alert_id]["_source"]) if found else None

    def iter_alerts(
        self, since=None, status=None, *, rule=None, subject=None, event_id=None, updated_since=None
    ) -> Iterator[Alert]:
        filters = _alert_filters(since, status, rule, subject, event_id, updated_since)
        for src in self._scan("alerts", filters, [{"created_at": "asc"}, {"id": "asc"}]):
            yield Alert.from_dict(src)

    def iter_alert_heads(
        self, since=None, status=None, *, rule=None, subject=None, event_id=None, updated_since=None
    ) -> Iterator[AlertHead]:
        filters = _alert_filters(since, status, rule, subject, event_id, updated_since)
        sort = [{"created_at": "asc"}, {"id": "asc"}]
        for src in self._scan("alerts", filters, sort, list(AlertHead.FIELDS)):
            yield AlertHead.from_doc(src)

    def alert_ids(
        self, since=None, status=None, *, rule=None, subject=None, event_id=None, updated_since=None
    ) -> list[str]:
        filters = _alert_filters(since, status, rule, subject, event_id, updated_since)
        sort = [{"created_at": "asc"}, {"id": "asc"}]
        return [src["id"] for src in self._scan("alerts", filters, sort, ["id"])]

    def get_alerts(self, alert_ids: Iterable[str]) -> list[Alert]:
        return [Alert.from_dict(src) for src in self._sources("alerts", alert_ids)]

    def update_alert(self, alert_id: str, expect=None, **changes) -> bool:
        for key in changes:
            if key not in Alert.__dataclass_fields__:
                raise StorageError(f"alert has no field {key!r}")
        return self._alert_op(
            f"update alert {alert_id}", lambda: self._cas_alert(alert_id, expect or {}, changes)
        )

    def _cas_alert(self, alert_id: str, expect: dict[str, Any], changes: dict[str, Any]) -> bool:
        for _ in range(10):  # a conflict re-reads and re-checks ``expect``
            found = self._lookup("alerts", [alert_id])
            if not found:
                return False
            hit = found[alert_id]
            alert = Alert.from_dict(hit["_source"])
            for key, wanted in expect.items():
                have = getattr(alert, key)
                if not (have in wanted if isinstance(wanted, tuple) else have == wanted):
                    return False
            for key, value in changes.items():
                setattr(alert, key, value)
            try:
                self.es.index(
                    index=hit["_index"],
                    id=alert_id,
                    document=record_doc(alert),
                    if_seq_no=hit["_seq_no"],
                    if_primary_term=hit["_primary_term"],
                )
                return True
            except ConflictError:
                continue
        raise StorageError(f"alert {alert_id}: still conflicting after 10 attempts")

    # -- label feedback (needs the cluster, like alerts) ----------------------------------
    def add_feedback(self, feedback: Feedback) -> bool:
        def create() -> bool:
            self._ensure("feedback")
            try:
                self.es.create(
                    index=self.names.write("feedback"),
                    id=feedback.id,
                    document=record_doc(feedback),
                )
            except ConflictError:
                return False
            return True

        return self._alert_op(f"store feedback {feedback.id}", create)

    def iter_feedback(self, since=None) -> Iterator[Feedback]:
        filters = [{"range": {"created_at": {"gte": to_iso(since)}}}] if since else []
        for src in self._scan("feedback", filters, [{"created_at": "asc"}, {"id": "asc"}]):
            yield Feedback.from_dict(src)

    # -- crawl state ---------------------------------------------------------------------
    def _apply_states(self, kind: str, docs: list[dict[str, Any]]) -> None:
        key = "source_id" if kind == "source-state" else "url"
        self._ensure(kind)
        self._bulk(
            [
                {
                    "_op_type": "index",
                    "_index": self.names.write(kind),
                    "_id": d[key] if key == "source_id" else url_doc_id(d[key]),
                    "_source": d,
                }
                for d in docs
            ]
        )

    def _save_state(self, kind: str, doc_id: str, doc: dict[str, Any]) -> None:
        spool_kind = kind.replace("-", "_")
        self._write(
            spool_kind,
            [doc],
            lambda docs: self._apply_states(kind, docs),
            lambda docs: self._spool_docs(spool_kind, [(doc_id, d) for d in docs]),
        )

    def _get_state(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        def get():
            self._ensure(kind)
            try:
                return self.es.get(index=self.names.read(kind), id=doc_id)["_source"]
            except NotFoundError:
                return None

        return self._read(kind, get)

    def get_source_state(self, source_id: str) -> SourceState:
        doc = self._get_state("source-state", source_id)
        return state_from(SourceState, doc) if doc else SourceState(source_id)

    def save_source_state(self, state: SourceState) -> None:
        self._save_state("source-state", state.source_id, state_doc(state))

    def iter_source_states(self) -> Iterator[SourceState]:
        for src in self._scan("source-state", [], [{"source_id": "asc"}]):
            yield state_from(SourceState, src)

    def get_url_state(self, url: str) -> UrlState | None:
        doc = self._get_state("url-state", url_doc_id(url))
        return state_from(UrlState, doc) if doc else None

    def save_url_state(self, state: UrlState) -> None:
        self._save_state("url-state", url_doc_id(state.url), state_doc(state))

    # -- lifecycle -----------------------------------------------------------------------
    def flush(self) -> None:
        """Replay the spool if the cluster is back, then refresh so every write is visible.
        While the cluster is down, spooled writes are already durable on disk."""
        if not self.guard.direct() or not self._ready:
            return
            return
        try:
            self.es.indices.refresh(
                index=",".join(self.names.read(k) for k in self._ready), ignore_unavailable=True
            )
        except Exception as exc:
            if not is_outage(exc):
                raise StorageError(f"elasticsearch refresh failed: {describe(exc)}") from exc
            self.guard.went_down(exc)

    def maintain(self, now: datetime, force_rollover: bool = False) -> dict[str, Any]:
        """Rollover (when a condition holds) then retention; for the scheduler or the CLI.
        A cluster that does not answer is a one-line ``StorageError``."""

        def upkeep() -> dict[str, Any]:
            for kind in es_schema.KINDS:
                self._ensure(kind)
            rolled = es_schema.rollover(self.es, self.names, force=force_rollover)
            deleted = es_schema.apply_retention(self.es, self.names, self.retention_days, now)
            return {"rolled_over": rolled, "deleted": deleted}

        try:
            done = self.guard.call("maintain indices", upkeep)
            done["places"] = self.add_places()  # posts stored before the field existed
            return done
        finally:
            self._indices.clear()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self.stats["spooled"] or self.stats["replayed"]:
                log.info(
                    "elasticsearch store closed: %(spooled)d spooled, %(replayed)d replayed",
                    self.stats,
                )
            if len(self.spool):
                log.warning(
                    "%d write(s) remain in %s; they are replayed on next start",
                    len(self.spool),
                    self.spool.path,
                )
            self.spool.close()
            self.es.close()


def spool_path_for(storage_path: Path) -> Path:
    """The spool file next to ``storage.path`` (``var/yuqing.db`` -> ``var/yuqing.es-spool.db``)."""
    return storage_path.with_name(storage_path.stem + ".es-spool.db")


def open_elastic_store(cfg) -> ElasticStore:
    """The store for ``storage.backend: elasticsearch``. Does not contact the cluster: a store
    opened during an outage spools until the cluster answers."""
    settings = cfg.settings.storage.elasticsearch
    return ElasticStore(
        connect(settings, base_dir=cfg.path(".")),
        prefix=settings.index_prefix,
        spool_path=spool_path_for(state_path(cfg, cfg.settings.storage.path, "storage.path")),
        retention_days=settings.retention_days,
        url=settings.url,
    )


def _alert_filters(since, status, rule, subject, event_id, updated_since) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if since:
        filters.append({"range": {"created_at": {"gte": to_iso(since)}}})
    if updated_since:
        filters.append({"range": {"updated_at": {"gte": to_iso(updated_since)}}})
    terms = (("status", status), ("rule", rule), ("subject", subject), ("event_id", event_id))
    for name, value in terms:
        if value:
            filters.append({"term": {name: value}})
    return filters


def _unix(iso: str) -> float:
    stamp = parse_iso(iso)
    assert stamp is not None
    return stamp.timestamp()
