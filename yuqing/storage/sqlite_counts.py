"""The SQLite store's post aggregates: hourly counts kept as posts are written, read back as
whole hours plus the two partial hours at a window's edges (counted from the posts' columns).

``post_counts`` has one row per (axis, dimension, key, hour) with the number of posts, the
scored ones, the sums of sentiment and negativity and a histogram of sentiment in tenths
(``b0`` … ``b19``, see ``facets.EDGES``). A post written again is first subtracted with its old
values, so counts stay exact through updates. Events are not rolled up (one row per event and
hour would be as large as the posts): they are counted from the posts in the window, through
the ``event_id`` column's index.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from yuqing.models import Post
from yuqing.storage.facets import (
    AXES,
    BINS,
    EDGES,
    ROLLED_UP,
    Tally,
    axis_time,
    below_index,
    keys,
    sentiment_bin,
)

HOUR = 3600
_BIN_COLS = [f"b{i}" for i in range(BINS)]
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS post_counts (
    axis TEXT NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL, hour INTEGER NOT NULL,
    posts INTEGER NOT NULL, scored INTEGER NOT NULL, sent_sum REAL NOT NULL,
    neg_sum REAL NOT NULL, {", ".join(f"{c} INTEGER NOT NULL" for c in _BIN_COLS)},
    PRIMARY KEY (axis, dim, hour, key)) WITHOUT ROWID;
"""
_UPSERT = (
    f"INSERT INTO post_counts VALUES ({','.join('?' * (8 + BINS))}) "
    "ON CONFLICT (axis, dim, hour, key) DO UPDATE SET posts = posts + excluded.posts, "
    "scored = scored + excluded.scored, sent_sum = sent_sum + excluded.sent_sum, "
    "neg_sum = neg_sum + excluded.neg_sum, "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in _BIN_COLS)
)
#: the posts' columns a window edge is counted from, by dimension
_COLUMN = {
    "source": "source_id",
    "category": "category",
    "region": "region",
    "place": "place",
    "channel": "channel",
    "event": "event_id",
}
_TIME = {"posted": "post_ts", "collected": "crawled_ts"}


def count(
    db: sqlite3.Connection,
    post: Post,
    sign: int,
    dims: Iterable[str] = ROLLED_UP,
    place: str | None | Literal[False] = False,
) -> None:
    """Add (``sign`` 1) or remove (-1) a post's contribution to the hourly counts of ``dims``;
    ``place``: the place it was counted under (its ``place`` column), when not computed now."""
    db.executemany(_UPSERT, rows(post, sign, dims, place))


def rows(
    post: Post,
    sign: int,
    dims: Iterable[str] = ROLLED_UP,
    place: str | None | Literal[False] = False,
) -> list[tuple]:
    """The ``post_counts`` rows :func:`count` adds (several posts' rows: :func:`add`)."""
    s = post.sentiment
    b = sentiment_bin(s)
    bins = [0] * BINS
    if b is not None:
        bins[b] = sign
    scored = sign if s is not None else 0
    sums = (sign * (s or 0.0), sign * max(0.0, -(s or 0.0)))
    out = []
    for axis in AXES:
        hour = math.floor(axis_time(post, axis).timestamp() / HOUR)
        for dim in dims:
            if dim == "place" and place is not False:
                found = [place] if place else []
            else:
                found = keys(post, dim)
            for key in found:
                out.append((axis, dim, key, hour, sign, scored, *sums, *bins))
    return out


def add(db: sqlite3.Connection, counted: list[tuple]) -> None:
    """Add the :func:`rows` of several posts in one statement."""
    db.executemany(_UPSERT, counted)


def _window(a: float, b: float, closed: str) -> tuple[int, int]:
    """The whole hours ``h0 <= h < h1`` inside the window: ``[a, b)`` needs h·H >= a,
    ``(a, b]`` needs h·H > a; both need (h+1)·H <= b."""
    h0 = math.ceil(a / HOUR) if closed == "left" else math.floor(a / HOUR) + 1
    return h0, max(h0, math.floor(b / HOUR))


def tally(
    db: sqlite3.Connection,
    by: str,
    start: datetime,
    end: datetime,
    axis: str,
    closed: str,
    below: float,
    wanted: Iterable[str] | None,
    min_posts: int,
    posted_since: datetime | None = None,
) -> dict[str, Tally]:
    j = below_index(below)
    want = set(wanted) if wanted is not None else None
    out: dict[str, Tally] = {}
    a, b = start.timestamp(), end.timestamp()
    h0, h1 = _window(a, b, closed)
    floor = posted_since.timestamp() if posted_since is not None else None
    if by == "event" or h0 >= h1 or floor is not None:  # hourly counts know one axis only
        _edge(db, out, by, axis, (a, b), closed, j, want, floor)
    else:  # partial hour, whole hours, partial hour
        _edge(db, out, by, axis, (a, h0 * HOUR), "left" if closed == "left" else "open", j, want)
        _hours(db, out, by, axis, h0, h1, j, want)
        _edge(db, out, by, axis, (h1 * HOUR, b), "left" if closed == "left" else "both", j, want)
    return {k: t for k, t in out.items() if t.posts >= max(min_posts, 1)}


def _hours(db, out, by, axis, h0, h1, j, want) -> None:
    neg = " + ".join(_BIN_COLS[:j]) or "0"
    sql = (
        f"SELECT key, sum(posts), sum(scored), sum({neg}), sum(sent_sum), sum(neg_sum) "
        "FROM post_counts WHERE axis=? AND dim=? AND hour>=? AND hour<? GROUP BY key"
    )
    for key, posts, scored, negative, sent, negsum in db.execute(sql, (axis, by, h0, h1)):
        if want is None or key in want:
            out.setdefault(key, Tally()).add(Tally(posts, scored, negative, sent, negsum))


#: SQL for a time range [a, b) "left", (a, b] "right", (a, b) "open", [a, b] "both"
_RANGE = {
    "left": "{t} >= ? AND {t} < ?",
    "right": "{t} > ? AND {t} <= ?",
    "open": "{t} > ? AND {t} < ?",
    "both": "{t} >= ? AND {t} <= ?",
}


def _edge(db, out, by, axis, span, closed, j, want, floor: float | None = None) -> None:
    """Count posts in a range (a partial hour, or any window for events) from their columns
    (``floor``: only those posted at or after it)."""
    if span[1] < span[0]:
        return
    cond = _RANGE[closed].format(t=_TIME[axis])
    args: list = list(span)
    if floor is not None:
        cond += " AND post_ts >= ?"
        args.append(floor)
    if by == "event" and want is not None:
        marks = ",".join("?" * len(want))
        cond += f" AND event_id IN ({marks})"
        args += sorted(want)
    key_sql = {"all": "'all'", "focus": "focus"}[by] if by in ("all", "focus") else _COLUMN[by]
    rows = db.execute(f"SELECT {key_sql}, sentiment FROM posts WHERE {cond}", args)
    limit = EDGES[j]
    for key, s in rows:
        names = [k for k in key.split(",") if k] if by == "focus" and key else [key]
        for name in names:
            if name is None or (want is not None and name not in want):
                continue
            t = out.setdefault(name, Tally())
            t.posts += 1
            if s is not None:
                t.scored += 1
                t.negative += s < limit
                t.sentiment_sum += s
                t.negativity_sum += max(0.0, -s)


#: a post's searchable text: its title and body, lower-cased (Latin letters; Chinese as is)
_SEARCHED = "lower(json_extract(doc, '$.title') || char(10) || json_extract(doc, '$.text'))"
#: characters a document's JSON writes otherwise (quotes, backslashes, control characters)
_JSON_ESCAPED = frozenset('"\\' + "".join(map(chr, range(32))))


def find_posts(
    db,
    span,
    by,
    key,
    axis,
    closed,
    order,
    originals,
    limit,
    posted_since=None,
    where=(),
    terms=(),
    offset=0,
) -> list[str]:
    """Documents of one group's posts in a window (see ``Store.find_posts``): ``where`` more
    (dimension, key) groups the posts are in too, ``terms`` words their title or body holds
    (each; as written, Latin letters in any case)."""
    t = _TIME[axis]
    cond, args = _RANGE[closed].format(t=t), list(span)
    if posted_since is not None:
        cond += " AND post_ts >= ?"
        args.append(posted_since.timestamp())
    for dim, value in ((by, key), *where):
        if dim == "focus":
            cond += " AND instr(focus, ?) > 0"
            args.append(f",{value},")
        elif dim != "all":
            cond += f" AND {_COLUMN[dim]} = ?"
            args.append(value)
    for term in terms:
        if term.lower() == term.upper() and not _JSON_ESCAPED.intersection(term):
            # no letter with a case (Chinese, digits) nor a character JSON escapes: the raw
            # document first (no JSON parse: most rows of a rare word's window end here)
            cond += " AND instr(doc, ?) > 0"
            args.append(term)
        cond += f" AND instr({_SEARCHED}, ?) > 0"
        args.append(term.lower())
    if originals:
        cond += " AND dup = 0"
    sort = f"{t} DESC, id DESC"
    if order == "sentiment":
        sort = "coalesce(sentiment, 0) ASC, " + sort
    sql = f"SELECT doc FROM posts WHERE {cond} ORDER BY {sort}"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        args += [-1 if limit is None else limit, offset]
    return [doc for (doc,) in db.execute(sql, args)]
