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

A posting list is packed (event slot, centroid weight) records, read as a NumPy view, so the
accumulation is one ``bincount`` over the post's lists instead of a Python loop over
hundreds of entries; an event's slot is a small integer reused after it leaves.
"""

from __future__ import annotations

import math
import struct
from operator import mul

import numpy as np

__all__ = ["CentroidIndex", "sum_squares"]

#: slack for floating-point order of summation between the bound and the exact score
EPSILON = 1e-9


def sum_squares(vec: dict[str, float]) -> float:
    """Σ v² in the dict's order (the same float as the generator sum, the loop in C)."""
    vals = vec.values()
    return sum(map(mul, vals, vals))


#: a posting: an event slot and its centroid weight, packed; a term's postings are a bytearray
#: of them (read by the candidate search as a NumPy view) and a dict slot -> place — neither
#: is tracked by the garbage collector, which need not walk the index
_REC = struct.Struct("<qd")
_WEIGHT = struct.Struct("<d")
_DTYPE = np.dtype([("slot", "<i8"), ("weight", "<f8")])


def _put(at: dict[int, int], rec: bytearray, slot: int, weight: float) -> None:
    i = at.get(slot)
    if i is None:
        at[slot] = len(rec) // _REC.size
        rec += _REC.pack(slot, weight)
    else:
        _WEIGHT.pack_into(rec, i * _REC.size + 8, weight)


def _drop(at: dict[int, int], rec: bytearray, slot: int) -> None:
    i = at.pop(slot, None)
    if i is None:
        return
    last = len(rec) - _REC.size
    if i * _REC.size < last:  # the last posting takes its place
        moved, weight = _REC.unpack_from(rec, last)
        _REC.pack_into(rec, i * _REC.size, moved, weight)
        at[moved] = i
    del rec[last:]


class CentroidIndex:
    def __init__(self, top: int):
        self.top = top
        self._at: dict[str, dict[int, int]] = {}  # term -> event slot -> place in its postings
        self._rec: dict[str, bytearray] = {}  # term -> its postings (_REC)
        self._terms: dict[str, dict[str, float]] = {}  # event id -> indexed term -> weight
        self._slot: dict[str, int] = {}  # event id -> slot
        self._ids: list[str | None] = []  # slot -> event id (None: free)
        self._free: list[int] = []
        # per slot: the centroid's norm and its largest unindexed weight
        self._norm = np.ones(16, dtype=np.float64)
        self._rest = np.zeros(16, dtype=np.float64)

    def __len__(self) -> int:
        return len(self._terms)

    def terms(self) -> int:
        """Distinct indexed terms."""
        return len(self._at)

    def events_with(self, term: str) -> list[str]:
        """The events indexed under ``term``."""
        rec = self._rec.get(term)
        ids = self._ids
        return [] if rec is None else [ids[s] or "" for s in np.frombuffer(rec, _DTYPE)["slot"]]

    def _slot_of(self, event_id: str) -> int:
        slot = self._slot.get(event_id)
        if slot is None:
            if self._free:
                slot = self._free.pop()
                self._ids[slot] = event_id
            else:
                slot = len(self._ids)
                self._ids.append(event_id)
                if slot == len(self._norm):
                    self._norm = np.concatenate([self._norm, np.ones(slot)])
                    self._rest = np.concatenate([self._rest, np.zeros(slot)])
            self._slot[event_id] = slot
        return slot

    def update(self, event_id: str, centroid: dict[str, float]) -> list[str]:
        """(Re-)index an event after its centroid changed; returns its indexed terms (the
        ``top`` strongest, ties by the term)."""
        ranked = sorted(centroid.items(), key=lambda kv: (-kv[1], kv[0]))
        top = ranked[: self.top]
        slot = self._slot_of(event_id)
        old = self._terms.get(event_id, {})
        new = dict(top)
        at, rec = self._at, self._rec
        for term in old:
            if term not in new:
                self._unpost(term, slot)
        for term, weight in top:
            if old.get(term) != weight:
                places = at.get(term)
                if places is None:
                    places = at[term] = {}
                    rec[term] = bytearray()
                _put(places, rec[term], slot, weight)
        self._terms[event_id] = new
        self._norm[slot] = math.sqrt(sum_squares(centroid)) or 1.0
        self._rest[slot] = max(ranked[self.top][1], 0.0) if len(ranked) > self.top else 0.0
        return list(new)

    def remove(self, event_id: str) -> None:
        slot = self._slot.pop(event_id, None)
        if slot is None:
            return
        for term in self._terms.pop(event_id, ()):
            self._unpost(term, slot)
        self._ids[slot] = None
        self._free.append(slot)

    def _unpost(self, term: str, slot: int) -> None:
        places = self._at.get(term)
        if places is not None:
            _drop(places, self._rec[term], slot)
            if not places:
                del self._at[term], self._rec[term]

    def candidates(self, vec: dict[str, float], threshold: float) -> list[str]:
        """Events sharing an indexed term with ``vec`` whose cosine may reach ``threshold``
        (every event that does is among them), sorted by id."""
        slots, parts = [], []
        postings = self._rec
        for term, w in vec.items():
            rec = postings.get(term)
            if rec is not None:
                p = np.frombuffer(rec, _DTYPE)
                slots.append(p["slot"])
                parts.append(p["weight"] * w)
        if not slots:
            return []
        s = np.concatenate(slots)
        dot = np.bincount(s, weights=np.concatenate(parts))
        hit = np.flatnonzero(np.bincount(s))  # the events sharing a term
        spread = sum(abs(w) for w in vec.values())
        near = (dot[hit] + self._rest[hit] * spread) / self._norm[hit] >= threshold - EPSILON
        ids = self._ids
        out = [ids[i] or "" for i in hit[near].tolist()]
        out.sort()
        return out
