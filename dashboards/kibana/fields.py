"""Index fields the Kibana saved objects may use, with their Elasticsearch types.

The source of truth is the index templates in ``yuqing/storage/es_templates/`` (read here).
:data:`CONTRACT_FIELDS` is the export contract (DESIGN.md) as a fallback table, used only when
the templates cannot be read; a test checks the two agree on every contract field.
"""

from __future__ import annotations

import json
from importlib import resources

KINDS = ("posts", "events", "alerts")

#: DESIGN.md export contract -> Elasticsearch type (fallback when templates are missing).
CONTRACT_FIELDS: dict[str, dict[str, str]] = {
    "posts": {
        "id": "keyword",
        "source_id": "keyword",
        "channel": "keyword",
        "url": "keyword",
        "title": "text",
        "title.keyword": "keyword",
        "text": "text",
        "published_at": "date",
        "crawled_at": "date",
        "region": "keyword",
        "category": "keyword",
        "category_score": "float",
        "focus": "keyword",
        "sentiment": "float",
        "keywords": "keyword",
        "event_id": "keyword",
        "duplicate_of": "keyword",
        "place": "keyword",  # exported beside the contract fields (yuqing.models.post_place)
        "tokens": "text",
    },
    "events": {
        "id": "keyword",
        "title": "text",
        "title.keyword": "keyword",
        "keywords": "keyword",
        "post_ids": "keyword",
        "size": "integer",
        "first_seen": "date",
        "last_seen": "date",
        "hotness": "float",
        "category": "keyword",
        "focus": "keyword",
        "region": "keyword",
    },
    "alerts": {
        "id": "keyword",
        "level": "keyword",
        "rule": "keyword",
        "event_id": "keyword",
        "source_id": "keyword",
        "departments": "keyword",
        "status": "keyword",
        "created_at": "date",
        "delivered_at": "date",
        "acked_at": "date",
        "resolved_at": "date",
        "title": "text",
        "title.keyword": "keyword",
        "responded_at": "date",
    },
}

NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
AGGREGATABLE = {"keyword", "boolean", "date", *NUMERIC}


def _flatten(props: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for name, spec in props.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            out.update(_flatten(spec["properties"], path + "."))
            continue
        out[path] = spec.get("type", "object")
        for sub, subspec in spec.get("fields", {}).items():
            out[f"{path}.{sub}"] = subspec.get("type", "object")
    return out


def mapping_fields(kind: str) -> dict[str, str]:
    """``{field path: ES type}`` for ``posts`` / ``events`` / ``alerts`` from the shipped
    index template, or the contract table when the template is not there."""
    try:
        raw = (
            resources.files("yuqing.storage")
            .joinpath("es_templates", f"{kind}.json")
            .read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ModuleNotFoundError):
        return dict(CONTRACT_FIELDS[kind])
    template = json.loads(raw)
    return _flatten(template["template"]["mappings"]["properties"])


def mapping_source(kind: str) -> str:
    try:
        resources.files("yuqing.storage").joinpath("es_templates", f"{kind}.json").read_text(
            encoding="utf-8"
        )
    except (FileNotFoundError, ModuleNotFoundError):
        return "contract table (dashboards/kibana/fields.py)"
    return f"yuqing/storage/es_templates/{kind}.json"
