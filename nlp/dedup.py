"""Near-duplicate detection: MinHash over word shingles, LSH banding for candidates, bounded
state kept in SQLite (a file for the crawl, memory otherwise).

Reposts of one notice across sites differ in page furniture (removed by normalization),
headers, footers and a few characters; their word-bigram sets stay close. A post whose
estimated Jaccard similarity with an indexed post reaches ``threshold`` is a copy; every copy
points at the group's *canonical* post — the earliest by ``(published_at, crawled_at)``. If a
copy arrives that is earlier than the current canonical, it becomes canonical and the
re-pointed ids are reported so the caller can update stored posts.

State is bounded: entries leave the index when their arrival time (``crawled_at``) falls out
of ``window`` behind the newest arrival, and the earliest arrivals leave first when
``max_items`` is exceeded — by arrival time, not by the order they were added in (a post
arriving with an old crawl time, e.g. one stored earlier and analysed later, leaves with its
time, not after every entry added before it).

Why SQLite and not datasketch's in-memory ``MinHashLSH``: a week of a busy city is 200 k posts,
and the in-memory index costs about 6 KB per post (a Python set per band) — over a gigabyte —
and has to be rebuilt by replaying the week at every crawl start. On disk the index is ready
the moment the file is opened, memory stays flat, and a post costs a few indexed lookups. The
banding (``b`` bands of ``r`` rows) is datasketch's choice for the candidate threshold.

Tables: ``dedup_entry`` (one row per indexed post, ``n`` = the order added, ``arrived`` indexed
for eviction, the signature as 32-bit values) and ``dedup_band`` (one row per band of each entry: a 64-bit hash of the band's values).
Writes are grouped in a transaction until :meth:`commit`.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH

from yuqing.nlp.segment import is_content
from yuqing.storage.sqlite_file import open_cache

__all__ = ["NearDuplicateIndex", "DupResult", "shingles", "shingle_hashes"]

_SHIFT = np.uint64(32)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constants for the band hash
_BAND = np.uint64(0xC2B2AE3D27D4EB4F)
_IN_LIMIT = 500  # ids per "IN (...)" query (SQLite's default limit on variables: 999)

SCHEMA = """
CREATE TABLE IF NOT EXISTS dedup_entry (
    n INTEGER PRIMARY KEY, post_id TEXT NOT NULL UNIQUE, canonical TEXT NOT NULL,
    key_time REAL NOT NULL, key_crawled REAL NOT NULL, arrived REAL NOT NULL, sig BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS dedup_entry_canonical ON dedup_entry(canonical);
CREATE INDEX IF NOT EXISTS dedup_entry_arrived ON dedup_entry(arrived);
CREATE TABLE IF NOT EXISTS dedup_band (
    band INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (band, n)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dedup_band_n ON dedup_band(n);
CREATE TABLE IF NOT EXISTS dedup_params (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def shingles(words: Sequence[str], n: int = 2) -> set[bytes]:
    """Word n-grams of content words (punctuation and whitespace dropped), as bytes."""
    # content tokens (the stage's) are mostly letters and digits: then nothing to drop
    ws = words if all(map(str.isalnum, words)) else [w for w in words if is_content(w)]
    if len(ws) < n:
        return {"\x1f".join(ws).encode()} if ws else set()
    grams = zip(*(ws[i:] for i in range(n)), strict=False)  # stops at the shortest
    return {s.encode() for s in map("\x1f".join, grams)}


def shingle_hashes(words: Sequence[str], n: int = 2) -> np.ndarray:
    """CRC-32 of each of :func:`shingles` (as uint64), a shingle occurring twice hashed twice:
    a MinHash signature is a minimum, which repeats do not change. Each word is encoded once
    (UTF-8 encodes a joined string as the join of its parts' encodings) and no set is built."""
    ws = words if all(map(str.isalnum, words)) else [w for w in words if is_content(w)]
    if len(ws) < n:
        return np.array([zlib.crc32("\x1f".join(ws).encode())] if ws else [], dtype=np.uint64)
    enc = list(map(str.encode, ws))  # the loop in C
    grams = map(b"\x1f".join, zip(*(enc[i:] for i in range(n)), strict=False))
    return np.fromiter(map(zlib.crc32, grams), dtype=np.uint64, count=len(ws) - n + 1)


@dataclass
class DupResult:
    duplicate_of: str | None
    similarity: float = 0.0
    repointed: list[str] = field(default_factory=list)  # ids now pointing at this post


class NearDuplicateIndex:
    """``path``: the SQLite file holding the index (None: in memory, for one process)."""

    def __init__(
        self,
        *,
        num_perm: int = 64,
        threshold: float = 0.7,
        shingle: int = 2,
        window_seconds: float = 7 * 86400,
        max_items: int = 200_000,
        seed: int = 1,
        path: str | Path | None = None,
    ):
        self.num_perm = num_perm
        self.threshold = threshold
        self.shingle = shingle
        self.window_seconds = window_seconds
        self.max_items = max_items
        # LSH tuned a little below the verify threshold so borderline pairs are candidates
        lsh = MinHashLSH(threshold=max(0.3, threshold - 0.15), num_perm=num_perm)
        self.bands, self.rows = lsh.b, lsh.r
        # multiply-shift universal hashing (wrap-around uint64 arithmetic, no modulo)
        rng = np.random.RandomState(seed)
        self.seed = seed
        self._a = rng.randint(1, 1 << 62, size=num_perm, dtype=np.uint64) * 2 + 1
        self._b = rng.randint(0, 1 << 62, size=num_perm, dtype=np.uint64)
        self._pow = _MIX ** np.arange(self.rows, dtype=np.uint64)
        self._band_ids = np.arange(self.bands, dtype=np.uint64) * _BAND
        self._band_insert = "INSERT OR IGNORE INTO dedup_band VALUES " + ",".join(
            ["(?,?)"] * self.bands
        )
        self.db = self._open(path)
        self._count = self._one("SELECT count(*) FROM dedup_entry") or 0
        self._newest: float | None = self._one("SELECT max(arrived) FROM dedup_entry")
        #: the earliest arrival indexed (the next to leave the window)
        self._oldest: float | None = self._first_arrival()
        #: ids of the batch being added (:meth:`expect`) that were not indexed when it began
        self._absent: set[str] = set()

    # -- storage ---------------------------------------------------------------------------
    def _open(self, path: str | Path | None) -> sqlite3.Connection:
        db = open_cache(path, "NLP state", SCHEMA)
        params = repr((self.num_perm, self.shingle, self.seed, self.bands, self.rows))
        if db.execute("SELECT value FROM dedup_params WHERE key='params'").fetchone() != (params,):
            # signatures made with other parameters cannot be compared: start empty
            db.executescript("DELETE FROM dedup_band; DELETE FROM dedup_entry;")
            db.execute("INSERT OR REPLACE INTO dedup_params VALUES ('params', ?)", (params,))
        return db

    def _one(self, sql: str, args: tuple = ()):
        row = self.db.execute(sql, args).fetchone()
        return row[0] if row else None

    def _begin(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def _first_arrival(self) -> float | None:
        return self._one("SELECT min(arrived) FROM dedup_entry")

    def expect(self, post_ids: Sequence[str]) -> None:
        """The ids about to be added (a batch): one query tells which are indexed already,
        so :meth:`add` skips its per-post lookup for the others (until :meth:`commit`)."""
        ids = list(dict.fromkeys(post_ids))
        known: set[str] = set()
        for i in range(0, len(ids), _IN_LIMIT):
            part = ids[i : i + _IN_LIMIT]
            marks = ",".join("?" * len(part))
            known.update(
                pid
                for (pid,) in self.db.execute(
                    f"SELECT post_id FROM dedup_entry WHERE post_id IN ({marks})", part
                )
            )
        self._absent = set(ids) - known

    def commit(self) -> None:
        """Make the writes since the last commit durable."""
        self._absent = set()
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.commit()
        self.db.close()

    def __len__(self) -> int:
        return self._count

    # -- hashing ---------------------------------------------------------------------------
    def _signature(self, items: set[bytes]) -> np.ndarray:
        hv = np.fromiter(map(zlib.crc32, items), dtype=np.uint64, count=len(items))
        return self._signature_of(hv)

    def _signature_of(self, hv: np.ndarray) -> np.ndarray:
        """The MinHash signature of the shingles' CRC-32 values ``hv`` (repeats allowed)."""
        phv = (np.multiply.outer(hv, self._a) + self._b) >> _SHIFT
        return phv.min(axis=0).astype(np.uint32)

    def _band_keys(self, sig: np.ndarray) -> list[int]:
        cut = sig[: self.bands * self.rows].astype(np.uint64).reshape(self.bands, self.rows)
        keys = (cut * self._pow).sum(axis=1, dtype=np.uint64) ^ self._band_ids
        return keys.view(np.int64).tolist()

    # -- the index -------------------------------------------------------------------------
    def add(
        self,
        post_id: str,
        words: Sequence[str],
        *,
        published_at: datetime | None,
        crawled_at: datetime,
    ) -> DupResult:
        """Index a post; return the canonical copy it duplicates (or None)."""
        arrived = crawled_at.timestamp()
        if self._newest is None or arrived > self._newest:
            self._newest = arrived
        if post_id in self._absent:  # not indexed when the batch began, not added since
            self._absent.discard(post_id)
            known = None
        else:
            known = self._one("SELECT canonical FROM dedup_entry WHERE post_id=?", (post_id,))
        if known is not None:  # re-processing the same post: idempotent
            return DupResult(None if known == post_id else known, 1.0)
        hv = shingle_hashes(words, self.shingle)
        if not len(hv):
            return DupResult(None)
        sig = self._signature_of(hv)
        bands = self._band_keys(sig)
        key = ((published_at or crawled_at).timestamp(), arrived)
        self._begin()
        best_id: str | None = None
        best_canon, best_sim = "", 0.0
        marks = ",".join("?" * len(bands))
        for cand, canon, blob in self.db.execute(
            "SELECT e.post_id, e.canonical, e.sig FROM dedup_entry e WHERE e.n IN "
            f"(SELECT n FROM dedup_band WHERE band IN ({marks}))",
            bands,
        ):
            other = np.frombuffer(blob, dtype=np.uint32)
            sim = float(np.count_nonzero(other == sig)) / self.num_perm
            if sim >= self.threshold and (sim > best_sim or (sim == best_sim and cand < best_id)):
                best_id, best_canon, best_sim = cand, canon, sim
        result, canonical = DupResult(None), post_id
        if best_id is not None:
            canonical = best_canon
            ck = self.db.execute(
                "SELECT key_time, key_crawled FROM dedup_entry WHERE post_id=?", (canonical,)
            ).fetchone()
            if ck is not None and key < ck:
                result.repointed = self._repoint(canonical, post_id)
                canonical = post_id
            else:
                result = DupResult(canonical, best_sim)
        cur = self.db.execute(
            "INSERT INTO dedup_entry (post_id, canonical, key_time, key_crawled, arrived, sig) "
            "VALUES (?,?,?,?,?,?)",
            (post_id, canonical, key[0], key[1], arrived, sig.tobytes()),
        )
        row = cur.lastrowid
        self.db.execute(self._band_insert, [x for b in bands for x in (b, row)])  # one statement
        self._count += 1
        if self._oldest is None or arrived < self._oldest:
            self._oldest = arrived
        self._trim()
        return result

    def _repoint(self, old: str, new: str) -> list[str]:
        members = {old} | {
            m
            for (m,) in self.db.execute("SELECT post_id FROM dedup_entry WHERE canonical=?", (old,))
        }
        self.db.execute("UPDATE dedup_entry SET canonical=? WHERE canonical=?", (new, old))
        return sorted(members)

    def _evict(self, ns: list[int]) -> None:
        for i in range(0, len(ns), _IN_LIMIT):
            part = ns[i : i + _IN_LIMIT]
            marks = ",".join("?" * len(part))
            self.db.execute(f"DELETE FROM dedup_band WHERE n IN ({marks})", part)
            self._count -= self.db.execute(
                f"DELETE FROM dedup_entry WHERE n IN ({marks})", part
            ).rowcount
        self._oldest = self._first_arrival()

    def _trim(self) -> None:
        if self._count > self.max_items:  # the earliest arrivals (ties: the first added)
            over = self._count - self.max_items
            q = "SELECT n FROM dedup_entry ORDER BY arrived, n LIMIT ?"
            self._evict([n for (n,) in self.db.execute(q, (over,))])
        if self._newest is None:
            return
        horizon = self._newest - self.window_seconds
        if self._oldest is not None and self._oldest < horizon:
            q = "SELECT n FROM dedup_entry WHERE arrived < ?"
            self._evict([n for (n,) in self.db.execute(q, (horizon,))])

    def stats(self) -> dict[str, int]:
        groups = self._one(
            "SELECT count(DISTINCT canonical) FROM dedup_entry WHERE canonical != post_id"
        )
        return {"entries": self._count, "groups": groups or 0}
