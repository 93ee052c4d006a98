"""China's administrative divisions: the bundled tables, and where one place lies in another.

``resources/divisions.csv`` holds the provinces, prefectures and counties (``code`` of 2, 4 or
6 digits, ``name``, ``short`` form) and ``resources/townships.csv`` the township-level divisions
that are township governments (镇, 乡, 街道, 苏木; ``code`` of 9 digits, the first 6 its
county's), both built by ``tools/build_divisions.py`` from github.com/modood/
Administrative-divisions-of-China (WTFPL; the National Bureau of Statistics' 统计用区划代码,
截止 2022-10-31). :mod:`yuqing.nlp.gazetteer` finds them in text; routing asks :func:`within`
(a township's alert also reaches its county's units), so the tables live below both.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

__all__ = [
    "DIVISIONS",
    "TOWNSHIPS",
    "TOWN_ENDINGS",
    "codes_of",
    "division_rows",
    "same_place",
    "township_codes",
    "township_rows",
    "within",
]

DIVISIONS = Path(__file__).resolve().parent / "resources" / "divisions.csv"
TOWNSHIPS = Path(__file__).resolve().parent / "resources" / "townships.csv"
#: how a township government's name ends (街道办事处 is a 街道 written in full)
TOWN_ENDINGS = ("镇", "乡", "街道", "办事处", "苏木")


@lru_cache(maxsize=1)
def township_rows() -> tuple[tuple[str, str, str], ...]:
    """The township governments as (code, name, short form or "") rows, read once per process
    (the short form: ``tools/build_divisions.py``; 白水洋 for 白水洋镇)."""
    with open(TOWNSHIPS, encoding="utf-8", newline="") as fh:
        return tuple((r["code"], r["name"], r["short"]) for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def township_codes() -> dict[str, tuple[str, ...]]:
    """Township name → its codes (城关镇 has 88)."""
    towns: dict[str, list[str]] = {}
    for code, name, _ in township_rows():
        towns.setdefault(name, []).append(code)
    return {n: tuple(c) for n, c in towns.items()}


@lru_cache(maxsize=1)
def division_rows() -> tuple[tuple[str, str, str], ...]:
    """The provinces, prefectures and counties as (code, name, short form) rows, read once per
    process (the gazetteer builds on them too)."""
    with open(DIVISIONS, encoding="utf-8", newline="") as fh:
        return tuple((r["code"], r["name"], r["short"]) for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def _divisions() -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    codes: dict[str, list[str]] = {}
    short: dict[str, str] = {}
    for code, name, short_form in division_rows():
        codes.setdefault(name, []).append(code)
        if short_form:
            short[short_form] = name
    return {n: tuple(c) for n, c in codes.items()}, short


@lru_cache(maxsize=1 << 12)
def codes_of(name: str) -> tuple[str, ...]:
    """The codes of the places ``name`` names: a division's full name or short form (长沙 →
    长沙市), a township's name, or one of these under the division written before it
    (临海市白水洋镇, 南京市鼓楼区: the place names of ``yuqing.models.post_place``, as people
    write them too); () for any other name (A7县, 邵冬县, 某小区)."""
    found = _plain_codes(name)
    if found or len(name) < 4:
        return found
    codes, short = _divisions()
    for cut in range(2, len(name) - 1):  # the shortest parent first (no name ends in another)
        head = codes.get(short.get(name[:cut], name[:cut]))
        if head:
            tail = _plain_codes(name[cut:])
            under = tuple(c for c in tail if any(c != h and c.startswith(h) for h in head))
            if under:
                return under
    return ()


def _plain_codes(name: str) -> tuple[str, ...]:
    codes, short = _divisions()
    found = codes.get(short.get(name, name))
    if found:
        return found
    return township_codes().get(name, ()) if name.endswith(TOWN_ENDINGS) else ()


def same_place(a: str, b: str) -> bool:
    """``a`` is the place ``b`` names (临海市白水洋镇 and 白水洋镇; 南京市鼓楼区 and 鼓楼区, a
    name of several places, one of them): the same name, or ``a``'s codes all among ``b``'s."""
    if a == b:
        return True
    inner, outer = codes_of(a), codes_of(b)
    return bool(inner) and set(inner) <= set(outer)


@lru_cache(maxsize=1 << 12)
def within(inner: str, outer: str) -> bool:
    """``inner`` is a place inside ``outer``: a township in its county, prefecture or province
    (白水洋镇 in 临海市), a county in its prefecture or province (岳麓区 in 长沙市). A name of
    several places is inside ``outer`` when one of them is (城关镇 in a county that has one);
    names not in the tables are inside nothing, and nothing is inside itself. Cached: routing
    asks it for every department with a region on every alert."""
    tops = codes_of(outer)
    return any(c != t and c.startswith(t) for c in codes_of(inner) for t in tops)
