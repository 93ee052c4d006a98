"""The hot index (热度指数) of an issue, 0–100, and its history.

An issue is hot when many *different people* raise it, when they raise it together, and when
others react to it. Per issue (or per issue within a period):

- ``A`` distinct authors of the original messages (``source_id`` + ``author``; a post without
  an author counts as its own author — feeds and pages rarely name one; but a repost without an
  author, i.e. a copy with ``duplicate_of`` set, is the same message again and names nobody
  new);
- ``M`` messages, ``R`` of them reposts (``duplicate_of`` set);
- ``E`` engagement: likes + dislikes + 2·comments + 3·reposts counted by the platform;
- ``P`` the most distinct authors within any ``peak_days`` (30) days — how concentrated in
  time the issue is;
- ``S`` distinct sources, ``N`` mean negativity (max(0, −sentiment), 0…1), ``W`` the mean
  ``weight`` of the posts' sources (sources.yaml, default 1).

::

    raw = 1.0·ln(1 + A) + 0.3·ln(1 + M − A) + 0.25·ln(1 + E) + 0.5·ln(1 + P)
        + 0.5·ln(S) + 0.5·N + 0.5·(W − 1)
    热度指数 = 100 · (1 − exp(−raw / 6))

What follows from the weights (``nlp.hotness``): people dominate — doubling the residents adds
ln 2 · (1.0 + 0.5 when they come together), while engagement has to grow **16-fold** to add as
much (0.25 · ln 16 = ln 2). A single message with 2,000 likes (raw ≈ 3.0) therefore ranks like
an issue raised by about five residents and below one raised by 14 residents (raw ≈ 4.3 spread
over a year); more messages from the same people add little (0.3 · ln), so one account's
templated messages cannot make an issue hot. The index is monotone in every input.

History: :func:`history` gives the index after each day on which the issue received a
message (a step function: the value holds until the next point); events store it as
``hot_history`` and the digest's sparklines plot it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from yuqing.models import Post

__all__ = ["HotInputs", "Signal", "hot_index", "signal_of", "history", "HotIndexWeights"]


@dataclass(frozen=True)
class HotIndexWeights:
    authors: float = 1.0
    extra_messages: float = 0.3
    engagement: float = 0.25
    peak: float = 0.5
    sources: float = 0.5
    negativity: float = 0.5
    source_weight: float = 0.5
    scale: float = 6.0
    peak_days: int = 30

    @classmethod
    def from_settings(cls, hs) -> HotIndexWeights:
        """From ``nlp.hotness`` settings (any object with these attributes)."""
        return cls(**{k: getattr(hs, k) for k in cls.__dataclass_fields__ if hasattr(hs, k)})


@dataclass(frozen=True)
class Signal:
    """What one message contributes to the index."""

    time: datetime
    author: str
    engagement: int
    source: str
    negativity: float
    repost: bool = False
    weight: float = 1.0
    named: bool = True  # the source gave an author

    @property
    def person(self) -> bool:
        """Counts as someone raising the issue: not an anonymous copy of another post."""
        return self.named or not self.repost


def _engagement(e: dict[str, int] | None) -> int:
    e = e or {}
    return (
        int(e.get("likes", 0))
        + int(e.get("dislikes", 0))
        + 2 * int(e.get("comments", 0))
        + 3 * int(e.get("reposts", 0))
    )


def signal_of(post: Post, time: datetime, weight: float = 1.0) -> Signal:
    author = f"{post.source_id}:{post.author}" if post.author else f"post:{post.id}"
    return Signal(
        time=time,
        author=author,
        engagement=_engagement(post.engagement),
        source=post.source_id,
        negativity=max(0.0, -(post.sentiment or 0.0)),
        repost=bool(post.duplicate_of),
        weight=weight,
        named=bool(post.author),
    )


@dataclass
class HotInputs:
    """The counts the formula reads (kept for display: messages, authors, likes)."""

    authors: int = 0
    messages: int = 0
    reposts: int = 0
    engagement: int = 0
    peak: int = 0
    sources: int = 0
    negativity: float = 0.0
    weight: float = 1.0
    likes: int = 0
    components: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, signals: Sequence[Signal], peak_days: int = 30, likes: int = 0) -> HotInputs:
        sigs = sorted(signals, key=lambda s: (s.time, s.author))
        people = [s for s in sigs if s.person] or sigs[:1]  # anonymous copies name nobody
        return cls(
            authors=len({s.author for s in people}),
            messages=len(sigs),
            reposts=sum(s.repost for s in sigs),
            engagement=sum(s.engagement for s in sigs),
            peak=_peak(people, timedelta(days=peak_days)),
            sources=len({s.source for s in sigs}),
            negativity=(sum(s.negativity for s in sigs) / len(sigs)) if sigs else 0.0,
            weight=(sum(s.weight for s in sigs) / len(sigs)) if sigs else 1.0,
            likes=likes,
        )


def _peak(sigs: Sequence[Signal], span: timedelta) -> int:
    """Most distinct authors within any ``span`` (signals sorted by time)."""
    best, lo = 0, 0
    counts: dict[str, int] = {}
    for s in sigs:
        counts[s.author] = counts.get(s.author, 0) + 1
        while s.time - sigs[lo].time > span:
            a = sigs[lo].author
            counts[a] -= 1
            if not counts[a]:
                del counts[a]
            lo += 1
        best = max(best, len(counts))
    return best


def hot_index(x: HotInputs, w: HotIndexWeights | None = None, *, components: bool = True) -> float:
    """热度指数 0–100 (rounded to 0.01); ``x.components`` gets each term of ``raw`` (unless
    ``components=False``: the per-post update, which never shows them)."""
    w = w or HotIndexWeights()
    if x.messages == 0:
        return 0.0
    parts = {
        "authors": w.authors * math.log1p(x.authors),
        "extra_messages": w.extra_messages * math.log1p(max(x.messages - x.authors, 0)),
        "engagement": w.engagement * math.log1p(x.engagement),
        "peak": w.peak * math.log1p(x.peak),
        "sources": w.sources * math.log(max(x.sources, 1)),
        "negativity": w.negativity * x.negativity,
        "source_weight": w.source_weight * (x.weight - 1.0),
    }
    if components:
        x.components = {k: round(v, 4) for k, v in parts.items()}
    raw = sum(parts.values())
    return round(100.0 * (1.0 - math.exp(-max(raw, 0.0) / w.scale)), 2)


def history(
    signals: Iterable[Signal], tz, w: HotIndexWeights | None = None, limit: int = 400
) -> list[list]:
    """``[[YYYY-MM-DD, index], ...]``: the index at the end of each day with a message, the
    last ``limit`` such days (a step function)."""
    w = w or HotIndexWeights()
    sigs = sorted(signals, key=lambda s: (s.time, s.author))
    out: list[list] = []
    upto: list[Signal] = []
    for i, s in enumerate(sigs):
        upto.append(s)
        day = _day(s.time, tz)
        if i + 1 < len(sigs) and _day(sigs[i + 1].time, tz) == day:
            continue
        out.append([day.isoformat(), hot_index(HotInputs.of(upto, w.peak_days), w)])
    return out[-limit:]


def _day(t: datetime, tz) -> date:
    return t.astimezone(tz).date() if tz is not None and t.tzinfo else t.date()
