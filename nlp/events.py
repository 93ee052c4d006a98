"""Incremental event clustering, hotness and burst detection, with bounded in-memory state.

A post joins the most similar *recent* event (cosine of its keyword vector to the event's
centroid ≥ ``events.similarity``, and within ``events.window`` of the event's last post) or
starts a new one; a repost joins the event of the post it copies. Events are written through
an :class:`EventSink` (the storage layer, or :class:`InMemoryEventSink`). Formulas: docs/nlp.md.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from yuqing.models import Event, Post, post_time
from yuqing.nlp.settings import NLPSettings

__all__ = [
    "EventSink",
    "InMemoryEventSink",
    "EventTracker",
    "TopicBaselines",
    "event_id_for",
]


@runtime_checkable
class EventSink(Protocol):
    """Where events go. The storage layer satisfies it; so does InMemoryEventSink."""

    def upsert_event(self, event: Event) -> None: ...

    def get_event(self, event_id: str) -> Event | None: ...


class InMemoryEventSink:
    """A dict of events (``yuqing classify``, tests)."""

    def __init__(self) -> None:
        self.events: dict[str, Event] = {}

    def upsert_event(self, event: Event) -> None:
        self.events[event.id] = event

    def get_event(self, event_id: str) -> Event | None:
        return self.events.get(event_id)


def event_id_for(first_post_id: str) -> str:
    return "ev-" + hashlib.sha1(first_post_id.encode()).hexdigest()[:16]


class TopicBaselines:
    """Posts per topic per time bucket over a bounded history; surge test against each topic's
    own mean and spread, so a quiet topic's sudden handful counts as a burst."""

    def __init__(self, bucket: int, baseline: int, k: float, min_posts: int):
        self.bucket, self.k, self.min_posts = bucket, k, min_posts
        self.n_buckets = max(1, baseline // bucket)
        self.counts: dict[str, dict[int, int]] = {}
        self.first: dict[str, int] = {}
        self._newest = -(1 << 62)

    def index(self, t: datetime) -> int:
        return int(t.timestamp()) // self.bucket

    def add(self, topic: str, t: datetime) -> None:
        b = self.index(t)
        if b < self._newest - self.n_buckets:
            return  # older than the baseline window: ignore
        row = self.counts.setdefault(topic, {})
        row[b] = row.get(b, 0) + 1
        self.first[topic] = min(self.first.get(topic, b), b)
        if b > self._newest:
            self._newest = b
            self._trim()

    def _trim(self) -> None:
        low = self._newest - self.n_buckets
        for topic in list(self.counts):
            row = self.counts[topic]
            for b in [b for b in row if b < low]:
                del row[b]
            if not row:
                del self.counts[topic]
                self.first.pop(topic, None)

    def threshold(self, topic: str, t: datetime) -> float:
        """Posts the topic needs in the bucket of ``t`` to count as a surge."""
        b = self.index(t)
        row = self.counts.get(topic, {})
        start = max(self.first.get(topic, b), b - self.n_buckets)
        hist = [row.get(i, 0) for i in range(start, b)]
        if not hist:
            return float(self.min_posts)
        mean = sum(hist) / len(hist)
        std = math.sqrt(sum((x - mean) ** 2 for x in hist) / len(hist))
        return max(float(self.min_posts), mean + self.k * max(std, math.sqrt(mean)))

    def surging(self, topic: str, t: datetime) -> bool:
        return self.counts.get(topic, {}).get(self.index(t), 0) >= self.threshold(topic, t)

    def __len__(self) -> int:
        return sum(len(r) for r in self.counts.values())


@dataclass
class _State:
    event: Event
    centroid: dict[str, float] = field(default_factory=dict)
    times: deque = field(default_factory=deque)  # post times within the growth windows
    category: Counter = field(default_factory=Counter)
    focus: Counter = field(default_factory=Counter)
    region: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    neg_sum: float = 0.0
    engagement: float = 0.0
    weight_sum: float = 0.0
    first_post_time: datetime | None = None


def _normed(vec: dict[str, float]) -> dict[str, float]:
    n = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {k: v / n for k, v in vec.items()}


class EventTracker:
    """Assign posts to events; keep recent events, their centroids and topic baselines."""

    def __init__(
        self,
        settings: NLPSettings | None = None,
        sink: EventSink | None = None,
        *,
        source_weights: dict[str, float] | None = None,
    ):
        self.settings = settings or NLPSettings()
        self.sink = sink if sink is not None else InMemoryEventSink()
        self.source_weights = source_weights or {}
        es, bs = self.settings.events, self.settings.burst
        self.window = es.window
        self.growth = es.growth_window
        self.baselines = TopicBaselines(
            int(bs.bucket.total_seconds()), int(bs.baseline.total_seconds()), bs.k, bs.min_posts
        )
        self._events: OrderedDict[str, _State] = OrderedDict()  # least recently updated first
        self._index: dict[str, set[str]] = {}  # term -> event ids
        # post id -> (event id, post time), oldest first: kept while a later post can still
        # name it (re-processing, or a copy's duplicate_of: the duplicate index keeps posts
        # for dedup.window) — max(events.window, dedup.window) — and ≤ max_tracked_posts
        self._post_event: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self.track_window = max(self.window, self.settings.dedup.window)
        self._clock: datetime | None = None
        self.dirty: set[str] = set()

    # ------------------------------------------------------------------ public
    def assign(self, post: Post, vector: dict[str, float], *, flush: bool = True) -> Event:
        """Put ``post`` into an event (``vector``: keyword → weight); return the event."""
        t = post_time(post)
        self._tick(t)
        known = self._post_event.get(post.id)
        if known is not None and known[0] in self._events:
            return self._events[known[0]].event  # re-processing: idempotent
        vec = _normed(
            dict(sorted(vector.items(), key=lambda kv: -kv[1])[: self.settings.events.post_terms])
        )
        st = self._event_of_duplicate(post) or self._best_match(vec, t)
        if st is None:
            st = self._new_event(post, t)
        self._add(st, post, vec, t)
        self._post_event[post.id] = (st.event.id, t)
        self._trim()
        if flush:
            self.flush()
        return st.event

    def flush(self) -> None:
        """Write every event changed since the last flush to the sink."""
        for eid in sorted(self.dirty):
            st = self._events.get(eid)
            if st is not None:
                self.sink.upsert_event(st.event)
        self.dirty.clear()

    def warm(self, events: Iterable[Event], posts: Iterable[Post], vectorize) -> None:
        """Rebuild recent state from stored events and posts (``vectorize(post) -> vector``).

        Posts are replayed into their stored events (no new events, nothing written)."""
        for ev in sorted(events, key=lambda e: e.last_seen or datetime.min):
            st = _State(Event.from_dict(ev.to_dict()))
            st.event.post_ids, st.event.size = [], 0
            self._events[ev.id] = st
        for post in sorted(posts, key=post_time):
            st = self._events.get(post.event_id or "")
            if st is None:
                continue
            t = post_time(post)
            self._tick(t)
            vec = _normed(
                dict(
                    sorted(vectorize(post).items(), key=lambda kv: -kv[1])[
                        : self.settings.events.post_terms
                    ]
                )
            )
            self._add(st, post, vec, t)
            self._post_event[post.id] = (st.event.id, t)
        for eid, st in list(self._events.items()):
            if not st.event.size:  # stored event with no recent posts: drop from memory
                del self._events[eid]
        self._trim()
        self.dirty.clear()

    def stats(self) -> dict[str, int]:
        return {
            "events": len(self._events),
            "index_terms": len(self._index),
            "tracked_posts": len(self._post_event),
            "baseline_cells": len(self.baselines),
        }

    def get(self, event_id: str) -> Event | None:
        st = self._events.get(event_id)
        return st.event if st else self.sink.get_event(event_id)

    # ------------------------------------------------------------------ matching
    def _event_of_duplicate(self, post: Post) -> _State | None:
        if not post.duplicate_of:
            return None
        known = self._post_event.get(post.duplicate_of)
        if known is None:
            return None
        eid = known[0]
        st = self._events.get(eid)
        if st is None:  # evicted from memory: revive from the sink
            stored = self.sink.get_event(eid)
            if stored is None:
                return None
            st = _State(stored, centroid={k: 1.0 for k in stored.keywords})
            self._events[eid] = st
            self._reindex(st, set())
        return st

    def _best_match(self, vec: dict[str, float], t: datetime) -> _State | None:
        cands: set[str] = set()
        for term in vec:
            cands |= self._index.get(term, set())
        best, best_sim = None, self.settings.events.similarity
        for eid in cands:
            st = self._events[eid]
            ev = st.event
            if (
                ev.last_seen
                and abs(t - ev.last_seen) > self.window
                and ev.first_seen
                and abs(t - ev.first_seen) > self.window
            ):
                continue
            c = st.centroid
            norm = math.sqrt(sum(v * v for v in c.values())) or 1.0
            sim = sum(w * c.get(k, 0.0) for k, w in vec.items()) / norm
            if sim >= best_sim:
                best, best_sim = st, sim
        return best

    def _new_event(self, post: Post, t: datetime) -> _State:
        ev = Event(
            id=event_id_for(post.id), title=post.title or post.text[:40], first_seen=t, last_seen=t
        )
        st = _State(ev)
        self._events[ev.id] = st
        return st

    # ------------------------------------------------------------------ updating
    def _add(self, st: _State, post: Post, vec: dict[str, float], t: datetime) -> None:
        ev, es = st.event, self.settings.events
        before = set(self._top_terms(st))
        for k, w in vec.items():
            st.centroid[k] = st.centroid.get(k, 0.0) + w
        if len(st.centroid) > es.centroid_terms * 2:
            keep = sorted(st.centroid.items(), key=lambda kv: -kv[1])[: es.centroid_terms]
            st.centroid = dict(keep)
        self._reindex(st, before)
        ev.size += 1
        if len(ev.post_ids) < es.max_post_ids:
            ev.post_ids.append(post.id)
        if ev.first_seen is None or t < ev.first_seen:
            ev.first_seen = t
            if post.title:
                ev.title = post.title  # the earliest post names the event
        if ev.last_seen is None or t > ev.last_seen:
            ev.last_seen = t
        if post.source_id and post.source_id not in ev.sources:
            ev.sources.append(post.source_id)
        if post.channel and post.channel not in ev.channels:
            ev.channels.append(post.channel)
        st.sources[post.source_id] += 1
        if post.category:
            st.category[post.category] += 1
        st.focus.update(post.focus)
        reg = post.region or (post.regions_mentioned[0] if post.regions_mentioned else None)
        if reg:
            st.region[reg] += 1
        st.neg_sum += max(0.0, -(post.sentiment or 0.0))
        e = post.engagement or {}
        st.engagement += e.get("likes", 0) + 2 * e.get("comments", 0) + 3 * e.get("reposts", 0)
        st.weight_sum += self.source_weights.get(post.source_id, 1.0)
        st.times.append(t)
        while st.times and ev.last_seen - st.times[0] > 2 * self.growth:
            st.times.popleft()
        self._summarise(st)
        topics = self._topics(ev)
        for topic in ({post.category} | set(post.focus)) - {None}:
            self.baselines.add(topic, t)
        recent = sum(1 for x in st.times if abs(t - x) < self.settings.burst.bucket)
        ev.burst = recent >= self.settings.burst.min_event_posts and any(
            self.baselines.surging(tp, t) for tp in topics
        )
        ev.hotness = self.hotness(st)
        self._events.move_to_end(ev.id)
        self.dirty.add(ev.id)

    @staticmethod
    def _topics(ev: Event) -> list[str]:
        return ([ev.category] if ev.category else []) + list(ev.focus)

    def _summarise(self, st: _State) -> None:
        ev = st.event
        ev.keywords = self._top_terms(st)[: self.settings.keywords]
        ev.category = st.category.most_common(1)[0][0] if st.category else None
        ev.focus = sorted(t for t, c in st.focus.items() if 2 * c >= ev.size)
        ev.region = st.region.most_common(1)[0][0] if st.region else None
        ev.negativity = round(st.neg_sum / max(ev.size, 1), 4)

    def hotness(self, st: _State) -> float:
        """0…100; see docs/nlp.md for the formula."""
        ev, w = st.event, self.settings.hotness
        last = ev.last_seen
        recent = sum(1 for x in st.times if last - x <= self.growth)
        previous = len(st.times) - recent
        growth = recent / max(previous, 1)
        raw = (
            w.volume * math.log1p(ev.size)
            + w.growth * math.log1p(growth)
            + w.sources * math.log(max(len(ev.sources), 1))
            + w.channels * max(len(ev.channels) - 1, 0)
            + w.engagement * math.log1p(st.engagement)
            + w.negativity * (ev.negativity or 0.0)
            + w.source_weight * (st.weight_sum / max(ev.size, 1) - 1.0)
        )
        return round(100.0 * (1.0 - math.exp(-max(raw, 0.0) / w.scale)), 2)

    # ------------------------------------------------------------------ bounded state
    def _top_terms(self, st: _State) -> list[str]:
        n = self.settings.events.centroid_terms
        return [k for k, _ in sorted(st.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]

    def _reindex(self, st: _State, before: set[str]) -> None:
        after = set(self._top_terms(st))
        for term in before - after:
            ids = self._index.get(term)
            if ids:
                ids.discard(st.event.id)
                if not ids:
                    del self._index[term]
        for term in after - before:
            self._index.setdefault(term, set()).add(st.event.id)

    def _tick(self, t: datetime) -> None:
        if self._clock is None or t > self._clock:
            self._clock = t

    def _drop(self, eid: str) -> None:
        st = self._events.pop(eid)
        if eid in self.dirty:
            self.sink.upsert_event(st.event)
            self.dirty.discard(eid)
        self._reindex_remove(st)

    def _reindex_remove(self, st: _State) -> None:
        for term in self._top_terms(st):
            ids = self._index.get(term)
            if ids:
                ids.discard(st.event.id)
                if not ids:
                    del self._index[term]

    def _trim(self) -> None:
        es = self.settings.events
        while len(self._events) > es.max_events:
            self._drop(next(iter(self._events)))
        while self._clock is not None and self._events:  # least recently updated first
            eid, st = next(iter(self._events.items()))
            if st.event.last_seen is None or self._clock - st.event.last_seen <= self.window:
                break
            self._drop(eid)
        tracked = self._post_event
        while len(tracked) > es.max_tracked_posts:
            tracked.popitem(last=False)
        if self._clock is not None:  # oldest first (insertion ≈ time order)
            horizon = self._clock - self.track_window
            while tracked and next(iter(tracked.values()))[1] < horizon:
                tracked.popitem(last=False)
