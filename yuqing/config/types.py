"""Value types shared by the configuration models (durations)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: str | int | float) -> int:
    """'15m' -> 900 seconds. Plain numbers are seconds."""
    if isinstance(value, int | float):
        return int(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 30s, 15m, 1h, 1d, 1w)")
    return int(m.group(1)) * _UNITS[m.group(2)]


Duration = Annotated[str, Field(pattern=_DURATION.pattern)]
