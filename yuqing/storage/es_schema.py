"""Index layout on Elasticsearch: templates, aliases, rollover and retention.

Everything here uses the core API only (composable index templates, aliases, rollover, search),
so it runs on any 8.x/9.x cluster, including one without ILM, ingest or ``analysis-common``.

Layout for a prefix ``P`` (``storage.elasticsearch.index_prefix``)::

    posts, events, alerts   P-posts-000001, P-posts-000002, ...   (time-based, rolled over)
                            write alias P-posts-write  (is_write_index on the newest)
                            read alias  P-posts        (every index, added by the template)
    crawl state, feedback   P-source-state, P-url-state, P-feedback (one small index each)

The application enforces retention itself (``apply_retention``): a rolled-over index whose
newest document is older than ``retention_days`` is deleted. The write index is never deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, NotFoundError

log = logging.getLogger(__name__)

TemplateChange = Literal["created", "updated", "unchanged"]

#: Rolled-over (time-based) kinds, with the date field that says how old a document is.
ROLLING: dict[str, str] = {"posts": "updated_at", "events": "last_seen", "alerts": "created_at"}
#: Single-index kinds (small crawl state).
SINGLE = ("source-state", "url-state", "feedback")
KINDS = (*ROLLING, *SINGLE)

#: Rollover conditions checked by ``rollover`` (``yuqing es retention`` runs it first).
ROLLOVER_CONDITIONS = {"max_age": "30d", "max_primary_shard_size": "25gb"}


@dataclass(frozen=True)
class IndexNames:
    """Every name derived from one index prefix."""

    prefix: str

    def template(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def read(self, kind: str) -> str:
        """Read alias (rolling kinds) or the index itself (single kinds)."""
        return f"{self.prefix}-{kind}"

    def write(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-write" if kind in ROLLING else self.read(kind)

    def first_index(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-000001"


def load_template(kind: str, prefix: str) -> dict[str, Any]:
    """The shipped template ``es_templates/<kind>.json`` with ``{prefix}`` filled in."""
    raw = (
        resources.files("yuqing.storage")
        .joinpath("es_templates", f"{kind}.json")
        .read_text(encoding="utf-8")
    )
    body = json.loads(raw.replace("{prefix}", prefix))
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    body.setdefault("_meta", {})["hash"] = digest
    return body


def install_templates(es: Elasticsearch, names: IndexNames) -> dict[str, TemplateChange]:
    """Create or upgrade every index template; report what changed, per template name."""
    report: dict[str, TemplateChange] = {}
    for kind in KINDS:
        name = names.template(kind)
        body = load_template(kind, names.prefix)
        try:
            found = es.indices.get_index_template(name=name)["index_templates"]
        except NotFoundError:
            found = []
        if not found:
            change: TemplateChange = "created"
        elif found[0]["index_template"].get("_meta", {}).get("hash") == body["_meta"]["hash"]:
            report[name] = "unchanged"
            continue
        else:
            change = "updated"
        es.indices.put_index_template(name=name, **body)
        report[name] = change
        log.info("index template %s %s", name, change)
        if change == "updated":  # new fields reach the existing indices too (additive only)
            _add_fields(es, names.read(kind), body["template"]["mappings"]["properties"])
    return report


def _add_fields(es: Elasticsearch, index: str, properties: dict[str, Any]) -> None:
    try:
        es.indices.put_mapping(index=index, properties=properties, allow_no_indices=True)
    except NotFoundError:
        pass
    except ApiError as exc:  # a changed (not added) field needs a new index: next rollover
        log.warning("mapping of %s not updated (%s); new indices get it", index, exc.error)


def ensure_indices(
    es: Elasticsearch, names: IndexNames, kinds: tuple[str, ...] = KINDS
) -> list[str]:
    """Create the first index of each kind that has none yet; return the indices created."""
    created = []
    for kind in kinds:
        alias = names.write(kind)
        if (
            es.indices.exists_alias(name=alias)
            if kind in ROLLING
            else es.indices.exists(index=alias)
        ):
            continue
        index = names.first_index(kind) if kind in ROLLING else alias
        aliases = {alias: {"is_write_index": True}} if kind in ROLLING else {}
        try:
            es.indices.create(index=index, aliases=aliases, wait_for_active_shards="1")
            created.append(index)
        except ApiError as exc:  # another process created it first
            if exc.error != "resource_already_exists_exception":
                raise
    return created


def setup(es: Elasticsearch, names: IndexNames) -> dict[str, TemplateChange]:
    """Templates, then first indices and aliases. Safe to repeat."""
    report = install_templates(es, names)
    ensure_indices(es, names)
    return report


def concrete_indices(es: Elasticsearch, names: IndexNames, kind: str) -> list[str]:
    """Concrete indices behind a kind's read alias, oldest first."""
    if kind in SINGLE:
        return [names.read(kind)] if es.indices.exists(index=names.read(kind)) else []
    try:
        return sorted(es.indices.get_alias(name=names.read(kind)).body)
    except NotFoundError:
        return []


def rollover(
    es: Elasticsearch,
    names: IndexNames,
    force: bool = False,
    conditions: dict[str, Any] | None = None,
) -> dict[str, str | None]:
    """Roll every time-based write alias over when a condition holds (or always, ``force``).
    Returns kind -> the new index, or None when no rollover was needed."""
    done: dict[str, str | None] = {}
    for kind in ROLLING:
        kw: dict[str, Any] = {} if force else {"conditions": conditions or ROLLOVER_CONDITIONS}
        resp = es.indices.rollover(alias=names.write(kind), **kw)
        done[kind] = resp["new_index"] if resp["rolled_over"] else None
        if resp["rolled_over"]:
            log.info("rolled %s over to %s", names.write(kind), resp["new_index"])
    return done


def _write_index(es: Elasticsearch, names: IndexNames, kind: str) -> str | None:
    try:
        aliases = es.indices.get_alias(name=names.write(kind)).body
    except NotFoundError:
        return None
    for index, data in aliases.items():
        if data["aliases"][names.write(kind)].get("is_write_index"):
            return index
    return None


def _newest(es: Elasticsearch, index: str, field: str) -> datetime | None:
    resp = es.search(
        index=index, size=0, aggs={"newest": {"max": {"field": field}}}, track_total_hits=True
    )
    millis = resp["aggregations"]["newest"]["value"]
    if millis is None:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def retention_candidates(
    es: Elasticsearch, names: IndexNames, retention_days: int, now: datetime
) -> list[str]:
    """Rolled-over indices whose newest document is older than the retention period (empty
    rolled-over indices count by creation date)."""
    cutoff = now - timedelta(days=retention_days)
    old = []
    for kind, field in ROLLING.items():
        writer = _write_index(es, names, kind)
        for index in concrete_indices(es, names, kind):
            if index == writer:
                continue
            newest = _newest(es, index, field)
            if newest is None:
                settings = es.indices.get_settings(index=index, name="index.creation_date")
                millis = int(settings[index]["settings"]["index"]["creation_date"])
                newest = datetime.fromtimestamp(millis / 1000, tz=cutoff.tzinfo)
            if newest < cutoff:
                old.append(index)
    return old


def apply_retention(
    es: Elasticsearch, names: IndexNames, retention_days: int, now: datetime, dry_run: bool = False
) -> list[str]:
    """Delete rolled-over indices past retention; return their names."""
    old = retention_candidates(es, names, retention_days, now)
    if old and not dry_run:
        es.indices.delete(index=",".join(old))
        for index in old:
            log.info("retention: deleted %s (older than %d days)", index, retention_days)
    return old
