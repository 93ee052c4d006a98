"""The outbox's row: its columns, its key and its targets — shared by the SQLite outbox
(``outbox``) and the Elasticsearch one of a cluster (``outbox_es``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

COLUMNS = (
    "key",
    "alert_id",
    "kind",
    "department",
    "channel",
    "recipient",
    "level",
    "status",
    "attempts",
    "next_ts",
    "lease_ts",
    "lease_owner",
    "batch_id",
    "created_ts",
    "sent_ts",
    "last_error",
)


def delivery_key(alert_id: str, kind: str, department: str, channel: str, recipient: str) -> str:
    raw = "\x1f".join((alert_id, kind, department, channel, recipient))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


@dataclass
class Row:
    key: str
    alert_id: str
    kind: str
    department: str
    channel: str
    recipient: str
    level: str
    status: str
    attempts: int
    next_ts: float
    lease_ts: float | None
    lease_owner: str | None
    batch_id: str | None
    created_ts: float
    sent_ts: float | None
    last_error: str | None


@dataclass(frozen=True)
class Target:
    department: str
    channel: str
    recipient: str
