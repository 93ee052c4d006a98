"""The Elasticsearch store's post aggregates: one search with aggregations per question, never a
scan. Posts carry ``posted_at`` (``yuqing.models.post_time``, written with every post) beside
``crawled_at``, so both axes are plain date ranges; dimensions are keyword fields, counted with
a composite aggregation (paged, so any number of keys) and filter sub-aggregations for the
sentiment sums and the negative count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from yuqing.storage.facets import Tally, below_index
from yuqing.timeutil import to_iso

FIELD = {
    "source": "source_id",
    "category": "category",
    "region": "region",
    "place": "place",
    "channel": "channel",
    "focus": "focus",
    "event": "event_id",
}
TIME = {"posted": "posted_at", "collected": "crawled_at"}
PAGE = 2000


def window(axis: str, start: datetime, end: datetime, closed: str) -> dict[str, Any]:
    bounds = (
        {"gte": to_iso(start), "lt": to_iso(end)}
        if closed == "left"
        else {"gt": to_iso(start), "lte": to_iso(end)}
    )
    return {"range": {TIME[axis]: bounds}}


def windows(
    axis: str, start: datetime, end: datetime, closed: str, posted_since: datetime | None
) -> list[dict[str, Any]]:
    """The window's filter, and the ``posted_since`` floor when given."""
    out = [window(axis, start, end, closed)]
    if posted_since is not None:
        out.append({"range": {TIME["posted"]: {"gte": to_iso(posted_since)}}})
    return out


def _metrics(below: float) -> dict[str, Any]:
    return {
        "scored": {"value_count": {"field": "sentiment"}},
        "sent": {"sum": {"field": "sentiment"}},
        "neg": {"filter": {"range": {"sentiment": {"lt": below}}}},
        "negs": {
            "filter": {"range": {"sentiment": {"lt": 0}}},
            "aggs": {"sum": {"sum": {"field": "sentiment"}}},
        },
    }


def _tally(doc_count: int, a: dict[str, Any]) -> Tally:
    return Tally(
        posts=doc_count,
        scored=int(a["scored"]["value"]),
        negative=a["neg"]["doc_count"],
        sentiment_sum=a["sent"]["value"] or 0.0,
        negativity_sum=-(a["negs"]["sum"]["value"] or 0.0),
    )


def tally(
    search,
    by: str,
    start: datetime,
    end: datetime,
    axis: str,
    closed: str,
    below: float,
    keys: Iterable[str] | None,
    min_posts: int,
    posted_since: datetime | None = None,
) -> dict[str, Tally]:
    """``search(**body)`` runs one search on the posts' read alias."""
    below_index(below)  # the same thresholds as the SQLite backend
    filters = windows(axis, start, end, closed, posted_since)
    wanted = set(keys) if keys is not None else None
    if by == "all":
        resp = search(
            query={"bool": {"filter": filters}}, size=0, track_total_hits=True, aggs=_metrics(below)
        )
        n = resp["hits"]["total"]["value"]
        out = {"all": _tally(n, resp["aggregations"])} if n else {}
        if wanted is not None:
            out = {k: v for k, v in out.items() if k in wanted}
    else:
        if wanted is not None:
            filters.append({"terms": {FIELD[by]: sorted(wanted)}})
        out = {}
        after = None
        while True:
            comp: dict[str, Any] = {
                "size": PAGE,
                "sources": [{"k": {"terms": {"field": FIELD[by]}}}],
            }
            if after:
                comp["after"] = after
            resp = search(
                query={"bool": {"filter": filters}},
                size=0,
                aggs={"by": {"composite": comp, "aggs": _metrics(below)}},
            )
            agg = resp["aggregations"]["by"]
            for bucket in agg["buckets"]:
                key = bucket["key"]["k"]
                if wanted is None or key in wanted:
                    out[key] = _tally(bucket["doc_count"], bucket)
            after = agg.get("after_key")
            if not after or len(agg["buckets"]) < PAGE:
                break
    return {k: t for k, t in out.items() if t.posts >= max(min_posts, 1)}


def find_query(
    start: datetime,
    end: datetime,
    by: str,
    key: str | None,
    axis: str,
    closed: str,
    order: str,
    originals: bool,
    posted_since: datetime | None = None,
    where: tuple[tuple[str, str], ...] = (),
    terms: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(query, sort) for ``Store.find_posts``; each of ``terms`` a phrase of the title or the
    text (the standard analyzer: CJK characters in sequence, Latin letters in any case)."""
    filters: list[dict[str, Any]] = windows(axis, start, end, closed, posted_since)
    for dim, value in ((by, key), *where):
        if dim != "all":
            filters.append({"term": {FIELD[dim]: value}})
    filters += [
        {"multi_match": {"query": t, "type": "phrase", "fields": ["title", "text"]}} for t in terms
    ]
    query: dict[str, Any] = {"filter": filters}
    if originals:
        query["must_not"] = [{"exists": {"field": "duplicate_of"}}]
    sort: list[dict[str, Any]] = [{TIME[axis]: "desc"}, {"id": "desc"}]
    if order == "sentiment":
        sort.insert(0, {"sentiment": {"order": "asc", "missing": 0}})
    return {"bool": query}, sort


def last_post_time(search, source_id: str, until: datetime | None) -> datetime | None:
    filters: list[dict[str, Any]] = [{"term": {"source_id": source_id}}]
    if until is not None:
        filters.append({"range": {"posted_at": {"lte": to_iso(until)}}})
    resp = search(
        query={"bool": {"filter": filters}},
        size=0,
        aggs={"last": {"max": {"field": "posted_at"}}},
    )
    millis = resp["aggregations"]["last"]["value"]
    return datetime.fromtimestamp(millis / 1000, tz=UTC) if millis is not None else None
