"""Which events can a post's keyword vector reach? An inverted index over the events' top
centroid terms that answers with an upper bound per event, so only a handful of events get the
exact cosine.

The event tracker compares a post with every event that shares one of its indexed (top
``centroid_terms``) terms — thousands once a window fills, each costing a Python loop over the
post's terms. Here the postings carry the centroid weights, so one pass over the post's terms
accumulates, per event, the part of the dot product over indexed terms; the rest of the dot
product (terms of the centroid beyond the indexed ones) is at most the event's largest
unindexed weight times the post's weight sum. An event whose bound stays below the threshold
cannot match and is skipped; the others are checked exactly by the caller, as before. Same
candidates, same scores, same result — a fraction of the work.
"""

from __future__ import annotations

import math
from collections import defaultdict
from operator import itemgetter, mul

__all__ = ["CentroidIndex", "sum_squares"]

#: slack for floating-point order of summation between the bound and the exact score
EPSILON = 1e-9


def sum_squares(vec: dict[str, float]) -> float:
    """Σ v² in the dict's order (the same float as the generator sum, the loop in C)."""
    vals = vec.values()
    return sum(map(mul, vals, vals))


class CentroidIndex:
    def __init__(self, top: int):
        self.top = top
        self._postings: dict[str, dict[str, float]] = {}  # term -> {event id: weight}
        self._terms: dict[str, dict[str, float]] = {}  # event id -> indexed term -> weight
        self._bound: dict[str, tuple[float, float]] = {}  # event id -> (norm, max unindexed)

    def __len__(self) -> int:
        return len(self._terms)

    def terms(self) -> int:
        """Distinct indexed terms."""
        return len(self._postings)

    def update(self, event_id: str, centroid: dict[str, float]) -> list[str]:
        """(Re-)index an event after its centroid changed; returns its indexed terms (the
        ``top`` strongest, ties by the term). Only the postings whose weight changed are
        written (a post changes a few of an event's terms)."""
        ranked = sorted(centroid.items(), key=itemgetter(0))  # ties by the term, then
        ranked.sort(key=itemgetter(1), reverse=True)  # strongest first (a stable sort)
        top = ranked[: self.top]
        old = self._terms.get(event_id)
        new = dict(top)
        postings = self._postings
        if old:
            for term in old:
                if term not in new:
                    self._unpost(term, event_id)
        for term, weight in top:
            if old is None or old.get(term) != weight:
                ids = postings.get(term)
                if ids is None:
                    postings[term] = {event_id: weight}
                else:
                    ids[event_id] = weight
        self._terms[event_id] = new
        norm = math.sqrt(sum_squares(centroid)) or 1.0
        rest = ranked[self.top][1] if len(ranked) > self.top else 0.0
        self._bound[event_id] = (norm, max(rest, 0.0))
        return list(new)

    def remove(self, event_id: str) -> None:
        for term in self._terms.pop(event_id, ()):
            self._unpost(term, event_id)
        self._bound.pop(event_id, None)

    def _unpost(self, term: str, event_id: str) -> None:
        ids = self._postings.get(term)
        if ids is not None:
            ids.pop(event_id, None)
            if not ids:
                del self._postings[term]

    def candidates(self, vec: dict[str, float], threshold: float) -> list[str]:
        """Events sharing an indexed term with ``vec`` whose cosine may reach ``threshold``
        (every event that does is among them), sorted by id."""
        acc: dict[str, float] = defaultdict(float)
        for term, w in vec.items():
            ids = self._postings.get(term)
            if ids:
                for eid, c in ids.items():
                    acc[eid] += w * c
        spread = sum(abs(w) for w in vec.values())
        bound = self._bound
        out = []
        for eid, dot in acc.items():
            norm, rest = bound[eid]
            if (dot + rest * spread) / norm >= threshold - EPSILON:
                out.append(eid)
        out.sort()
        return out
