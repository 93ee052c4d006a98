"""The ``alerts:`` section of settings.yaml (noise control, deadlines, rechecks, delivery
retries, outbox path). Every default lives here; documented in docs/alerts.md."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yuqing.config.types import ClockTime, Duration, parse_duration
from yuqing.levels import CHOICES, LEVELS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class QuietHours(_Strict):
    """Non-red deliveries are held between ``start`` and ``end`` (local time); red never waits."""

    start: ClockTime = "22:00"
    end: ClockTime = "07:00"

    def minutes(self) -> tuple[int, int]:
        def m(v: str) -> int:
            h, mi = (int(x) for x in v.split(":"))
            return h * 60 + mi

        return m(self.start), m(self.end)


class RateLimit(_Strict):
    """At most ``max_messages`` single-alert messages per recipient of a department per
    ``per``; further non-red alerts are aggregated into one summary message."""

    max_messages: int = Field(default=10, ge=1)
    per: Duration = parse_duration("1h")


class RetrySettings(_Strict):
    """Exponential backoff: ``base`` × 2^(attempt-1), capped at ``max_delay``. After
    ``max_attempts`` a row is parked as ``dead`` (listed by ``yuqing alerts outbox``)."""

    base: Duration = parse_duration("30s")
    max_delay: Duration = parse_duration("1h")
    max_attempts: int = Field(default=30, ge=1)
    lease: Duration = parse_duration(
        "5m"
    )  # a claimed row is re-sent after this if never marked sent
    batch: int = Field(default=200, ge=1)


def _levels_known(value: dict[str, timedelta], what: str) -> dict[str, timedelta]:
    for level in value:
        if level not in LEVELS:
            raise ValueError(f"{what}: unknown level {level!r} (use {CHOICES})")
    return value


class AlertSettings(_Strict):
    realert: Duration = parse_duration(
        "24h"
    )  # same rule+subject stays quiet this long unless level rises
    lookback: Duration = parse_duration(
        "7d"
    )  # how far back prior alerts are considered (growth escalation)
    growth_factor: float = Field(default=2.0, gt=1.0)  # event grew this much -> one level up
    ack_deadline: dict[str, Duration] = Field(
        default_factory=lambda: {
            level: parse_duration(text)
            for level, text in {"red": "1h", "orange": "4h", "yellow": "24h", "blue": "72h"}.items()
        }
    )
    # 办结时限: resolve within this long of delivery (an approved 延期 moves it)
    resolve_deadline: dict[str, Duration] = Field(
        default_factory=lambda: {
            level: parse_duration(text)
            for level, text in {"red": "24h", "orange": "3d", "yellow": "7d", "blue": "15d"}.items()
        }
    )
    remind_at: float = Field(default=0.75, gt=0, lt=1)  # 催办 once this share of a limit passed
    recheck_after: dict[str, Duration] = Field(
        default_factory=lambda: {"red": parse_duration("1d"), "yellow": parse_duration("7d")}
    )
    copy_duty_levels: list[str] = Field(default_factory=lambda: ["red"])
    quiet_hours: QuietHours | None = None  # e.g. {start: "22:00", end: "07:00"}; null = off
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    outbox_path: str = "var/outbox.db"
    webhook_timeout: float = Field(default=10.0, gt=0)
    dashboard_url: str | None = None  # link put into messages, e.g. https://yuqing.internal

    @field_validator("ack_deadline")
    @classmethod
    def _ack(cls, v: dict[str, timedelta]) -> dict[str, timedelta]:
        v = _levels_known(v, "ack_deadline")
        missing = [lvl for lvl in LEVELS if lvl not in v]
        if missing:
            raise ValueError(f"ack_deadline needs every level; missing {', '.join(missing)}")
        return v

    @field_validator("resolve_deadline")
    @classmethod
    def _resolve(cls, v: dict[str, timedelta]) -> dict[str, timedelta]:
        v = _levels_known(v, "resolve_deadline")
        missing = [lvl for lvl in LEVELS if lvl not in v]
        if missing:
            raise ValueError(f"resolve_deadline needs every level; missing {', '.join(missing)}")
        return v

    @field_validator("recheck_after")
    @classmethod
    def _recheck(cls, v: dict[str, timedelta]) -> dict[str, timedelta]:
        return _levels_known(v, "recheck_after")

    @field_validator("copy_duty_levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        for level in v:
            if level not in LEVELS:
                raise ValueError(f"unknown level {level!r} (use {CHOICES})")
        return v
