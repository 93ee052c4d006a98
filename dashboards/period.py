"""Digest periods: a day (舆情日报), seven days (舆情周报) or a calendar month (舆情月报, the
monthly view), half-open ``[start, end)`` in the configured time zone, with the label,
subject and archive name each kind uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Kind = Literal["daily", "weekly", "monthly"]
TITLES = {"daily": "舆情日报", "weekly": "舆情周报", "monthly": "舆情月报"}
UNITS = {"daily": "本日", "weekly": "本周", "monthly": "本月"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    kind: Kind
    first_day: date  # first calendar day covered
    last_day: date  # last calendar day covered (inclusive)
    tzname: str = "Asia/Shanghai"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tzname)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0), self.tz)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def label(self) -> str:
        if self.kind == "daily":
            return self.first_day.isoformat()
        if self.kind == "monthly":
            return f"{self.first_day:%Y-%m}"
        return f"{self.first_day.isoformat()}–{self.last_day.isoformat()}"

    @property
    def key(self) -> str:
        """Archive file stem and idempotency key: ``2026-11-21`` or
        ``weekly-2026-11-16_2026-11-22``."""
        if self.kind == "daily":
            return self.first_day.isoformat()
        if self.kind == "monthly":
            return f"monthly-{self.first_day:%Y-%m}"
        return f"weekly-{self.first_day.isoformat()}_{self.last_day.isoformat()}"

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def subject(self) -> str:
        return f"【{self.title}】{self.label}"

    @property
    def unit(self) -> str:
        """How the text names the period: 本日 / 本周 / 本月."""
        return UNITS[self.kind]

    def previous(self) -> Period:
        if self.kind == "monthly":
            last = self.first_day - timedelta(days=1)
            return monthly(last.year, last.month, self.tzname)
        step = timedelta(days=self.days)
        return Period(self.kind, self.first_day - step, self.last_day - step, self.tzname)


def daily(day: date, tzname: str) -> Period:
    return Period("daily", day, day, tzname)


def weekly_ending(last_day: date, tzname: str) -> Period:
    """The seven days ending with ``last_day``."""
    return Period("weekly", last_day - timedelta(days=6), last_day, tzname)


def monthly(year: int, month: int, tzname: str) -> Period:
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return Period("monthly", first, nxt - timedelta(days=1), tzname)


def parse_month(value: str, tzname: str) -> Period:
    """``2026-11`` (or any date in the month)."""
    v = value.strip()
    m = re.match(r"^(\d{4})-(\d{1,2})$", v)
    try:
        if m:
            return monthly(int(m.group(1)), int(m.group(2)), tzname)
        d = date.fromisoformat(v)
        return monthly(d.year, d.month, tzname)
    except ValueError:
        raise ValueError(f"not a month: {value!r} (use YYYY-MM, e.g. 2026-11)") from None


#: Digest days a person can ask for (older or later days are typing mistakes).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def in_range(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day.isoformat()} is out of range (allowed {FIRST_DAY} … {LAST_DAY})")
    return day


def parse_date(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD, e.g. 2026-11-21)") from None
    return in_range(day)


def parse_week(value: str, tzname: str) -> Period:
    """``2026-W47`` (ISO week, Monday to Sunday) or any date in the wanted ISO week."""
    m = _ISO_WEEK.match(value.strip())
    if m:
        year, week = int(m.group(1)), int(m.group(2))
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"no ISO week {value!r} (weeks run 1..52 or 53)") from None
    else:
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"not a week: {value!r} (use 2026-W47 or a date in the week)"
            ) from None
        monday = in_range(day) - timedelta(days=day.weekday())
    return Period("weekly", in_range(monday), monday + timedelta(days=6), tzname)
