"""The consolidation's problem vectors (:mod:`yuqing.nlp.consolidate`, step 1) from token ids.

A fast path: it re-implements ``TfidfVectorizer(analyzer=identity, sublinear_tf=True,
max_df=…, min_df=1, norm=None)`` followed by the consolidation's cut of each row to its
``k`` strongest terms and its L2 normalisation — the same values, and the same order of the
terms within a row (the order sums are taken in), so the same products bit for bit
(``tests/nlp/test_problem_vectors.py`` proves it against scikit-learn). What it saves: the
documents are token ids (int32 arrays over one :class:`Vocabulary`, as the nightly rebuild
holds its posts' tokens), read twice a block at a time — document frequencies, then each
block's rows cut to ``k`` terms — so the whole count matrix (≈ 80 entries a post, a few GB
at 1 M posts, copied several times by the vectorizer) is never held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
from scipy import sparse

__all__ = ["Vocabulary", "problem_vectors"]

BLOCK = 8192


class Vocabulary:
    """Token strings ↔ ids, ids given in the order tokens are first seen."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.words: list[str] = []

    def ids(self, tokens: Iterable[str]) -> np.ndarray:
        index, words = self.index, self.words
        out = []
        for t in tokens:
            i = index.get(t)
            if i is None:
                i = index[t] = len(words)
                words.append(t)
            out.append(i)
        return np.array(out, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.words)


def problem_vectors(
    docs: Callable[[], Iterator[np.ndarray]], n: int, n_words: int, max_df: float, k: int
) -> sparse.csr_matrix:
    """Unit TF-IDF rows cut to their ``k`` strongest terms for the ``n`` documents ``docs()``
    yields (called twice: token-id arrays, ids below ``n_words``), as the vectorizer would
    give them: sublinear tf, smooth idf, terms in more than ``max_df`` of the documents
    dropped (all kept if none would be left), ties within a row kept in the order the terms
    first appear in the documents. Columns are numbered in that order too."""
    df = np.zeros(n_words, dtype=np.int64)
    first = np.full(n_words, np.iinfo(np.int64).max, dtype=np.int64)
    seen = 0
    for block in _blocks(docs()):
        ids = np.concatenate(block) if block else np.zeros(0, dtype=np.int32)
        rows = np.repeat(np.arange(len(block)), [len(d) for d in block])
        pairs, _ = _counted(rows.astype(np.int64) * n_words + ids)
        df += np.bincount(pairs % n_words, minlength=n_words)
        words, at = np.unique(ids, return_index=True)
        first[words] = np.minimum(first[words], at + seen)
        seen += len(ids)
    used = df > 0
    rank = np.full(n_words, -1, dtype=np.int64)  # column = order of first appearance
    rank[used] = np.argsort(np.argsort(first[used], kind="stable"), kind="stable")
    kept = used & (df <= max_df * n)
    if not kept[used].any():
        kept = used
    n_cols = int(used.sum())
    df_col = np.zeros(n_cols)
    df_col[rank[used]] = df[used]
    idf = np.log((n + 1) / (df_col + 1.0)) + 1.0
    out = []
    for block in _blocks(docs()):
        out.append(_block_rows(block, n_words, rank, kept, idf, n_cols, k))
    if not out:
        return sparse.csr_matrix((n, n_cols))
    return sparse.vstack(out, format="csr")


def _blocks(docs: Iterator[np.ndarray]) -> Iterator[list[np.ndarray]]:
    block: list[np.ndarray] = []
    for d in docs:
        block.append(np.asarray(d, dtype=np.int32))
        if len(block) == BLOCK:
            yield block
            block = []
    if block:
        yield block


def _block_rows(
    block: Sequence[np.ndarray],
    n_words: int,
    rank: np.ndarray,
    kept: np.ndarray,
    idf: np.ndarray,
    n_cols: int,
    k: int,
) -> sparse.csr_matrix:
    m = len(block)
    ids = np.concatenate(block) if m else np.zeros(0, dtype=np.int32)
    rows = np.repeat(np.arange(m, dtype=np.int64), [len(d) for d in block])
    keep = kept[ids]
    ids, rows = ids[keep], rows[keep]
    pairs, tf = _counted(rows * n_words + ids)
    r, col = pairs // n_words, rank[pairs % n_words]
    # the vectorizer's arithmetic, in its order: log(tf) + 1, times idf
    v = np.log(tf.astype(np.float64))
    v += 1.0
    v *= idf[col]
    # each row's k strongest, ties by first appearance (a stable sort of the row in that order)
    order = np.lexsort((col, -v, r))
    r, col, v = r[order], col[order], v[order]
    start = np.searchsorted(r, r, side="left")
    top = np.arange(len(r)) - start < k
    X = sparse.csr_matrix((v[top], (r[top], col[top])), shape=(m, n_cols))
    X.sort_indices()
    norms = np.sqrt(_sums_backwards(X.data * X.data, X.indptr))
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ X


def _counted(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys``, ascending, and how often each occurs (a sort: numpy's
    ``unique`` hashes int64 keys, several times slower here)."""
    keys = np.sort(keys)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return keys[starts], np.diff(np.append(starts, len(keys)))


def _sums_backwards(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each row's sum taken one by one from its last entry to its first — the order
    ``X.multiply(X).sum(axis=1)`` adds a row whose entries are not sorted by column (the
    vectorizer's output: sorted by first appearance, numbered by name), so the norms are the
    same to the last bit."""
    n = len(indptr) - 1
    out = np.zeros(n)
    if len(values) == 0:
        return out
    rev = values[::-1]
    starts = len(values) - indptr[1:]  # row i begins here in the reversed array
    filled = np.diff(indptr) > 0
    out[filled] = np.add.reduceat(rev, starts[filled][::-1])[::-1]
    return out
