"""Documents of the Elasticsearch backend: records to ``_source`` and back, bulk action lines."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import datetime
from typing import Any

from elasticsearch import helpers

from yuqing.models import Alert, Event, Feedback, Post, post_place, post_time
from yuqing.storage.base import SourceState, StorageError, UrlState
from yuqing.timeutil import parse_iso, to_iso


def state_doc(state: SourceState | UrlState) -> dict[str, Any]:
    return {k: to_iso(v) if isinstance(v, datetime) else v for k, v in asdict(state).items()}


def state_from(cls, doc: dict[str, Any]):
    data = {
        k: parse_iso(v) if k.endswith("_at") and isinstance(v, str) else v for k, v in doc.items()
    }
    return cls(**data)


def record_doc(record: Post | Event | Alert | Feedback) -> dict[str, Any]:
    """``record.to_dict()`` without its deep copy (``dataclasses.asdict`` costs about as much
    as indexing the document); nested values are shared, so serialise the result at once."""
    data = dict(vars(record))
    for name in record._datetime_fields:
        data[name] = to_iso(data[name])
    if isinstance(record, Post):  # the time and the place the aggregates count it at (facets)
        data["posted_at"] = to_iso(post_time(record))
        data["place"] = post_place(record)
    elif isinstance(record, Alert):  # searchable: the engine looks alerts up by subject
        data["subject"] = record.evidence.get("subject")
    return data


class LayoutGone(StorageError):
    """A write alias is missing: its indices were deleted behind the store's back."""


def expand_action(action: dict[str, Any]):
    """Bulk action lines; writes through a write alias must hit the alias (never let
    Elasticsearch auto-create a concrete index named like the alias)."""
    header, body = helpers.expand_action(action)
    if str(action.get("_index", "")).endswith("-write"):
        next(iter(header.values()))["require_alias"] = True
    return header, body


def error_type(item: dict[str, Any]) -> str | None:
    result: dict[str, Any] = next(iter(item.values()), {})
    error = result.get("error")
    return error.get("type") if isinstance(error, dict) else None


def url_doc_id(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8")).hexdigest()
