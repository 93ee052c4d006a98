"""Event consolidation: re-cluster a period's posts with scikit-learn and merge fragments.

The per-post assignment (:mod:`yuqing.nlp.events`) sees one post at a time in arrival order,
so a long-running issue can end up in fragments and the result depends on the order posts
arrived in. Consolidation (``yuqing events rebuild``, nightly under ``yuqing run``) looks at
all posts of a period at once and is a function of the *set* of posts only:

1. **Features** per post: the *problem* — its content tokens except pieces of its place names,
   TF-IDF as ``TfidfVectorizer`` gives it (:mod:`yuqing.nlp.problem_vectors`; sublinear tf,
   terms in more than ``max_df`` of the posts dropped), each row cut to its ``post_terms``
   strongest terms — and the *place* — its anchors
   (:mod:`yuqing.nlp.anchors`), shorter forms mapped to the most frequent longer form that
   contains them (滨河苑 → 伊景园滨河苑). Similarity of two posts = cosine of their problems
   + ``anchor_bonus`` when they name the same place; posts naming only different places
   conflict (the same problem at two estates is two issues), and so do posts sharing no place
   that clearly name different regions (one county each, not the same: nlp/gazetteer.py).
   What the period's posts share is read too: a place the period names (an anchor of two
   posts or more, or its short form) spelled in a post's opening before its own first anchor
   is the post's place as well (:func:`_named_places`: 德祥林 for 德祥林家园), and a run of
   three title tokens that three titles or more share is a term of their problems
   (:class:`_TitlePhrases`: 人才购房补贴, a place-less issue's name).
2. **Candidate graph** (:mod:`yuqing.nlp.candidates`): similarity ≥ ``edge_similarity``
   (sparse products in row chunks), no edge between conflicting posts; connected components
   (``scipy.sparse.csgraph``). A component larger than ``max_component`` is split again with a
   higher edge threshold (its products taken once, then a maximum spanning forest filtered).
3. **Clusters**: per component ``AgglomerativeClustering`` (average linkage, distance =
   1 − similarity, conflicting posts at distance 2) cut at ``1 − cluster_similarity``: every
   post of a cluster is on average similar to the rest, so a theme (one complaint at 13
   estates) does not chain into one event. A shared place supports a merge, never makes
   one alone: the bonus is capped so that two groups sharing their place still need a mean
   problem cosine above ``place_floor`` × the period's mean cosine of two posts
   (:meth:`Consolidator._bonus`). Then the **fragments merge**: the same over the clusters'
   centroids (their places: those named by half their posts), cut at
   ``1 − merge_similarity``.
4. **Activity**: a cluster is cut where its members are more than ``gap`` apart in time.

Posts are processed sorted by (post time, id) and ties are broken by id, so any arrival order
gives the same clusters.

**Event ids** (the rule): an event's id is ``ev-`` + sha1(id of its earliest post, by post
time then post id)[:16] — the id the per-post assignment gives an event when its first post
arrives first. So an issue keeps its id as long as its earliest post stays in it; a merge of
fragments keeps the earliest fragment's id, and the other fragments' ids are kept in
``aliases`` (alert rules and links follow them) and their records are removed. Posts are
re-pointed only when their event id changes.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy import sparse

from yuqing.hotindex import HotIndexWeights, HotInputs, history, hot_index, signal_of
from yuqing.models import Event, Post
from yuqing.nlp.anchors import (
    AnchorExtractor,
    anchors_match,
    generic_name,
    is_site,
    type_word,
)
from yuqing.nlp.candidates import components, groups, region_conflicts, region_matrices
from yuqing.nlp.events import event_id_for, own_focus, post_region, post_time
from yuqing.nlp.gazetteer import region_keys
from yuqing.nlp.problem_vectors import Vocabulary, problem_vectors

__all__ = ["Consolidator", "Consolidation", "ConsolidationParams"]

log = logging.getLogger(__name__)

#: an untitled event's title: the start of its medoid's body
TITLE_CHARS = 40
MAX_ALIASES = 50
REPRESENTATIVES = 3


@dataclass
class Consolidation:
    """The outcome: events to write, post → event changes, event ids to remove."""

    events: list[Event]
    post_event: dict[str, str]  # every post of the period -> its event id
    changed_posts: dict[str, str]  # only posts whose event id changed
    retired: list[str]  # old event ids no longer used
    stats: dict[str, float] = field(default_factory=dict)


@dataclass
class ConsolidationParams:
    edge_similarity: float = 0.2
    cluster_similarity: float = 0.25
    anchor_bonus: float = 0.25
    merge_similarity: float = 0.35
    # a shared place supports a merge, never makes one alone: two groups sharing their place
    # need a mean problem cosine above this many times the period's mean cosine of two posts
    # (:meth:`Consolidator._bonus`; 0: off, the bonus as large as the cluster cut)
    place_floor: float = 1.0
    gap_seconds: float = 120 * 86400
    post_terms: int = 30
    max_df: float = 0.05
    max_component: int = 3000
    # candidate graph: a post's wording is compared with the posts at most this many places
    # from it in time order (cost per post bounded, not growing with the period) — None: all
    candidate_window: int | None = 100_000
    keywords: int = 8
    max_post_ids: int = 1000
    # sharing an event's focus back to its members after the rebuild (nlp/rebuild.py
    # share_back): events of at least share_min_event posts, these topics (none: off)
    share_min_event: int = 3
    share_topics: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings) -> ConsolidationParams:
        es = settings.events
        return cls(
            edge_similarity=es.edge_similarity,
            cluster_similarity=es.cluster_similarity,
            anchor_bonus=es.anchor_bonus,
            merge_similarity=es.merge_similarity,
            place_floor=es.place_floor,
            gap_seconds=es.gap.total_seconds(),
            post_terms=max(es.post_terms, 20),
            max_df=es.max_df,
            candidate_window=es.candidate_window,
            keywords=settings.keywords,
            max_post_ids=es.max_post_ids,
            share_min_event=settings.focus_share_min_event,
            share_topics=tuple(settings.focus_share_retro),
        )


class Consolidator:
    def __init__(
        self,
        params: ConsolidationParams | None = None,
        *,
        anchors: AnchorExtractor | None = None,
        weights: HotIndexWeights | None = None,
        source_weights: dict[str, float] | None = None,
        tz=None,
    ):
        self.source_weights = source_weights or {}
        self.p = params or ConsolidationParams()
        self.anchors = anchors or AnchorExtractor()
        self.weights = weights or HotIndexWeights()
        self.tz = tz

    @classmethod
    def from_settings(
        cls, settings, *, userdict: Iterable[str] = (), source_weights=None, tz=None
    ) -> Consolidator:
        return cls(
            ConsolidationParams.from_settings(settings),
            anchors=AnchorExtractor(userdict),
            weights=HotIndexWeights.from_settings(settings.hotness),
            source_weights=source_weights,
            tz=tz,
        )

    # ------------------------------------------------------------------ clustering
    def anchors_of(self, post: Post) -> list[str]:
        if post.anchors is None:
            a = self.anchors.extract(post.title or "", post.text or "")
            post.anchors, post.groups = a.places, a.groups
        return list(post.anchors)

    def cluster(
        self, posts: Sequence[Post], vocabulary: Vocabulary | None = None
    ) -> list[list[int]]:
        """Clusters as lists of indices into ``posts`` (each sorted by time), deterministic.
        ``vocabulary``: the one the posts' ``token_ids`` are ids of, if they have them."""
        n = len(posts)
        if n == 0:  # a quiet period: nothing to cluster (run() still reads _last)
            self._last: tuple[list[int], sparse.csr_matrix] = ([], sparse.csr_matrix((0, 0)))
            return []
        order = sorted(range(n), key=lambda i: (_ts(post_time(posts[i])), posts[i].id))
        ps = [posts[i] for i in order]
        anchors = _map_anchors(_named_places(ps, [self.anchors_of(p) for p in ps], vocabulary))
        X = self._vectors(ps, anchors, vocabulary)
        self._floor = self.p.place_floor * mean_cosine(X)
        A = _anchor_matrix(anchors)
        R = region_matrices([region_keys(p.regions_mentioned or ()) for p in ps])
        comps = self._components(X, A, R)
        labels = np.full(n, -1, dtype=np.int64)
        next_label = 0
        for comp in comps:
            if len(comp) == 1:
                labels[comp[0]] = next_label
                next_label += 1
                continue
            for sub in self._agglomerate(X, A, comp, R):
                labels[sub] = next_label
                next_label += 1
        times = np.array([_ts(post_time(p)) for p in ps])
        clusters: list[list[int]] = []
        for members in groups(labels):  # each ascending = time order
            start = 0
            for k in range(1, len(members) + 1):
                if k == len(members) or times[members[k]] - times[members[k - 1]] > (
                    self.p.gap_seconds
                ):
                    clusters.append([order[i] for i in members[start:k]])
                    start = k
        clusters.sort(key=lambda c: (_ts(post_time(posts[c[0]])), posts[c[0]].id))
        self._last = (order, X)
        return clusters

    def _vectors(
        self,
        ps: Sequence[Post],
        anchors: list[list[str]],
        vocabulary: Vocabulary | None = None,
    ) -> sparse.csr_matrix:
        """The problems (:mod:`yuqing.nlp.problem_vectors`): content tokens that are not
        pieces of the post's place names, as ids of ``vocabulary`` — a held post's
        ``token_ids`` (:mod:`yuqing.nlp.rebuild`) or its tokens looked up."""
        vocab = vocabulary or Vocabulary()
        ids = [_token_ids(p, vocab) for p in ps]
        pieces = _Pieces(vocab)

        def names(p: Post, anc: list[str]) -> str:
            return "".join(anc[:3]) + "".join(p.anchors or [])

        phrases = _TitlePhrases(ps, ids, vocab, pieces, map(names, ps, anchors))

        def docs():  # made one post at a time as they are read: never every post's at once
            for k, (p, anc, d) in enumerate(zip(ps, anchors, ids, strict=True)):
                nm = names(p, anc)
                d = pieces.drop(d, nm) if nm else d
                extra = phrases.of(k)
                yield np.concatenate([d, extra]) if len(extra) else d

        max_df = self.p.max_df if len(ps) >= 200 else 1.0
        n_words = len(vocab) + phrases.count
        return problem_vectors(docs, len(ps), n_words, max_df, self.p.post_terms)

    def _components(
        self, X: sparse.csr_matrix, A: sparse.csr_matrix, R: list[sparse.csr_matrix]
    ) -> list[np.ndarray]:
        return components(
            X,
            A,
            self.p.edge_similarity,
            self.p.anchor_bonus,
            max_component=self.p.max_component,
            window=self.p.candidate_window,
            regions=R,
        )

    def _agglomerate(self, X, A, comp: np.ndarray, R) -> list[np.ndarray]:
        from sklearn.cluster import AgglomerativeClustering

        Xc = X[comp]
        Ac = A[comp]
        has = np.asarray(Ac.sum(axis=1)).ravel() > 0
        shared = (Ac @ Ac.T).toarray() > 0
        sim = (Xc @ Xc.T).toarray() + self._bonus(self.p.cluster_similarity) * shared
        dist = 1.0 - sim
        conflict = np.outer(has, has) & ~shared
        Rc = [r[comp] for r in R]
        conflict |= region_conflicts(Rc) & ~shared
        dist[conflict] = 2.0
        np.fill_diagonal(dist, 0.0)
        np.clip(dist, 0.0, 2.0, out=dist)
        model = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=1.0 - self.p.cluster_similarity,
        )
        labels = model.fit_predict(dist)
        groups: dict[int, list[int]] = {}
        for i, lab in enumerate(labels):
            groups.setdefault(int(lab), []).append(i)
        parts = sorted(groups.values(), key=lambda g: g[0])
        parts = self._merge_fragments(Xc, Ac, Rc, parts) if len(parts) > 1 else parts
        return sorted((comp[np.array(g)] for g in parts), key=lambda g: int(g[0]))

    def _bonus(self, cut: float) -> float:
        """The place bonus at a linkage cut ``cut`` (a similarity): ``anchor_bonus``, at most
        ``cut`` minus the floor. Average linkage joins two groups when their mean similarity
        exceeds the cut, a pair's similarity being its problems' cosine + the bonus when the
        two share a place: with the bonus as large as the cut (0.25 both) any word in common
        was enough, and two problems at one village that shared an incidental word merged.
        Capped, two groups sharing their place need a mean cosine above the floor —
        ``place_floor`` × the period's mean cosine of two posts (:func:`mean_cosine`), what
        two posts about unrelated things share: the place supports, the problem decides. The
        fragments' cut (0.35) leaves the bonus whole (their centroids need 0.1 already)."""
        floor = getattr(self, "_floor", 0.0)
        return max(0.0, min(self.p.anchor_bonus, cut - floor))

    def _merge_fragments(self, Xc, Ac, Rc, parts: list[list[int]]) -> list[list[int]]:
        """Second level: clusters whose problem centroids are similar (cosine + bonus for a
        shared main place, conflicting places apart, and so the regions their posts name)
        merge — average linkage again, over
        centroids, cut at ``1 − merge_similarity``. A big heterogeneous issue that the first
        level left in pieces is joined; pieces about other places stay apart."""
        from sklearn.cluster import AgglomerativeClustering

        C = sparse.vstack([sparse.csr_matrix(Xc[g].sum(axis=0)) for g in parts]).tocsr()
        norms = np.sqrt(np.asarray(C.multiply(C).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        C = sparse.diags(1.0 / norms) @ C
        # a fragment's places: those named by at least half of its posts
        P = sparse.vstack([sparse.csr_matrix(Ac[g].sum(axis=0)) for g in parts]).toarray()
        sizes = np.array([len(g) for g in parts], dtype=float)
        main = (P >= np.maximum(1.0, sizes[:, None] / 2)).astype(float)
        has = main.sum(axis=1) > 0
        shared = (main @ main.T) > 0
        sim = (C @ C.T).toarray() + self._bonus(self.p.merge_similarity) * shared
        dist = 1.0 - sim
        # a fragment's regions: all its posts name (union), per level
        Rm = [
            sparse.vstack([sparse.csr_matrix(r[g].sum(axis=0)) for g in parts]).tocsr() for r in Rc
        ]
        dist[(np.outer(has, has) | region_conflicts(Rm)) & ~shared] = 2.0
        np.fill_diagonal(dist, 0.0)
        np.clip(dist, 0.0, 2.0, out=dist)
        labels = AgglomerativeClustering(
            n_clusters=None,
            metric="precomputed",
            linkage="average",
            distance_threshold=1.0 - self.p.merge_similarity,
        ).fit_predict(dist)
        merged: dict[int, list[int]] = {}
        for g, lab in zip(parts, labels, strict=False):
            merged.setdefault(int(lab), []).extend(g)
        return sorted((sorted(g) for g in merged.values()), key=lambda g: g[0])

    # ------------------------------------------------------------------ events
    def run(
        self,
        posts: Sequence[Post],
        old: dict[str, Event] | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> Consolidation:
        """Cluster ``posts`` and build their events (``old``: the stored events they were in;
        ``vocabulary``: see :meth:`cluster`)."""
        import time as _time

        t0 = _time.perf_counter()
        old = old or {}
        clusters = self.cluster(posts, vocabulary)
        order, X = self._last
        row_of = {pi: r for r, pi in enumerate(order)}
        events: list[Event] = []
        post_event: dict[str, str] = {}
        for members in clusters:
            ev = self._event([posts[i] for i in members], X, [row_of[i] for i in members], old)
            events.append(ev)
            for i in members:
                post_event[posts[i].id] = ev.id
        changed = {p.id: post_event[p.id] for p in posts if p.event_id != post_event[p.id]}
        used = {e.id for e in events}
        retired = sorted({p.event_id for p in posts if p.event_id} - used)
        return Consolidation(
            events,
            post_event,
            changed,
            retired,
            stats={
                "posts": len(posts),
                "events": len(events),
                "multi_post_events": sum(e.size > 1 for e in events),
                "seconds": round(_time.perf_counter() - t0, 3),
            },
        )

    def _event(
        self, members: list[Post], X: sparse.csr_matrix, rows: list[int], old: dict[str, Event]
    ) -> Event:
        times = [post_time(p) for p in members]
        first = members[0]  # members are in (time, id) order
        eid = event_id_for(first.id)
        Xc = X[rows]
        centroid = np.asarray(Xc.sum(axis=0)).ravel()
        central = Xc @ centroid  # each member's similarity to the whole (medoid = max)
        rank = sorted(range(len(members)), key=lambda i: (-central[i], members[i].id))
        medoid = members[rank[0]]
        reps: list[Post] = []
        seen_authors: set[str] = set()
        for i in rank:  # most central first, one per author while possible
            p = members[i]
            who = p.author or p.id
            if who in seen_authors or p.duplicate_of:
                continue
            reps.append(p)
            seen_authors.add(who)
            if len(reps) == REPRESENTATIVES:
                break
        for i in rank:
            if len(reps) >= REPRESENTATIVES:
                break
            if members[i] not in reps:
                reps.append(members[i])
        aliases: list[str] = []
        prior = [old[p.event_id] for p in members if p.event_id in old]
        for e in [*prior, *(Event(id=p.event_id, title="") for p in members if p.event_id)]:
            for a in [e.id, *e.aliases]:
                if a != eid and a not in aliases:
                    aliases.append(a)
        kept = old.get(eid)
        sw = self.source_weights
        signals = [
            signal_of(p, t, sw.get(p.source_id, 1.0)) for p, t in zip(members, times, strict=False)
        ]
        inputs = HotInputs.of(signals, self.weights.peak_days)
        cat = Counter(p.category for p in members if p.category)
        focus = Counter(f for p in members for f in own_focus(p))  # shared ones never count
        regions = Counter(post_region(p) for p in members)
        regions.pop(None, None)
        anchors = Counter(a for p in members for a in dict.fromkeys(p.anchors or []))
        groups = Counter(g for p in members for g in dict.fromkeys(p.groups or []))
        keywords: Counter[str] = Counter()
        for p in members:
            for k in p.keywords:
                keywords[k] += 1
        size = len(members)
        need = max(1, math.ceil(size / 3))
        return Event(
            id=eid,
            title=medoid.title or (medoid.text or "")[:TITLE_CHARS],
            keywords=[k for k, _ in sorted(keywords.items(), key=lambda kv: (-kv[1], kv[0]))][
                : self.p.keywords
            ],
            post_ids=[p.id for p in members][: self.p.max_post_ids],
            size=size,
            first_seen=times[0],
            last_seen=max(times),
            hotness=hot_index(inputs, self.weights),
            category=_top(cat),
            focus=sorted(f for f, c in focus.items() if 2 * c >= size),
            region=_top(regions),
            sources=list(dict.fromkeys(p.source_id for p in members)),
            channels=list(dict.fromkeys(p.channel for p in members if p.channel)),
            negativity=round(sum(max(0.0, -(p.sentiment or 0.0)) for p in members) / size, 4),
            burst=bool(kept.burst) if kept else False,
            anchors=[a for a, c in _ranked(anchors) if c >= need][:3],
            groups=[g for g, c in _ranked(groups) if c >= need][:3],
            authors=inputs.authors,
            likes=sum(int((p.engagement or {}).get("likes", 0)) for p in members),
            dislikes=sum(int((p.engagement or {}).get("dislikes", 0)) for p in members),
            representative_ids=[p.id for p in reps],
            hot_history=history(signals, self.tz, self.weights),
            aliases=aliases[:MAX_ALIASES],
            consolidated=True,
        )


# ---------------------------------------------------------------------- helpers
def _token_ids(post: Post, vocab: Vocabulary) -> np.ndarray:
    held = getattr(post, "token_ids", None)
    return held if held is not None else vocab.ids(post.tokens or [])


#: a run of this many title tokens is a phrase; one in the titles of PHRASE_POSTS posts or
#: more of the period is a term of their problems
PHRASE_TOKENS = 3
PHRASE_POSTS = 3
#: a phrase counts as this many occurrences of a word (sublinear: 1 + ln 2 the weight of one)
PHRASE_TF = 2
#: title tokens are looked for among a post's first tokens (its title comes first)
TITLE_TOKENS = 32


class _TitlePhrases:
    """**Recurring title phrases** as terms: every run of :data:`PHRASE_TOKENS` consecutive
    title tokens (pieces of the post's place names left out) that the titles of
    :data:`PHRASE_POSTS` posts or more of the period share — 人才购房补贴, 谁来管合法诊所 —
    is one more term of those posts' problems, with the ids ``len(vocab)`` on. Residents who
    raise one issue for months name it in their titles with the same words while their
    messages differ; the words alone are common, the run of them is not. A place-less issue
    (a city policy) has nothing else in common; a theme (the same title at other places)
    stays apart by its places, as before. A function of the set of posts."""

    def __init__(self, ps, ids, vocab: Vocabulary, pieces: _Pieces, names: Iterable[str]):
        words = vocab.words
        keys: list[np.ndarray] = []
        nv = max(len(vocab), 1)
        wide = nv >= 1 << 21
        for p, d, nm in zip(ps, ids, names, strict=True):
            title, pos, n = p.title or "", 0, 0
            for i in d[:TITLE_TOKENS]:
                j = title.find(words[i], pos)
                if j < 0:
                    break
                pos, n = j + len(words[i]), n + 1
            t = d[:n]
            t = pieces.drop(t, nm) if nm else t
            if len(t) < PHRASE_TOKENS:
                keys.append(_NO_KEYS)
                continue
            t = t.astype(np.uint64)
            if wide:  # a vocabulary too large to pack three ids in 63 bits: hash the runs
                k = np.array(
                    [hash(tuple(t[i : i + PHRASE_TOKENS])) for i in range(len(t) - 2)],
                    dtype=np.int64,
                ).astype(np.uint64)
            else:
                k = (t[:-2] << np.uint64(42)) | (t[1:-1] << np.uint64(21)) | t[2:]
            keys.append(np.unique(k))
        # held as one array (a post's runs: keys[at[k]:at[k + 1]]), not an array a post
        self.at = np.zeros(len(keys) + 1, dtype=np.int64)
        np.cumsum([len(k) for k in keys], out=self.at[1:])
        self.keys = np.concatenate(keys) if keys else _NO_KEYS
        del keys
        runs, counts = np.unique(self.keys, return_counts=True)
        self.kept = runs[counts >= PHRASE_POSTS]
        self.count = len(self.kept)
        self.base = len(vocab)

    def of(self, k: int) -> np.ndarray:
        """Post ``k``'s recurring phrases as term ids."""
        keys = self.keys[self.at[k] : self.at[k + 1]]
        if not self.count or not len(keys):
            return _NO_IDS
        at = np.searchsorted(self.kept, keys)
        at[at == self.count] = 0
        hit = self.kept[at] == keys
        return np.repeat((at[hit] + self.base).astype(np.int32), PHRASE_TF)


_NO_KEYS = np.zeros(0, dtype=np.uint64)
_NO_IDS = np.zeros(0, dtype=np.int32)


class _Pieces:
    """Drops from a post's token ids the tokens that are pieces (substrings) of its place
    names: the ids of a names string's substrings no longer than the longest token, found
    once per names string (many posts share their places), masked out with numpy."""

    def __init__(self, vocab: Vocabulary):
        self.index = vocab.index
        self.longest = max(map(len, vocab.words), default=0)
        self.mask = np.zeros(len(vocab), dtype=bool)
        self._found: dict[str, np.ndarray] = {}

    def drop(self, ids: np.ndarray, names: str) -> np.ndarray:
        found = self._found.get(names)
        if found is None:
            index, longest = self.index, self.longest
            subs = {
                names[i:j]
                for i in range(len(names))
                for j in range(i + 1, min(len(names), i + longest) + 1)
            }
            subs.add("")  # an empty token is in every string
            found = np.array(sorted(index[t] for t in subs if t in index), dtype=np.int64)
            self._found[names] = found
        if not len(found):
            return ids
        self.mask[found] = True
        kept = ids[~self.mask[ids]]
        self.mask[found] = False
        return kept


def _ts(t: datetime) -> float:
    return t.timestamp()


def _top(counter: Counter):
    return _ranked(counter)[0][0] if counter else None


def _ranked(counter: Counter) -> list[tuple]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))


def _map_anchors(per_post: list[list[str]]) -> list[list[str]]:
    """Map each anchor to the most frequent longer anchor containing it (ties: longest, then
    by name), so short and long forms of one place become one feature."""
    freq = Counter(a for anc in per_post for a in dict.fromkeys(anc))
    names = sorted(freq, key=lambda a: (-len(a), a))
    target: dict[str, str] = {}
    for a in sorted(freq, key=lambda a: (len(a), a)):
        longer = [b for b in names if len(b) > len(a) and anchors_match(a, b)]
        target[a] = max(longer, key=lambda b: (freq[b], len(b), b)) if longer else a
    for a in list(target):  # follow chains to the end
        seen = {a}
        while target[target[a]] != target[a] and target[a] not in seen:
            seen.add(target[a])
            target[a] = target[target[a]]
    return [list(dict.fromkeys(target[a] for a in anc)) for anc in per_post]


#: a learned place name is looked for in a post's first tokens (its title and opening, as the
#: anchors are: nlp/anchors.py SCAN_CHARS) — tokens, because the nightly rebuild holds no body
NAME_TOKENS = 48
#: the shortest short form (a name without its type word) that stands for the name
MIN_SHORT = 3
#: words a name's short form drops after its type word (德盛江职业技术学院 → 德盛江, 华为技术
#: 有限公司 → 华为)
_TRADE_WORDS = ("职业技术", "职业", "技术", "科技", "实业", "置业", "地产", "发展", "建设")


def _short_form(name: str) -> str:
    """``name`` without its type word (and a trade word before it): what residents write for
    it (德祥林家园 → 德祥林, 德盛江职业技术学院 → 德盛江)."""
    suffix = type_word(name)
    if suffix and len(name) > len(suffix):
        name = name[: -len(suffix)]
    for word in _TRADE_WORDS:
        if name.endswith(word) and len(name) > len(word):
            name = name[: -len(word)]
            break
    return name


def _glued(anchor: str, name: str) -> bool:
    """Whether ``anchor`` is ``name`` with words glued before it that name no other place:
    the extractor's walk left went too far (金德祥林家园, 人民政府为德祥林家园) or took the
    name twice (星晖河村星晖河村) — not another place's name before it (润瑞岭苑宋家塘和顺家园
    is 润瑞岭苑's, naming the other estate after its own)."""
    if anchor == name or not anchor.endswith(name):
        return False
    before = anchor[: -len(name)]
    return type_word(before) is None or anchors_match(before, name)


def _named_places(
    ps: Sequence[Post], per_post: list[list[str]], vocabulary: Vocabulary | None
) -> list[list[str]]:
    """Each post's anchors plus the period's **places named in its opening**: a site named
    as an anchor by two posts or more of the period is a known name, and so is its short
    form (the name without its type word, ≥ :data:`MIN_SHORT` characters, not the short
    form of two names); a post whose first :data:`NAME_TOKENS` tokens spell one — a resident
    writing 德祥林 for 德祥林家园, or an opening whose anchor the extractor took with a word
    before it (金德祥林家园) — names that place, first. Without it such a post shares no
    place with its issue, and when its opening names another place (a school it compares,
    a landmark) it conflicts with it. A function of the set of posts (counts, ties by
    name)."""
    count = Counter(a for anc in per_post for a in dict.fromkeys(anc[:3]))
    known = sorted(
        a
        for a, c in count.items()
        if c >= 2 and is_site(a) and len(a) >= MIN_SHORT and not generic_name(a, _TRADE_WORDS)
    )
    if not known:
        return per_post
    stands: dict[str, set[str]] = {}
    for name in known:
        stands.setdefault(name, set()).add(name)
    for name in known:
        short = _short_form(name)
        if len(short) >= MIN_SHORT and short not in count:
            stands.setdefault(short, set()).add(name)
    keys: dict[str, list[tuple[str, str]]] = {}  # first two characters -> (form, name)
    for form, names in stands.items():
        if len(names) == 1:
            keys.setdefault(form[:2], []).append((form, next(iter(names))))
    texts = [_opening(p, vocabulary) for p in ps]
    # a form stands for its name only while no more posts spell it without naming the place
    # than name it: 德祥林 is written by fewer posts than name 德祥林家园; 公积金 (公积金中心),
    # 出租车 (出租车公司) and L5县 (L5县医院) by many that are about no such place
    without: Counter[str] = Counter()
    for text, anc in zip(texts, per_post, strict=True):
        without.update({form for _, form, name in _spelled(text, keys) if name not in anc[:3]})
    keys = {
        head: kept
        for head, forms in keys.items()
        if (kept := [(f, n) for f, n in forms if without[f] <= count[n]])
    }
    out = []
    for text, anc in zip(texts, per_post, strict=True):
        # the post's own subject: its first anchor, where its opening names it
        first = text.find(anc[0]) if anc else len(text)
        if first < 0:
            first = 0
        found: list[str] = []
        for i, _, name in _spelled(text, keys):
            if name not in found and name not in anc[:3] and (i < first or _glued(anc[0], name)):
                found.append(name)
        out.append([*found, *anc] if found else anc)
    return out


def _opening(p: Post, vocabulary: Vocabulary | None) -> str:
    """A post's first :data:`NAME_TOKENS` tokens, joined: its title and opening."""
    ids = getattr(p, "token_ids", None)
    if ids is not None and vocabulary is not None:
        return "".join(vocabulary.words[i] for i in ids[:NAME_TOKENS])
    return "".join((p.tokens or [])[:NAME_TOKENS])


def _spelled(text: str, keys: dict[str, list[tuple[str, str]]]) -> Iterator[tuple[int, str, str]]:
    """(position, form, name) of every form of ``keys`` (first two characters → forms)
    spelled in ``text``, by position."""
    for i in range(len(text) - MIN_SHORT + 1):
        for form, name in keys.get(text[i : i + 2], ()):
            if text.startswith(form, i):
                yield i, form, name


def mean_cosine(X: sparse.csr_matrix) -> float:
    """The mean cosine of two distinct rows of ``X`` (unit rows or empty): one sum over the
    rows, ``(|Σx|² − Σ|x|²) / (n(n − 1))`` — never the n × n products."""
    n = X.shape[0]
    if n < 2:
        return 0.0
    total = np.asarray(X.sum(axis=0)).ravel()
    own = float(X.multiply(X).sum())
    return max(0.0, (float(total @ total) - own) / (n * (n - 1)))


def _anchor_matrix(anchors: list[list[str]]) -> sparse.csr_matrix:
    """Posts × anchors incidence (first three anchors of each post)."""
    ids: dict[str, int] = {}
    rows, cols = [], []
    for r, anc in enumerate(anchors):
        for a in anc[:3]:
            rows.append(r)
            cols.append(ids.setdefault(a, len(ids)))
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(anchors), max(len(ids), 1)))
