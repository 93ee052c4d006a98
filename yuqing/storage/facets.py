"""What the post aggregates count: a post's time on each axis, its keys in each dimension, and
the sentiment bins that make "how many are more negative than X" answerable from counts.

Both backends answer :meth:`yuqing.storage.Store.tally` from these definitions (SQLite keeps
hourly counts per key; Elasticsearch aggregates the ``posted_at`` and dimension fields).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from yuqing.models import Post, post_place, post_time

Axis = Literal["posted", "collected"]
Dimension = Literal["all", "focus", "category", "source", "region", "place", "channel", "event"]
AXES: tuple[Axis, ...] = ("posted", "collected")
#: dimensions kept as hourly counts (events are counted from the posts, window by window);
#: ``region`` is the source's configured region, ``place`` where the post's matter is
#: (:func:`yuqing.models.post_place`: the most specific place it names, else that region)
ROLLED_UP: tuple[Dimension, ...] = (
    "all",
    "focus",
    "category",
    "source",
    "region",
    "place",
    "channel",
)
DIMENSIONS: tuple[Dimension, ...] = (*ROLLED_UP, "event")
#: sentiment bin edges −1.0, −0.9, …, 1.0: "sentiment < below" is exact for these ``below``
EDGES = tuple(round(-1 + 0.1 * i, 1) for i in range(21))
BINS = len(EDGES) - 1


def axis_time(post: Post, axis: Axis) -> datetime:
    """``posted``: when it happened (:func:`yuqing.models.post_time`, the alert windows);
    ``collected``: its first crawl (the digest's day)."""
    return post_time(post) if axis == "posted" else post.crawled_at


def keys(post: Post, dim: str) -> list[str]:
    """The keys a post is counted under in ``dim`` (none, one, or several for focus)."""
    if dim == "all":
        return ["all"]
    if dim == "focus":
        return list(dict.fromkeys(post.focus))
    value = {
        "category": post.category,
        "source": post.source_id,
        "region": post.region,
        "place": post_place(post),
        "channel": post.channel,
        "event": post.event_id,
    }[dim]
    return [value] if value else []


def sentiment_bin(sentiment: float | None) -> int | None:
    """Index of the bin ``[EDGES[i], EDGES[i+1])`` holding ``sentiment`` (1.0 in the last)."""
    if sentiment is None:
        return None
    return min(max(bisect_right(EDGES, sentiment) - 1, 0), BINS - 1)


def below_index(below: float) -> int:
    """``below`` as an edge index: the posts with sentiment < below are the bins before it."""
    for i, edge in enumerate(EDGES):
        if abs(edge - below) < 1e-9:
            return i
    raise ValueError(f"sentiment threshold {below!r} is not a multiple of 0.1 in [-1, 1]")


@dataclass
class Tally:
    """Counts of one group of posts."""

    posts: int = 0
    scored: int = 0  # posts with a sentiment score
    negative: int = 0  # scored posts with sentiment < the threshold asked for
    sentiment_sum: float = 0.0  # Σ sentiment of scored posts
    negativity_sum: float = 0.0  # Σ max(0, −sentiment)

    def add(self, other: Tally) -> None:
        self.posts += other.posts
        self.scored += other.scored
        self.negative += other.negative
        self.sentiment_sum += other.sentiment_sum
        self.negativity_sum += other.negativity_sum

    @property
    def mean_sentiment(self) -> float | None:
        return self.sentiment_sum / self.scored if self.scored else None
