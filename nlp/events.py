"""Per-post event assignment, hot index and burst detection, with bounded in-memory state.

A post joins the most similar *active* event — cosine of its keyword vector (plus its anchors,
``@place``) to the event's centroid ≥ ``events.similarity``, the event's last post at most
``events.gap`` before it (an issue lives as long as people keep raising it), and no conflict of
places (:func:`yuqing.nlp.anchors.anchor_conflict`: the same problem at another estate is
another issue) nor, without a shared site, of regions
(:func:`yuqing.nlp.gazetteer.regions_differ`: the same problem in another county) — or starts a
new one; a repost joins the event of the post it copies unless it is about another region (and
an earlier copy found after its reposts — an archive crawled out of order — joins theirs). A
surge of complaints about one site told in everyday words shares few words but its site: an event
that began at most ``events.site_window`` from the post and names every site the post names
(a site, not a road or a district: :func:`yuqing.nlp.anchors.is_site`) takes it from
``events.site_similarity`` on. Events
are written through an :class:`EventSink` (the storage layer, or :class:`InMemoryEventSink`).
The nightly consolidation (:mod:`yuqing.nlp.consolidate`) re-clusters whole periods and
merges fragments. Formulas: docs/nlp.md.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice, repeat
from operator import itemgetter, mul
from typing import Protocol, runtime_checkable

import numpy as np

from yuqing.hotindex import HotIndexWeights, HotInputs, hot_index, signal_of
from yuqing.models import Event, Post, post_place, post_time
from yuqing.nlp.anchors import MIN_MATCH, anchor_conflict, anchors_match, is_site
from yuqing.nlp.centroids import CentroidIndex, sum_squares
from yuqing.nlp.gazetteer import region_keys, regions_differ
from yuqing.nlp.settings import NLPSettings

__all__ = [
    "EventSink",
    "InMemoryEventSink",
    "EventTracker",
    "TopicBaselines",
    "SiteIndex",
    "event_id_for",
    "EventSample",
    "Changes",
    "sample_due",
    "sample_key",
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


class SiteIndex:
    """Events that began recently, by the sites they name: which of them can a post naming a
    site match (:func:`yuqing.nlp.anchors.anchors_match`: equal, or one contains the other)?
    Every site is indexed whole and by its pairs of adjacent characters: the events naming a
    site that holds the looked-up one are those of the indexed sites holding the looked-up
    one's rarest pair that hold it whole; the events naming a site the looked-up one holds
    are a handful of dictionary reads (its substrings of ``MIN_MATCH`` characters or more).
    Events leave when they began too long ago."""

    def __init__(self) -> None:
        self._exact: dict[str, set[str]] = {}  # site -> events naming it
        self._pairs: dict[str, set[str]] = {}  # two adjacent characters -> sites holding them
        self._keys: dict[str, set[str]] = {}  # event -> its indexed sites
        self._order: deque[tuple[datetime, str]] = deque()  # (first post time, event)

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, event_id: str, anchors: Iterable[str], began: datetime) -> None:
        keys = self._keys.get(event_id)
        if keys is None:
            keys = self._keys[event_id] = set()
            self._order.append((began, event_id))
        for a in anchors:
            if a in keys or not is_site(a):
                continue
            keys.add(a)
            ids = self._exact.get(a)
            if ids is None:
                ids = self._exact[a] = set()
                pairs = self._pairs
                for i in range(len(a) - 1):
                    u = a[i : i + 2]
                    held = pairs.get(u)
                    if held is None:
                        pairs[u] = {a}
                    else:
                        held.add(a)
            ids.add(event_id)

    def find(self, site: str) -> set[str]:
        """Events naming a site that matches ``site``."""
        exact = self._exact
        out: set[str] = set()
        if len(site) >= MIN_MATCH:  # sites holding it (MIN_MATCH = 2: a pair at least)
            pairs = self._pairs
            rarest = min((pairs.get(site[i : i + 2], ()) for i in range(len(site) - 1)), key=len)
            for a in rarest:
                if site in a:
                    out.update(exact[a])
        for u in _pieces(site):  # sites it holds (itself included)
            ids = exact.get(u)
            if ids:
                out.update(ids)
        return out

    def remove(self, event_id: str) -> None:
        for a in self._keys.pop(event_id, ()):
            ids = self._exact.get(a)
            if ids is None:
                continue
            ids.discard(event_id)
            if ids:
                continue
            del self._exact[a]
            for i in range(len(a) - 1):
                held = self._pairs.get(a[i : i + 2])
                if held is not None:
                    held.discard(a)
                    if not held:
                        del self._pairs[a[i : i + 2]]

    def expire(self, before: datetime) -> None:
        """Forget events whose first post is before ``before`` (insertion ≈ time order)."""
        while self._order and self._order[0][0] < before:
            self.remove(self._order.popleft()[1])


def _pieces(name: str) -> list[str]:
    """``name`` and its substrings of at least MIN_MATCH characters."""
    n = len(name)
    return [name[i:j] for i in range(n) for j in range(i + MIN_MATCH, n + 1)] or [name]


@dataclass
class _State:
    event: Event
    centroid: dict[str, float] = field(default_factory=dict)
    times: deque = field(default_factory=deque)  # post times within the growth windows
    category: Counter = field(default_factory=Counter)
    focus: Counter = field(default_factory=Counter)
    region: Counter = field(default_factory=Counter)
    #: the regions its posts name, per level (nlp/gazetteer.region_keys: province, prefecture,
    #: county), with how many posts name each
    areas: tuple = field(default_factory=lambda: (Counter(), Counter(), Counter()))
    sources: Counter = field(default_factory=Counter)
    neg_sum: float = 0.0
    engagement: int = 0
    weight_sum: float = 0.0
    authors: set = field(default_factory=set)
    anchors: Counter = field(default_factory=Counter)
    recent: deque = field(default_factory=deque)  # (time, author) within hot peak_days
    recent_authors: Counter = field(default_factory=Counter)
    peak: int = 0
    norm: float = 1.0  # of the centroid
    top: list[str] | None = None  # the centroid's top terms (None: recompute after a change)
    first_post_time: datetime | None = None
    # the event's pooled focus evidence (NLPStage._share_focus): all its posts', and per
    # topic those of the posts that carry the topic on their own evidence; the topics the
    # rest show together (None: recompute after a change)
    pool: FocusPool = field(default_factory=lambda: FocusPool())
    carriers: dict = field(default_factory=dict)  # topic -> FocusPool
    pooled: dict = field(default_factory=dict)  # topic -> shown by the rest (cleared on change)
    # a bounded sample of its posts' text, for its category probabilities (EventSample)
    sample: EventSample = field(default_factory=lambda: EventSample())
    # retroactive sharing (nlp/retro.py): the topics the event shares now, the last pooled
    # decision per witnessed topic, and per topic that left the shared set the members that
    # arrived without it since (None: more than can be held — every member is looked up)
    shared: set = field(default_factory=set)
    decided: dict = field(default_factory=dict)
    missed: dict = field(default_factory=dict)

    def add_pool(
        self,
        tokens: Iterable[str],
        cat: dict[str, float],
        own: Iterable[str],
        text: tuple[str, str, int] | None = None,
    ) -> None:
        """One post's focus evidence (``own``: the topics it carries on its own evidence;
        ``text``: (post id, its normalized opening, sample size) for the text sample)."""
        own = list(own)
        self.pool.add(tokens, cat)
        for t in own:
            self.carriers.setdefault(t, FocusPool()).add(tokens, cat)
        if text is not None:
            self.sample.add(text[0], text[1], own, text[2])
        self.pooled = {}

    def places(self) -> list[str]:
        """The event's places: anchors named by at least a third of its posts."""
        need = max(1, self.event.size // 3)
        return [a for a, c in self.anchors.most_common(3) if c >= need]

    def regions(self) -> tuple[frozenset[str], ...]:
        """The event's regions per level: those named by at least a third of its posts (a
        region one post names in passing is not where the event is)."""
        need = max(1, self.event.size // 3)
        return tuple(frozenset(k for k, c in level.items() if c >= need) for level in self.areas)


#: words kept in a pool of focus evidence (FocusPool.bag)
POOL_TERMS = 300
#: marks an anchor's feature in a centroid (``@`` + place): matched like a word, never shown as
#: one of the event's keywords (no token starts with it: jieba keeps ``@`` apart)
PLACE_MARK = "@"


@dataclass
class FocusPool:
    """Posts' focus evidence added up: their content words the focus model knows (at most
    about 2·POOL_TERMS: beyond that the POOL_TERMS most frequent are kept, ties by the word),
    the sum of their category probabilities and how many posts."""

    bag: Counter = field(default_factory=Counter)
    cat_sum: dict = field(default_factory=dict)
    n: int = 0

    def add(self, tokens: Iterable[str], cat: dict[str, float]) -> None:
        self.bag.update(tokens)
        if len(self.bag) > 2 * POOL_TERMS:
            keep = sorted(self.bag.items(), key=lambda kv: (-kv[1], kv[0]))[:POOL_TERMS]
            self.bag = Counter(dict(keep))
        for k, v in cat.items():
            self.cat_sum[k] = self.cat_sum.get(k, 0.0) + v
        self.n += 1

    def mean_category(self) -> tuple[list[str], np.ndarray]:
        """The posts' mean category probabilities: (labels, values in that order)."""
        labels = sorted(self.cat_sum)
        return labels, np.array([self.cat_sum[k] / max(self.n, 1) for k in labels])

    def without(self, other: FocusPool | None) -> FocusPool:
        """This pool less ``other``'s posts (a part of it)."""
        if other is None:
            return self
        cat = {k: v - other.cat_sum.get(k, 0.0) for k, v in self.cat_sum.items()}
        return FocusPool(self.bag - other.bag, cat, self.n - other.n)


@dataclass
class EventSample:
    """A bounded, deterministic sample of an event's text: the openings of at most ``k`` of
    its posts — those whose ids hash lowest (a bottom-k sketch: the same posts whatever order
    they arrive in, so a rebuild from the store picks what the live tracker picked) — with the
    topics each carries on its own evidence. The event's category probabilities are the
    category classifier's on the joined sample (all of it, or the posts lacking a topic),
    cached per :func:`sample_due` step: recomputed at 1, 2, 3, 4, 6, 8, 12, 16, … posts, not at
    every post."""

    items: list = field(default_factory=list)  # (key, opening, own topics), by key
    cache: dict = field(default_factory=dict)  # lacking topic ("" = all) -> (step, proba)

    def add(self, post_id: str, text: str, own: Iterable[str], k: int) -> None:
        key = sample_key(post_id)
        items = self.items
        if len(items) >= k and key >= items[-1][0]:
            return
        if any(it[0] == key for it in items):
            return  # the same post again
        items.append((key, text, tuple(sorted(own))))
        items.sort(key=itemgetter(0))
        del items[k:]

    def texts(self, lacking: str = "") -> list[str]:
        """The sampled openings, of posts not carrying ``lacking`` if given."""
        return [text for _, text, own in self.items if not lacking or lacking not in own]


def sample_key(post_id: str) -> int:
    """A post's place in the bottom-k sample (a stable hash of its id, not Python's)."""
    return int.from_bytes(hashlib.blake2b(post_id.encode(), digest_size=8).digest(), "big")


def sample_due(n: int) -> int:
    """The last step at or below ``n`` posts at which an event's sample category is
    recomputed: 1, 2, 3, 4, 6, 8, 12, 16, 24, … (powers of two and three times them), so an
    event of n posts is classified about 2·log2(n) times in its life."""
    if n < 1:
        return 0
    p = 1 << (n.bit_length() - 1)
    return 3 * p // 2 if p >= 2 and n >= 3 * p // 2 else p


@dataclass
class Changes:
    """What changed in an :class:`EventTracker` since its state was last saved or restored,
    so the save (nlp/state.py) writes only that. ``token`` names the saved state these
    changes follow (None: none — the next save writes everything).

    Events enter the tracker's recency order at its end (new, revived, or moved by a post),
    so those in ``moved`` are its last ``len(moved)`` events; the others keep their order.
    New posts of the post → event map are likewise its last entries, and entries leave it
    from the front only."""

    token: str | None = None
    moved: set[str] = field(default_factory=set)  # events put at the end of the order
    touched: set[str] = field(default_factory=set)  # states handed out (``held``): may change
    dropped: set[str] = field(default_factory=set)  # events no longer held
    posts: set[str] = field(default_factory=set)  # post ids new in the post → event map
    posts_changed: set[str] = field(default_factory=set)  # entries rewritten in place


def _normed(vec: dict[str, float]) -> dict[str, float]:
    n = math.sqrt(sum_squares(vec)) or 1.0
    return {k: v / n for k, v in vec.items()}


class EventTracker:
    """Assign posts to events; keep recent events, their centroids and topic baselines."""

    #: the latest arrival tracked (a class default: snapshots saved before it existed)
    _arrived: datetime | None = None

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
        self.window = es.gap  # an event is active this long after its last post
        self.weights = HotIndexWeights.from_settings(self.settings.hotness)
        self.peak_span = timedelta(days=self.weights.peak_days)
        self.growth = es.growth_window
        self.baselines = TopicBaselines(
            int(bs.bucket.total_seconds()), int(bs.baseline.total_seconds()), bs.k, bs.min_posts
        )
        self._events: OrderedDict[str, _State] = OrderedDict()  # least recently updated first
        # the events' top centroid terms, for candidate search (nlp/centroids.py)
        self._index = CentroidIndex(self.settings.events.centroid_terms)
        # events that began within site_window, by the sites they name (the surge rule)
        self._sites = SiteIndex()
        self.site_window = self.settings.events.site_window
        # post id -> (event id, arrival), oldest first: kept while a later post can still name
        # it (re-processing, or a copy's duplicate_of: the duplicate index keeps posts for
        # dedup.window after they *arrived*, i.e. were collected — an archive collected today
        # is in it whatever its publish dates) — and ≤ max_tracked_posts
        self._post_event: OrderedDict[str, tuple[str, datetime]] = OrderedDict()
        self.track_window = self.settings.dedup.window
        self._clock: datetime | None = None
        self._arrived = None
        self.dirty: set[str] = set()
        #: what changed since the state was saved or restored (nlp/state.py)
        self.changes = Changes()

    # ------------------------------------------------------------------ public
    def assign(
        self,
        post: Post,
        vector: dict[str, float],
        *,
        flush: bool = True,
        pool: tuple | None = None,
        copies: Sequence[str] = (),
    ) -> Event:
        """Put ``post`` into an event (``vector``: keyword → weight); return the event.
        ``pool``: the post's focus evidence for the event's pool (its content words the focus
        model knows, its category probabilities by label, and optionally its normalized text
        for the event's text sample, or None), if focus is pooled. ``copies``: ids of posts
        processed earlier that the duplicate index now points at this one (it is the earlier
        copy, found later: an archive crawled out of order) — it joins their event, as a copy
        joins its original's."""
        t = post_time(post)
        self._tick(t)
        known = self._post_event.get(post.id)
        if known is not None and known[0] in self._events:
            return self._events[known[0]].event  # re-processing: idempotent
        vec = self._vector(post, vector)
        areas = region_keys(post.regions_mentioned)
        st = self._event_of_duplicate(post, t, copies)
        if st is not None and regions_differ(areas, st.regions()):
            st = None  # a copy of a text about another county (a template): not a repost
        st = st or self._best_match(vec, t, post.anchors or [], areas)
        if st is None:
            st = self._new_event(post, t)
        self._add(st, post, vec, t)
        if pool is not None:
            st.add_pool(pool[0], pool[1], own_focus(post), self._sample_input(post, pool))
        self._track(post.id, st.event.id, _arrival(post, t), known is None)
        self._trim()
        if flush:
            self.flush()
        return st.event

    def _track(self, post_id: str, event_id: str, arrived: datetime, new: bool) -> None:
        self._remember(post_id, event_id, arrived)
        if new:
            self.changes.posts.add(post_id)
        else:  # rewritten in place (its event was no longer held): it keeps its position
            self.changes.posts_changed.add(post_id)

    def _remember(self, post_id: str, event_id: str, arrived: datetime) -> None:
        self._post_event[post_id] = (event_id, arrived)
        if self._arrived is None or arrived > self._arrived:
            self._arrived = arrived

    def flush(self) -> None:
        """Write every event changed since the last flush to the sink (in one transaction
        where the sink has them: ``Store.writes``)."""
        with getattr(self.sink, "writes", nullcontext)():
            for eid in sorted(self.dirty):
                st = self._events.get(eid)
                if st is not None:
                    self.sink.upsert_event(st.event)
        self.dirty.clear()

    def warm(self, events: Iterable[Event], posts: Iterable[Post], vectorize, pool_of=None) -> None:
        """Rebuild recent state from stored events and posts (``vectorize(post) -> vector``;
        ``pool_of(post)``: its focus evidence as for :meth:`assign`, or None).

        Each event starts from its stored record (size, post ids, counts are kept: the replayed
        posts may be only its most recent ones) and its keywords and places; the replayed posts
        sharpen its centroid and its recent authors. Nothing is written."""
        for ev in sorted(events, key=lambda e: (e.last_seen or datetime.min, e.id)):
            if not ev.size:
                continue
            restored = _State(Event.from_dict(ev.to_dict()))
            self._events[ev.id] = restored
            self._seed(restored)
        for post in sorted(posts, key=post_time):
            st = self._events.get(post.event_id or "")
            if st is None:
                continue
            t = post_time(post)
            self._tick(t)
            self._replay(st, post, self._vector(post, vectorize(post)), t)
            pool = pool_of(post) if pool_of is not None else None
            if pool is not None:
                st.add_pool(pool[0], pool[1], own_focus(post), self._sample_input(post, pool))
            self._remember(post.id, st.event.id, _arrival(post, t))
        self._trim()
        self.dirty.clear()
        self.changes = Changes()  # rebuilt: the next save writes everything

    def _sample_input(self, post: Post, pool: tuple) -> tuple[str, str, int] | None:
        """(post id, opening, sample size) for the event's text sample, when the post's
        focus evidence carries its normalized text (a third element) and sampling is on."""
        es = self.settings.events
        if len(pool) < 3 or pool[2] is None or es.sample_posts < 1:
            return None
        return post.id, pool[2][: es.sample_chars], es.sample_posts

    def _replay(self, st: _State, post: Post, vec: dict[str, float], t: datetime) -> None:
        """A stored post of a warmed event: centroid and recent authors only (already counted)."""
        before = set(self._top_terms(st))
        for k, w in vec.items():
            st.centroid[k] = st.centroid.get(k, 0.0) + w
        st.top = None
        st.norm = math.sqrt(sum_squares(st.centroid)) or 1.0
        self._reindex(st, before)
        sig = signal_of(post, t, self.source_weights.get(post.source_id, 1.0))
        if sig.person:
            st.recent.append((t, sig.author))
            st.recent_authors[sig.author] += 1
        st.times.append(t)
        _add_areas(st, post)

    def _vector(self, post: Post, vector: dict[str, float]) -> dict[str, float]:
        """Top ``post_terms`` keyword weights plus ``@place`` features, L2-normalised."""
        n = self.settings.events.post_terms
        items: Iterable[tuple[str, float]] = vector.items()
        if len(vector) > n > 0:  # sort only what can be in the top n (the sort is stable)
            cut = sorted(vector.values(), reverse=True)[n - 1]  # the n-th largest (in C)
            items = [kv for kv in items if kv[1] >= cut]
        top = dict(sorted(items, key=itemgetter(1), reverse=True)[:n])
        w = self.settings.events.anchor_weight * (max(top.values()) if top else 1.0)
        for a in (post.anchors or [])[:2]:
            top[PLACE_MARK + a] = w
        return _normed(top)

    def _seed(self, st: _State) -> None:
        """State of an event known only from its stored record (revived or warmed): centroid
        from its keywords and places, counts from its summary fields."""
        ev = st.event
        n = max(ev.size, 1)
        st.centroid = {k: 1.0 for k in ev.keywords}
        st.top = None
        for a in ev.anchors:
            st.centroid[PLACE_MARK + a] = 1.0
            st.anchors[a] = n
        st.authors = set(f"#{i}" for i in range(ev.authors or 0))
        if ev.category:
            st.category[ev.category] = n
        for f in ev.focus:
            st.focus[f] = n
        if ev.size >= self.settings.focus_share_min_event:  # its members took these
            st.shared = set(ev.focus).intersection(self.settings.focus_share_retro)
        if ev.region:
            st.region[ev.region] = n
        st.neg_sum = (ev.negativity or 0.0) * n
        st.engagement = ev.likes + ev.dislikes
        st.weight_sum = float(n)
        st.norm = math.sqrt(len(st.centroid)) or 1.0
        self._reindex(st, set())
        if ev.anchors and ev.first_seen is not None and self._recent(ev.first_seen):
            self._sites.add(ev.id, ev.anchors, ev.first_seen)

    def _recent(self, began: datetime) -> bool:
        """An event that began then is within site_window of the newest post."""
        return self._clock is None or self._clock - began <= self.site_window

    def stats(self) -> dict[str, int]:
        return {
            "events": len(self._events),
            "index_terms": self._index.terms(),
            "tracked_posts": len(self._post_event),
            "site_events": len(self._sites),
            "baseline_cells": len(self.baselines),
        }

    def held(self, event_id: str) -> _State | None:
        """The in-memory state of an event (its pooled focus evidence), if it is held; the
        caller may change it (it is saved again)."""
        st = self._events.get(event_id)
        if st is not None:
            self.changes.touched.add(event_id)
        return st

    def get(self, event_id: str) -> Event | None:
        st = self._events.get(event_id)
        return st.event if st else self.sink.get_event(event_id)

    # ------------------------------------------------------------------ matching
    def _event_of_duplicate(
        self, post: Post, t: datetime, copies: Sequence[str] = ()
    ) -> _State | None:
        """The event of the post ``post`` copies (or of its ``copies``), when that event's span
        is within ``dedup.window`` of ``t`` (a repost follows within days; the same text months
        on is matched like any other post)."""
        known = None
        for pid in [post.duplicate_of] if post.duplicate_of else copies:
            known = self._post_event.get(pid)
            if known is not None:
                break
        if known is None:
            return None
        eid = known[0]
        st = self._events.get(eid)
        if st is None:  # evicted from memory: revive from the sink
            stored = self.sink.get_event(eid)
            if stored is None or not self._near_in_time(stored, t):
                return None
            st = _State(stored)
            self._events[eid] = st
            self.changes.moved.add(eid)
            self._seed(st)
        return st if self._near_in_time(st.event, t) else None

    def _near_in_time(self, event: Event, t: datetime) -> bool:
        first, last = event.first_seen, event.last_seen
        return (first is None or t >= first - self.track_window) and (
            last is None or t <= last + self.track_window
        )

    def _best_match(
        self,
        vec: dict[str, float],
        t: datetime,
        anchors: list[str],
        areas: tuple[frozenset[str], ...] = (),
    ) -> _State | None:
        # Candidates share an indexed term with the post; the index leaves out those whose
        # score cannot reach the threshold (thousands once the window fills), and the rest
        # are scored exactly (the dot product in C). A surge told in everyday words shares
        # few words, only its site: an event that began at most site_window from the post
        # and names every site the post names (anchors.is_site: not a road or a district)
        # needs only site_similarity (the site rule; its candidates come from the site index).
        es = self.settings.events
        best, best_sim = None, 0.0
        window, terms, weights = self.window, list(vec), list(vec.values())
        t_lo, t_hi = _shifted(t, -window), _shifted(t, window)  # None: beyond the calendar
        sites = [a for a in anchors[:3] if is_site(a)]
        candidates = self._index.candidates(vec, es.similarity)
        if sites:
            s_lo, s_hi = _shifted(t, -self.site_window), _shifted(t, self.site_window)
            near = {e for a in sites for e in self._sites.find(a)}
            near = {e for e in near if _began_near(self._events[e].event, s_lo, s_hi)}
            candidates = sorted(near.union(candidates)) if near else candidates
        else:
            near = set()
        for eid in candidates:
            st = self._events[eid]
            ev = st.event
            if (
                ev.last_seen
                and ev.first_seen
                and (
                    (t_lo is not None and ev.last_seen < t_lo)  # t − last_seen > window
                    or (t_hi is not None and ev.first_seen > t_hi)  # first_seen − t > window
                )
            ):
                continue  # inactive: no post within the gap
            c = st.centroid
            sim = sum(map(mul, weights, map(c.get, terms, repeat(0.0)))) / st.norm
            if sim < best_sim or (sim == best_sim and best is not None and eid > best.event.id):
                continue  # ties go to the smaller id: the result does not depend on set order
            if sim < es.similarity and (eid not in near or sim < es.site_similarity):
                continue
            places = st.places() if anchors else []
            if anchors and anchor_conflict(anchors, places):
                continue  # the same problem at another place
            if (
                areas
                and not (places and any(anchors_match(a, b) for a in sites for b in places))
                and regions_differ(areas, st.regions())
            ):
                continue  # the same problem in another county (city, province), no shared site
            if sim < es.similarity and not _names_only(st, sites):
                continue  # below the threshold, and the post names a site the event does not
            best, best_sim = st, sim
        return best

    def _new_event(self, post: Post, t: datetime) -> _State:
        ev = Event(
            id=event_id_for(post.id), title=post.title or post.text[:40], first_seen=t, last_seen=t
        )
        st = _State(ev)
        self._events[ev.id] = st
        self.changes.moved.add(ev.id)
        return st

    # ------------------------------------------------------------------ updating
    def _add(self, st: _State, post: Post, vec: dict[str, float], t: datetime) -> None:
        ev, es = st.event, self.settings.events
        for k, w in vec.items():
            st.centroid[k] = st.centroid.get(k, 0.0) + w
        if len(st.centroid) > es.centroid_terms * 2:
            keep = sorted(st.centroid.items(), key=lambda kv: -kv[1])[: es.centroid_terms]
            st.centroid = dict(keep)
        st.norm = math.sqrt(sum_squares(st.centroid)) or 1.0
        self._reindex(st)
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
        reg = post_region(post)
        if reg:
            st.region[reg] += 1
        _add_areas(st, post)
        st.neg_sum += max(0.0, -(post.sentiment or 0.0))
        sig = signal_of(post, t, self.source_weights.get(post.source_id, 1.0))
        st.weight_sum += sig.weight
        st.engagement += sig.engagement
        if sig.person or not st.authors:  # an anonymous copy names nobody new
            st.authors.add(sig.author)
        for a in dict.fromkeys(post.anchors or []):
            st.anchors[a] += 1
        if post.anchors and ev.first_seen is not None and self._recent(ev.first_seen):
            self._sites.add(ev.id, post.anchors, ev.first_seen)
        if post.anchors and not ev.anchors:
            ev.anchors = list(post.anchors[:3])
        if sig.person:
            st.recent.append((t, sig.author))
            st.recent_authors[sig.author] += 1
        while st.recent and t - st.recent[0][0] > self.peak_span:
            _, gone = st.recent.popleft()
            st.recent_authors[gone] -= 1
            if not st.recent_authors[gone]:
                del st.recent_authors[gone]
        st.peak = max(st.peak, len(st.recent_authors))
        st.times.append(t)
        while st.times and ev.last_seen - st.times[0] > 2 * self.growth:
            st.times.popleft()
        self._summarise(st)
        topics = self._topics(ev)
        for topic in {post.category, *post.focus}:
            if topic is not None:
                self.baselines.add(topic, t)
        recent = sum(1 for x in st.times if abs(t - x) < self.settings.burst.bucket)
        ev.burst = recent >= self.settings.burst.min_event_posts and any(
            self.baselines.surging(tp, t) for tp in topics
        )
        ev.hotness = self.hotness(st)
        ev.authors = len(st.authors)
        e = post.engagement or {}
        ev.likes += int(e.get("likes", 0))
        ev.dislikes += int(e.get("dislikes", 0))
        day = t.date().isoformat()
        if ev.hot_history and ev.hot_history[-1][0] == day:
            ev.hot_history[-1][1] = ev.hotness
        elif not ev.hot_history or ev.hot_history[-1][0] < day:
            ev.hot_history.append([day, ev.hotness])
            del ev.hot_history[:-400]
        self._events.move_to_end(ev.id)
        self.changes.moved.add(ev.id)
        self.dirty.add(ev.id)

    @staticmethod
    def _topics(ev: Event) -> list[str]:
        return ([ev.category] if ev.category else []) + list(ev.focus)

    def _summarise(self, st: _State) -> None:
        ev = st.event
        words = (t for t in self._top_terms(st) if not t.startswith(PLACE_MARK))
        ev.keywords = list(islice(words, self.settings.keywords))  # places are ev.anchors
        ev.category = st.category.most_common(1)[0][0] if st.category else None
        ev.focus = sorted(t for t, c in st.focus.items() if 2 * c >= ev.size)
        ev.region = st.region.most_common(1)[0][0] if st.region else None
        ev.negativity = round(st.neg_sum / max(ev.size, 1), 4)
        if st.anchors:
            ev.anchors = st.places() or ev.anchors

    def hotness(self, st: _State) -> float:
        """The hot index (热度指数, 0…100, :mod:`yuqing.hotindex`) from running counts."""
        ev = st.event
        x = HotInputs(
            authors=len(st.authors),
            messages=ev.size,
            engagement=st.engagement,
            peak=st.peak,
            sources=len(ev.sources),
            negativity=ev.negativity or 0.0,
            weight=st.weight_sum / max(ev.size, 1),
        )
        return hot_index(x, self.weights, components=False)

    # ------------------------------------------------------------------ bounded state
    def _top_terms(self, st: _State) -> list[str]:
        """The centroid's ``centroid_terms`` strongest terms (cached until it changes)."""
        if st.top is None:
            n = self.settings.events.centroid_terms
            ranked = sorted(st.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
            st.top = [k for k, _ in ranked]
        return st.top

    def _reindex(self, st: _State, before: set[str] | None = None) -> None:
        """After the centroid changed (``before``: unused, kept for callers). The index keeps
        the same ``centroid_terms`` strongest terms as :meth:`_top_terms`: its ranking is the
        event's top terms (one sort per change)."""
        top = self._index.update(st.event.id, st.centroid)
        st.top = top if self._index.top == self.settings.events.centroid_terms else None

    def _tick(self, t: datetime) -> None:
        if self._clock is None or t > self._clock:
            self._clock = t

    def _drop(self, eid: str) -> None:
        st = self._events.pop(eid)
        self.changes.dropped.add(eid)
        if eid in self.dirty:
            self.sink.upsert_event(st.event)
            self.dirty.discard(eid)
        self._reindex_remove(st)
        self._sites.remove(eid)

    def _reindex_remove(self, st: _State) -> None:
        self._index.remove(st.event.id)

    def _trim(self) -> None:
        es = self.settings.events
        while len(self._events) > es.max_events:
            self._drop(next(iter(self._events)))
        while self._clock is not None and self._events:  # least recently updated first
            eid, st = next(iter(self._events.items()))
            if st.event.last_seen is None or self._clock - st.event.last_seen <= self.window:
                break
            self._drop(eid)
        if self._clock is not None:
            start = _shifted(self._clock, -self.site_window)
            if start is not None:
                self._sites.expire(start)
        tracked = self._post_event
        while len(tracked) > es.max_tracked_posts:
            tracked.popitem(last=False)
        if self._arrived is not None:  # oldest first (insertion ≈ arrival order)
            horizon = self._arrived - self.track_window
            while tracked and next(iter(tracked.values()))[1] < horizon:
                tracked.popitem(last=False)


def _arrival(post: Post, t: datetime) -> datetime:
    """When ``post`` was collected (its post time ``t`` when that is unknown)."""
    return post.crawled_at or t


def post_region(post: Post) -> str | None:
    """Where a post is about, for its event: its place (:func:`yuqing.models.post_place`, what
    the digest's 地区 and the aggregates count — the most specific place it names, a township
    with its county in front, else its source's region), so an event about 白水洋镇 on a
    临海市 board is 临海市白水洋镇's and its alerts reach the township's units first."""
    return post_place(post)


def _add_areas(st: _State, post: Post) -> None:
    if post.regions_mentioned:
        for have, new in zip(st.areas, region_keys(post.regions_mentioned), strict=True):
            have.update(new)  # each region once per post


def own_focus(post: Post) -> list[str]:
    """The topics a post carries on its own evidence (not shared from an event)."""
    ev = post.focus_evidence or {}
    return [t for t in post.focus if not any(e.startswith("event:") for e in ev.get(t, ()))]


def _names_only(st: _State, sites: list[str]) -> bool:
    """Every site the post names is a place of the event — named by a third of its posts,
    the forms of one name counted together (金桂园, 从金桂园) — and one of them names it in
    full: a post naming only a kind (加工厂) is not about the event's 石材加工厂."""
    need = max(1, st.event.size // 3)
    named = st.anchors.items()
    return (
        bool(sites)
        and all(sum(c for a, c in named if anchors_match(s, a)) >= need for s in sites)
        and any(a in s for s in sites for a, _ in named)
    )


def _began_near(ev: Event, lo: datetime | None, hi: datetime | None) -> bool:
    """The event's first post lies between ``lo`` and ``hi``: a group forming now."""
    if ev.first_seen is None:
        return False
    return (lo is None or ev.first_seen >= lo) and (hi is None or ev.first_seen <= hi)


def _shifted(t: datetime, by: timedelta) -> datetime | None:
    try:
        return t + by
    except OverflowError:
        return None
