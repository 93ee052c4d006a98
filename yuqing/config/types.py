"""Value types shared by the configuration models: durations, times of day and e-mail
addresses.

A duration is written ``30s``, ``15m``, ``1h``, ``2d`` or ``1w`` (or a number of seconds) and
parsed once, when the configuration is loaded, into a :class:`ParsedDuration` — a
``timedelta`` that remembers how it was written, so messages and alert evidence say ``24h``
as the operator did. Code uses it as the ``timedelta`` it is.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parseaddr
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer, PlainValidator, WithJsonSchema

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ParsedDuration(timedelta):
    """A ``timedelta`` with the text it was parsed from (``str()`` gives it back)."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str, seconds: int) -> ParsedDuration:
        self = super().__new__(cls, seconds=seconds)
        self.text = text
        return self

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"ParsedDuration({self.text!r})"

    def __reduce__(self):
        return parse_duration, (self.text,)


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """``'15m'`` -> 15 minutes. Plain numbers are seconds; a ``timedelta`` is kept."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 15m, 1h, 1d, 1w)")
    if isinstance(value, int | float):
        return ParsedDuration(f"{int(value)}s", int(value))
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 15m, 1h, 1d, 1w)")
    return ParsedDuration(value.strip(), int(m.group(1)) * _UNITS[m.group(2)])


#: A configuration field holding a duration; validated (parsed) once at load, dumped to JSON as
#: the text it was written as.
Duration = Annotated[
    timedelta,
    PlainValidator(parse_duration),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": _DURATION.pattern}),
]


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"'{value}' is no interval: use more than zero (e.g. 30s, 15m, 1h)")
    return value


#: A duration that must be longer than zero (crawl intervals, schedules, rule windows).
Interval = Annotated[Duration, AfterValidator(_positive)]


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _clock(value: str) -> str:
    m = _CLOCK.match(value)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"not a time of day: {value!r} (use HH:MM, 00:00 to 23:59)")
    return value


#: A local time of day written ``HH:MM`` (digest time, quiet hours, the nightly rebuild),
#: checked at load so a ``25:00`` is a configuration error, not a scheduler crash.
ClockTime = Annotated[
    str, AfterValidator(_clock), WithJsonSchema({"type": "string", "pattern": _CLOCK.pattern})
]


_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def check_addresses(emails: list[str]) -> list[str]:
    """``emails`` when each is an address; else ValueError naming the first that is not."""
    for e in emails:
        if not _ADDRESS.match(e):
            raise ValueError(f"not an e-mail address: {e!r}")
    return emails


def _sender(value: str) -> str:
    if not _ADDRESS.match(parseaddr(value)[1]):
        raise ValueError(
            f"not a sender address: {value!r} (e.g. 舆情哨兵 <yuqing@example.gov.cn>, or an address)"
        )
    return value


#: E-mail addresses (a department's mailboxes, the digest's recipients), checked at load.
Addresses = Annotated[list[str], AfterValidator(check_addresses)]
#: The sender of every message (``smtp.from``): an address, with or without a display name.
Sender = Annotated[str, AfterValidator(_sender)]
