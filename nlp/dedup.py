"""Near-duplicate detection: MinHash over word shingles, LSH for candidates, bounded state.

Reposts of one notice across sites differ in page furniture (removed by normalization),
headers, footers and a few characters; their word-bigram sets stay close. A post whose
estimated Jaccard similarity with an indexed post reaches ``threshold`` is a copy; every copy
points at the group's *canonical* post — the earliest by ``(published_at, crawled_at)``. If a
copy arrives that is earlier than the current canonical, it becomes canonical and the
re-pointed ids are reported so the caller can update stored posts.

State is bounded: entries leave the index when their arrival time (``crawled_at``) falls out
of ``window`` behind the newest arrival, and the oldest leave first when ``max_items`` is
exceeded.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from yuqing.nlp.segment import is_content

__all__ = ["NearDuplicateIndex", "DupResult", "shingles"]

_SHIFT = np.uint64(32)


def shingles(words: Sequence[str], n: int = 2) -> set[bytes]:
    """Word n-grams of content words (punctuation and whitespace dropped), as bytes."""
    ws = [w for w in words if is_content(w)]
    if len(ws) < n:
        return {"\x1f".join(ws).encode()} if ws else set()
    return {"\x1f".join(ws[i : i + n]).encode() for i in range(len(ws) - n + 1)}


@dataclass
class _Entry:
    key: tuple  # (published_at or crawled_at, crawled_at) ordering key
    arrived: datetime
    hashvalues: np.ndarray
    canonical: str


@dataclass
class DupResult:
    duplicate_of: str | None
    similarity: float = 0.0
    repointed: list[str] = field(default_factory=list)  # ids now pointing at this post


class NearDuplicateIndex:
    def __init__(
        self,
        *,
        num_perm: int = 64,
        threshold: float = 0.7,
        shingle: int = 2,
        window_seconds: float = 7 * 86400,
        max_items: int = 200_000,
        seed: int = 1,
    ):
        self.num_perm = num_perm
        self.threshold = threshold
        self.shingle = shingle
        self.window_seconds = window_seconds
        self.max_items = max_items
        # LSH tuned a little below the verify threshold so borderline pairs are candidates
        self._lsh = MinHashLSH(threshold=max(0.3, threshold - 0.15), num_perm=num_perm)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()  # arrival order
        self._members: dict[str, set[str]] = {}  # canonical -> copies
        # multiply-shift universal hashing (wrap-around uint64 arithmetic, no modulo)
        rng = np.random.RandomState(seed)
        self.seed = seed
        self._a = rng.randint(1, 1 << 62, size=num_perm, dtype=np.uint64) * 2 + 1
        self._b = rng.randint(0, 1 << 62, size=num_perm, dtype=np.uint64)
        self._newest: datetime | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def _minhash(self, items: set[bytes]) -> LeanMinHash:
        hv = np.fromiter(map(zlib.crc32, items), dtype=np.uint64, count=len(items))
        phv = (np.multiply.outer(hv, self._a) + self._b) >> _SHIFT
        return LeanMinHash(seed=self.seed, hashvalues=phv.min(axis=0), scheme="legacy")

    def add(
        self,
        post_id: str,
        words: Sequence[str],
        *,
        published_at: datetime | None,
        crawled_at: datetime,
    ) -> DupResult:
        """Index a post; return the canonical copy it duplicates (or None)."""
        self._advance(crawled_at)
        if post_id in self._entries:  # re-processing the same post: idempotent
            seen = self._entries[post_id]
            return DupResult(None if seen.canonical == post_id else seen.canonical, 1.0)
        items = shingles(words, self.shingle)
        if not items:
            return DupResult(None)
        mh = self._minhash(items)
        key = (published_at or crawled_at, crawled_at)
        best_id, best_sim = None, 0.0
        for cand in self._lsh.query(mh):
            e = self._entries.get(cand)
            if e is None:
                continue
            sim = float(np.count_nonzero(e.hashvalues == mh.hashvalues)) / self.num_perm
            if sim >= self.threshold and sim > best_sim:
                best_id, best_sim = cand, sim
        result = DupResult(None)
        canonical = post_id
        if best_id is not None:
            canonical = self._entries[best_id].canonical
            canon_entry = self._entries.get(canonical)
            if canon_entry is not None and key < canon_entry.key:
                result.repointed = self._repoint(canonical, post_id)
                canonical = post_id
            else:
                result = DupResult(canonical, best_sim)
            self._members.setdefault(canonical, set()).add(post_id)
        self._entries[post_id] = _Entry(key, crawled_at, mh.hashvalues, canonical)
        self._lsh.insert(post_id, mh)
        self._trim()
        return result

    def _repoint(self, old: str, new: str) -> list[str]:
        members = self._members.pop(old, set()) | {old}
        for m in members:
            if m in self._entries:
                self._entries[m].canonical = new
        self._members[new] = members
        return sorted(members)

    def _advance(self, arrived: datetime) -> None:
        if self._newest is None or arrived > self._newest:
            self._newest = arrived

    def _evict_one(self) -> None:
        pid, e = self._entries.popitem(last=False)
        self._lsh.remove(pid)
        group = self._members.get(e.canonical)
        if group is not None:
            group.discard(pid)
            if not group and e.canonical not in self._entries:
                del self._members[e.canonical]
        if pid in self._members and not self._members[pid]:
            del self._members[pid]

    def _trim(self) -> None:
        while len(self._entries) > self.max_items:
            self._evict_one()
        if self._newest is None:
            return
        while self._entries:
            e = next(iter(self._entries.values()))
            if (self._newest - e.arrived).total_seconds() <= self.window_seconds:
                break
            self._evict_one()

    def stats(self) -> dict[str, int]:
        return {"entries": len(self._entries), "groups": len(self._members)}
