"""Crawled text made safe to keep and to show (ground layer: every stage uses it).

``sanitize`` is applied where text enters (the crawl's normalise stage); ``shown`` wherever
stored text leaves for a person (e-mail and digest templates, terminal lines), so text stored
before sanitising existed, or by other means, is bounded and clean on output too;
``spreadsheet`` where it leaves as a CSV cell (no formula runs when the file is opened).
"""

from __future__ import annotations

import re

_SURROGATES = re.compile("[\ud800-\udfff]")  # only lone ones reach a str (JSON "\ud800")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0/C1 but tab, LF, CR
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")

#: Longest stored title (characters); longer ones are cut with "…".
TITLE_MAX = 200


def sanitize(text: str) -> str:
    """Lone surrogates become U+FFFD; NUL and other control characters are removed (tab
    and line breaks are kept)."""
    return _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text))


def cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with "…"."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def shown(value: object, limit: int | None = None) -> str:
    """Stored text for a person: sanitised, at most ``limit`` characters."""
    text = sanitize(str(value))
    return cap(text, limit) if limit else text


#: how a spreadsheet formula starts (Excel, LibreOffice, WPS): =SUM(), +1, -1, @A1, DDE tricks
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet(value: object) -> object:
    """Stored text as a CSV cell a spreadsheet opens as text: sanitised, and a leading
    formula character quoted with ``'`` (``=HYPERLINK(…)`` in a crawled title stays a title).
    Numbers and empty values pass unchanged."""
    if value is None or isinstance(value, int | float):
        return value
    text = sanitize(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def cell(value: object, limit: int) -> str:
    """Stored text as a cell of a terminal table: one line, sanitised, capped."""
    return cap(_LINE_BREAKS.sub(" ", sanitize(str(value))).strip(), limit)
