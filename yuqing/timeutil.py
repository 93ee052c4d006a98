"""Time helpers: everything stored is timezone-aware and exported as ISO 8601 with offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def tz(name: str | None = None) -> ZoneInfo:
    return ZoneInfo(name or DEFAULT_TZ)


def now(tzname: str | None = None) -> datetime:
    return datetime.now(tz(tzname)).replace(microsecond=0)


def aware(value: datetime, tzname: str | None = None) -> datetime:
    """Attach the configured zone to a naive datetime (sources publish local time)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=tz(tzname))
    return value


def to_iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def parse_iso(value: str | None, tzname: str | None = None) -> datetime | None:
    """Parse ISO 8601 (a trailing 'Z' is accepted); naive input gets the configured zone."""
    if not value:
        return None
    value = value.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    return aware(datetime.fromisoformat(value), tzname)
