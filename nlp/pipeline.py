"""The NLP stage facade the crawler pipeline calls: ``NLPStage.process(post) -> post``.

Per post: analysis (:class:`~yuqing.nlp.analyzer.PostAnalyzer`) → near-duplicate merge
(:class:`~yuqing.nlp.dedup.NearDuplicateIndex`) → event assignment
(:class:`~yuqing.nlp.events.EventTracker`, writing through an :class:`~yuqing.nlp.events.EventSink`).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from yuqing.models import Post, lean_post, post_time
from yuqing.nlp import state
from yuqing.nlp.analyzer import PostAnalyzer, _join
from yuqing.nlp.dedup import NearDuplicateIndex
from yuqing.nlp.events import (
    EventSink,
    EventTracker,
    InMemoryEventSink,
    sample_due,
    sample_key,
)
from yuqing.nlp.focus_model import ModelFocusTagger
from yuqing.nlp.keywords import code_fragments
from yuqing.nlp.normalize import normalize
from yuqing.nlp.retro import RetroShare, note, share
from yuqing.nlp.settings import NLPSettings

__all__ = ["NLPStage"]

log = logging.getLogger(__name__)

#: posts handed back lately that the caller may not have stored yet: a retroactive share
#: tags them in memory (the stored ones are tagged by the caller, nlp/retro.py)
RECENT_POSTS = 256


class NLPStage:
    def __init__(
        self,
        analyzer: PostAnalyzer,
        settings: NLPSettings | None = None,
        sink: EventSink | None = None,
        *,
        source_weights: dict[str, float] | None = None,
        state_path: Path | None = None,
    ):
        self.analyzer = analyzer
        self.settings = s = settings or NLPSettings()
        self.sink = sink if sink is not None else InMemoryEventSink()
        #: the crawl's persistent state (nlp/state.py); None keeps everything in memory
        self.state_path = state_path
        #: the store's change mark the snapshot on disk matches (it was restored or saved
        #: under it); a save under the same mark has nothing to write
        self._snapshot_mark: str | None = None
        #: how the last restore went ({"seconds", "replayed"}), for the crawl's report
        self.warm_up: dict[str, float | int | None] = {}
        #: the rows the last save wrote ({"events", "posts", "whole"}: nlp/state.py)
        self.last_save: dict[str, int] = {}
        self.dedup = NearDuplicateIndex(
            num_perm=s.dedup.num_perm,
            threshold=s.dedup.threshold,
            shingle=s.dedup.shingle,
            window_seconds=s.dedup.window.total_seconds(),
            max_items=s.dedup.max_items,
            path=state_path,
        )
        self.events = EventTracker(s, self.sink, source_weights=source_weights)
        #: (post id, new duplicate_of) for stored posts whose canonical copy changed because an
        #: earlier copy arrived later; the caller applies them (see drain_repointed)
        self._repointed: list[tuple[str, str]] = []
        #: focus topics events gained, for their earlier stored members (see drain_retro)
        self._retro: list[RetroShare] = []
        self._recent: deque[Post] = deque(maxlen=RECENT_POSTS)

    @classmethod
    def from_config(
        cls, cfg, sink: EventSink | None = None, *, model_path=None, state_path=None
    ) -> NLPStage:
        """Build from a loaded ``yuqing.config.Config`` (``cfg.settings.nlp`` if present)."""
        settings = getattr(cfg.settings, "nlp", None) or NLPSettings()
        analyzer = PostAnalyzer.from_config(cfg, model_path=model_path, settings=settings)
        weights = {src.id: src.weight for src in cfg.sources.sources}
        return cls(analyzer, settings, sink, source_weights=weights, state_path=state_path)

    # ------------------------------------------------------------------ processing
    def process(self, post: Post) -> Post:
        """Fill every NLP field of ``post`` and update its event through the sink."""
        return self.process_many([post])[0]

    def process_many(self, posts: Iterable[Post], analyses: list | None = None) -> list[Post]:
        """Like ``process`` for a batch (classified together; events flushed once).

        Within a batch, posts meet the duplicate index and the events in time order, so the
        earliest copy is canonical whatever order the crawler found them in. ``analyses``
        (from ``PostAnalyzer.analyze_texts`` run elsewhere, e.g. in a worker process) skips
        the per-post analysis here."""
        posts = list(posts)
        if not posts:
            return posts
        if analyses is None:
            analyses = self.analyzer.analyze_texts(
                [p.title or "" for p in posts], [p.text or "" for p in posts]
            )
        order = sorted(
            range(len(posts)), key=lambda i: (_key(post_time(posts[i])), _key(posts[i].crawled_at))
        )
        self.dedup.expect([p.id for p in posts])
        # the duplicate index, then the events, each over the whole batch (its tables stay in
        # the CPU cache); the index never reads the events, an event reads duplicate_of
        copies: dict[int, list[str]] = {}  # a post found to be the earlier copy of these
        for i in order:
            post, a = posts[i], analyses[i]
            self.analyzer.apply(post, a)
            dup = self.dedup.add(
                post.id, a.tokens, published_at=post.published_at, crawled_at=post.crawled_at
            )
            post.duplicate_of = dup.duplicate_of
            moved = [pid for pid in dup.repointed if pid != post.id]
            if moved:
                copies[i] = moved
                self._repointed.extend((pid, post.id) for pid in moved)
        done: list[Post] = []
        for i in order:
            post, a = posts[i], analyses[i]
            pool = self._pool_input(post, a.tokens, a.category_proba, a.focus_tokens, a.text)
            event = self.events.assign(
                post, a.keyword_weights, flush=False, pool=pool, copies=copies.get(i, ())
            )
            post.event_id = event.id
            gains = self._share_focus(post, event)
            if gains:
                self._share_back(gains, done)
            done.append(post)
        self._recent.extend(done)
        self.events.flush()
        self.dedup.commit()
        return posts

    def _share_focus(self, post: Post, event) -> list[RetroShare]:
        """A post of an event with ``focus_share_min_event`` posts or more takes

        * the focus topics at least half of the event's posts carry (``event.focus``, counted
          before this post's shared topics, so sharing never feeds itself), and
        * a topic some member carries on its own evidence (a *witness*) when the members that
          do not carry it show it together: the focus model on their *pooled* evidence (their
          content words added up, and the category classifier's probabilities on a sample of
          their joined text — :meth:`event_category`; the mean of their posts' probabilities
          without a sample) reaches the topic's threshold — residents' scattered everyday
          words add up, but the witness's own words do not count for the rest, and a topic
          nobody's own evidence shows is not invented;

        evidence ``event:<id>``. A pool is scored only when a witnessed topic is missing from
        the post, once per change of the event's pool. Returns the topics the event gained
        for its earlier members (those of ``nlp.focus_share_retro``, nlp/retro.py)."""
        s = self.settings
        if event.size < s.focus_share_min_event:
            return []
        shared = [t for t in event.focus if t not in post.focus]
        now = set(event.focus)  # what the event shares (with each member lacking it)
        st = self.events.held(event.id)
        tagger = self.analyzer.focus
        if (
            st is not None
            and st.pool.n >= s.focus_share_min_event
            and isinstance(tagger, ModelFocusTagger)
        ):
            for t in sorted(st.carriers):
                if t in now:
                    continue
                if t in post.focus:  # a witness: the others' pool is as it was
                    if st.decided.get(t):
                        now.add(t)
                    continue
                if t not in st.pooled:
                    rest = st.pool.without(st.carriers[t])
                    sampled = t in s.events.sample_topics and self.event_category(st, t)
                    labels, cat = sampled or rest.mean_category()
                    st.pooled[t] = rest.n > 0 and t in tagger.pooled(rest.bag, labels, cat)
                    st.decided[t] = st.pooled[t]
                if st.pooled[t]:
                    shared.append(t)
                    now.add(t)
        for t in shared:
            share(post, t, event.id)
        if not s.focus_share_retro or st is None:
            return []
        return note(st, post, now.intersection(s.focus_share_retro), s.events.max_post_ids)

    def _share_back(self, gains: list[RetroShare], batch: list[Post]) -> None:
        """Topics events gained: tag their members among the posts handed back lately (this
        batch's earlier posts, and the latest batches', which the caller may not have stored
        yet) and keep the gains for the stored members (:meth:`drain_retro`)."""
        for post in (*self._recent, *batch):
            for g in gains:
                if g.covers(post):
                    share(post, g.topic, g.event_id)
        self._retro.extend(gains)

    def event_category(self, st, lacking: str = "") -> tuple[list[str], np.ndarray] | None:
        """The category classifier's probabilities on the joined text sample of an event's
        posts (``st``: its tracker state; ``lacking``: only the posts not carrying that
        topic), recomputed when the event reaches the next :func:`sample_due` step; None
        without a sample."""
        texts = st.sample.texts(lacking)
        if not texts:
            return None
        step = sample_due(st.pool.n)
        cached = st.sample.cache.get(lacking)
        if cached is None or cached[0] != step:
            # the per-post analysis's path (its segmenter's tokens), not the classifier alone:
            # the classifier's own segmenter may be another backend, loaded for this only
            a = self.analyzer.analyze_text("\n".join(texts))
            cached = st.sample.cache[lacking] = (step, np.array(a.category_proba))
        return list(self.analyzer.classifier.labels), cached[1]

    def _pool_input(
        self,
        post: Post,
        tokens: Sequence[str],
        proba=None,
        known: list[str] | None = None,
        text: str | None = None,
    ) -> tuple[list[str], dict[str, float], str | None] | None:
        """A post's evidence for its event's focus pool: its content words the focus model
        knows (``known``: those words, when the analysis looked them up already), its
        category probabilities (``proba``, the classifier's; a post replayed from the store
        has only its category and score) and its normalized text (``text``, for the event's
        text sample; None: not sampled). None when focus is not a model, and for a copy of
        another post (it adds no new words)."""
        tagger = self.analyzer.focus
        if not isinstance(tagger, ModelFocusTagger) or post.duplicate_of:
            return None
        if known is None:
            vocab = tagger.model.vocab
            known = [t for t in tokens if t in vocab]
        if proba is not None:
            cat = dict(zip(self.analyzer.classifier.labels, map(float, proba), strict=True))
        else:
            cat = {post.category: float(post.category_score or 1.0)} if post.category else {}
        return known, cat, text

    def drain_repointed(self) -> list[tuple[str, str]]:
        """(post id, new duplicate_of) updates for already-stored posts; clears the list."""
        out, self._repointed = self._repointed, []
        return out

    def drain_retro(self) -> list[RetroShare]:
        """Focus topics events gained, for their members stored earlier (the caller tags
        those lacking it: :func:`yuqing.nlp.retro.apply_stored`); clears the list."""
        out, self._retro = self._retro, []
        return out

    # ------------------------------------------------------------------ state
    def restore(self, store, *, now: datetime | None = None) -> int | None:
        """The state the last crawl saved (:meth:`save`) when nothing changed the store
        since (returns None), else rebuilt from the store (:meth:`warm`; returns the number
        of posts replayed)."""
        if self.state_path is not None:
            mark = store.change_mark()
            if state.load(self.state_path, self.events, mark):
                self._snapshot_mark = mark
                return None
        return self.warm(store, now=now)

    def save(self, store) -> None:
        """Write pending events and keep the state for the next crawl (call after the
        crawl's last store write, ``store.flush()`` included)."""
        self.events.flush()
        self.dedup.commit()
        if self.state_path is not None:
            store.flush()
            mark = store.change_mark()
            if mark == self._snapshot_mark:  # nothing stored since: the snapshot is current
                return
            t0 = time.process_time()
            self.last_save = written = state.save(self.state_path, self.events, mark)
            self._snapshot_mark = mark
            log.info(
                "NLP state saved (%s): %d event and %d post rows written in %.2f s CPU",
                "whole" if written["whole"] else "what changed",
                written["events"],
                written["posts"],
                time.process_time() - t0,
            )

    def warm(self, store, *, now: datetime | None = None) -> int:
        """Rebuild duplicate index and recent events from storage (``iter_posts`` /
        ``iter_events`` with ``since``); returns the number of posts replayed."""
        s = self.settings
        since = (now - s.dedup.window) if now else None
        posts: list[Post] = []
        openings: dict[str, str] = {}  # post id -> its opening, for the events' samples
        chosen: dict[str, list[tuple[int, str]]] = {}  # event -> its sample (key, post id)
        for p in store.iter_posts(since=since):
            self._keep_opening(p, chosen, openings)
            posts.append(lean_post(p))
        # active events (last post within the gap) match on their stored keywords and places
        events = list(store.iter_events(since=(now - s.events.gap) if now else None))
        kw = self.analyzer.keywords
        for p in sorted(posts, key=lambda p: (_key(p.crawled_at), p.id)):
            if p.tokens:
                self.dedup.add(p.id, p.tokens, published_at=p.published_at, crawled_at=p.crawled_at)
        self.events.warm(
            events,
            posts,
            lambda p: kw.weights(p.tokens, code_fragments(p.tokens)),
            lambda p: self._pool_input(p, p.tokens, None, None, openings.get(p.id)),
        )
        return len(posts)

    def _keep_opening(
        self, post: Post, chosen: dict[str, list[tuple[int, str]]], openings: dict[str, str]
    ) -> None:
        """While replaying: keep ``post``'s normalized opening if it belongs to its event's
        text sample so far (the bottom-k rule of :class:`~yuqing.nlp.events.EventSample`,
        so the replay samples what the live tracker sampled among these posts); only the
        samples' openings are held."""
        es = self.settings.events
        k = es.sample_posts
        if k < 1 or not post.event_id or post.duplicate_of:
            return
        kept = chosen.setdefault(post.event_id, [])
        key = sample_key(post.id)
        if len(kept) >= k and key >= kept[-1][0]:
            return
        body = normalize((post.text or "")[: es.sample_chars + 1])
        openings[post.id] = _join(normalize(post.title or ""), body)[: es.sample_chars]
        kept.append((key, post.id))
        kept.sort()
        for _, gone in kept[k:]:
            openings.pop(gone, None)
        del kept[k:]

    def stats(self) -> dict[str, int]:
        return {**self.dedup.stats(), **self.events.stats()}


def _key(t: datetime | None) -> float:
    return t.timestamp() if t is not None else 0.0
