"""The consolidation's candidate graph (:mod:`yuqing.nlp.consolidate`, step 2), built to scale.

Two posts are linked when their similarity — cosine of their problems + ``bonus`` when they
share a place — reaches a threshold, never when they name only different places, nor, when
they share no place, different regions at one level (two counties: :func:`region_matrices`,
:func:`yuqing.nlp.gazetteer.regions_differ`). The
components of that graph are the candidates for clustering; a component larger than
``max_component`` posts is split again at a higher threshold (+0.1 at a time, at most 0.95).

* :func:`similarity_edges` yields the edges with their similarities a block of rows at a
  time (nothing n×n is held), each pair once.
* :class:`Forest` folds them into a *maximum spanning forest*: for every threshold t, the
  components of the graph's edges with similarity ≥ t are those of the forest's edges with
  similarity ≥ t. So the products are taken **once**, and the components at the threshold
  and every re-split above it come from filtering the forest's ≤ n − 1 edges
  (:func:`split_forest`) — before, each re-split of a big component recomputed its products
  (four levels deep at 100 k posts).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

__all__ = [
    "Forest",
    "components",
    "groups",
    "region_conflicts",
    "region_matrices",
    "regions_apart",
    "similarity_edges",
    "split_forest",
]

#: a component is not split again at a threshold above this
TOP_THRESHOLD = 0.95
THRESHOLD_STEP = 0.1


def next_threshold(threshold: float) -> float:
    """The threshold a component too big at ``threshold`` is split again with."""
    return min(TOP_THRESHOLD, threshold + THRESHOLD_STEP)


def components(
    X: sparse.csr_matrix,
    A: sparse.csr_matrix,
    threshold: float,
    bonus: float,
    *,
    max_component: int,
    window: int | None = None,
    regions: list[sparse.csr_matrix] | None = None,
) -> list[np.ndarray]:
    """The candidate components of the rows of ``X`` (problems, unit rows, in time order) and
    ``A`` (posts × places), each an ascending index array, ordered by their first index: the
    graph at ``threshold``, each component over ``max_component`` rows split again at the
    next threshold, and so on — one pass of products folded into a maximum spanning forest,
    then :func:`split_forest`. ``window``, ``regions``: see :func:`similarity_edges`
    (positions counted in the rows of ``X``, at every threshold)."""
    forest = Forest(X.shape[0])
    for r, c, s in similarity_edges(X, A, threshold, bonus, window=window, regions=regions):
        forest.add(r, c, s)
    return split_forest(X.shape[0], *forest.edges(), threshold, max_component)


def split_forest(
    n: int, r: np.ndarray, c: np.ndarray, s: np.ndarray, threshold: float, max_size: int
) -> list[np.ndarray]:
    """Components of the ``n`` nodes joined by the edges ``(r, c)`` with similarity ``s`` ≥
    ``threshold``; each one over ``max_size`` split again with its own edges at the next
    threshold, and so on up to :data:`TOP_THRESHOLD`. Exact for any edge set; with a maximum
    spanning forest of a graph it is the graph's recursive split (the components at a higher
    threshold lie inside those at a lower one, so a sub-component's forest edges are those
    of the forest inside it)."""
    out: list[np.ndarray] = []
    todo = [(np.arange(n), r, c, s, threshold)]
    while todo:
        nodes, r, c, s, t = todo.pop()
        keep = s >= t
        r, c, s = r[keep], c[keep], s[keep]
        m = len(nodes)
        graph = sparse.coo_matrix((np.ones(len(r), dtype=np.int32), (r, c)), shape=(m, m))
        _, labels = connected_components(graph.tocsr(), directed=False)
        t_next = next_threshold(t)
        for part in groups(labels):
            if len(part) <= max_size or t >= TOP_THRESHOLD:
                out.append(nodes[part])
                continue
            local = np.full(m, -1, dtype=np.int64)
            local[part] = np.arange(len(part))
            inside = labels[r] == labels[part[0]]
            todo.append((nodes[part], local[r[inside]], local[c[inside]], s[inside], t_next))
    out.sort(key=lambda g: int(g[0]))
    return out


def anchor_slots(A: sparse.csr_matrix) -> np.ndarray:
    """Each row's place columns (at most three, ``_anchor_matrix``) as an n×3 array, empty
    slots −1."""
    n = A.shape[0]
    slots = np.full((n, 3), -1, dtype=np.int64)
    counts = np.diff(A.indptr)
    rows = np.repeat(np.arange(n), counts)
    pos = np.arange(A.nnz) - A.indptr[rows]
    keep = pos < 3
    slots[rows[keep], pos[keep]] = A.indices[keep]
    return slots


def _share(slots: np.ndarray, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Whether posts ``r[i]`` and ``c[i]`` name a common place."""
    a, b = slots[r], slots[c]
    out = np.zeros(len(r), dtype=bool)
    for i in range(slots.shape[1]):
        for j in range(slots.shape[1]):
            out |= (a[:, i] == b[:, j]) & (a[:, i] >= 0)
    return out


def similarity_edges(
    X: sparse.csr_matrix,
    A: sparse.csr_matrix,
    threshold: float,
    bonus: float,
    *,
    chunk: int = 1000,
    window: int | None = None,
    regions: list[sparse.csr_matrix] | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The edges of the candidate graph at ``threshold`` and above, as ``(rows, cols,
    similarities)`` arrays with row < column, a block of rows at a time: pairs whose
    similarity (cosine + ``bonus`` when they share a place) ≥ ``threshold``, none between
    posts with conflicting places — each pair once with its similarity, so the edges with
    similarity ≥ t have the graph's components at every t ≥ ``threshold``.

    A pair sharing a place needs cosine ≥ threshold − bonus, any other pair cosine ≥
    threshold and not both placed. While ``bonus`` alone reaches ``threshold``, posts sharing
    a place are always linked, even at cosine 0 (no product): each place's posts are linked
    to its first post (a star has the clique's components), those edges given the similarity
    ``bonus`` (a lower bound; they drop out above it), and a pair sharing a place is given
    with its product only when it reaches the first threshold of the re-split sequence
    (:func:`next_threshold`) above the bonus — the lowest one where the stars no longer
    link it (at the defaults 0.2 and 0.25: shared pairs at cosine ≥ 0.05, not every one).

    ``window``: a row's products are taken only with the rows at most that many positions
    from it (rows are in time order: a post is compared with the posts nearest it in time,
    and an issue longer than that is joined through the posts between; the place star is not
    cut) — None compares every pair, and the components are exactly the plain graph's.

    ``regions``: :func:`region_matrices` of the rows; a pair sharing no place and naming
    different regions at one level is no edge."""
    n = X.shape[0]
    if n == 0:
        return
    slots = anchor_slots(A)
    has = slots[:, 0] >= 0
    if bonus >= threshold:
        Ac = A.tocsc()
        counts = np.diff(Ac.indptr)
        first = np.repeat(Ac.indices[Ac.indptr[:-1][counts > 0]], counts[counts > 0])
        member = Ac.indices.copy()
        star = first != member  # no self-loops
        yield first[star], member[star], np.full(int(star.sum()), bonus)
    # a pair sharing a place matters above the stars only: at the first threshold of the
    # re-split sequence that exceeds the bonus (the threshold itself without stars)
    above = threshold
    while above <= bonus and above < TOP_THRESHOLD:
        above = next_threshold(above)
    shared_at = above if above > bonus else np.inf
    # (the products' cut a hair low: the exact tests below decide)
    low = max(0.0, min(threshold, shared_at - bonus) - 1e-9)
    X = X.tocsr()
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        # each pair once: a block of rows against the rows after its first (up to the window)
        c1 = n if window is None else min(n, hi - 1 + window + 1)
        # the block's products, transposed: rows lo+1..c1 (a view, not a copy) times the
        # block's few columns — the product's row of sums stays as short as the block
        S = _row_view(X, lo + 1, c1) @ X[lo:hi].T.tocsr()
        at = np.flatnonzero(S.data >= low)  # (most products are far below: no COO of all)
        v = S.data[at]
        c = np.searchsorted(S.indptr, at, side="right") - 1 + lo + 1
        r = S.indices[at].astype(np.int64) + lo
        del S, at
        keep = r < c
        if window is not None:
            keep &= c - r <= window
        r, c, v = r[keep], c[keep], v[keep]
        shared = _share(slots, r, c)
        s = np.where(shared, v + bonus, v)
        ok = np.where(shared, s >= shared_at, (v >= threshold) & ~(has[r] & has[c]))
        if regions is not None and ok.any():
            at = np.flatnonzero(ok & ~shared)
            ok[at[regions_apart(regions, r[at], c[at])]] = False
        yield r[ok], c[ok], s[ok]


def region_matrices(keys: list[tuple[frozenset[str], ...]]) -> list[sparse.csr_matrix]:
    """Per level (province, prefecture, county), rows × places incidence of
    :func:`yuqing.nlp.gazetteer.region_keys` of each row."""
    out = []
    for level in range(3):
        ids: dict[str, int] = {}
        rows, cols = [], []
        for i, k in enumerate(keys):
            for key in sorted(k[level]):
                rows.append(i)
                cols.append(ids.setdefault(key, len(ids)))
        data = np.ones(len(rows), dtype=np.float32)
        out.append(sparse.csr_matrix((data, (rows, cols)), shape=(len(keys), max(len(ids), 1))))
    return out


def regions_apart(regions: list[sparse.csr_matrix], r: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Whether rows ``r[i]`` and ``c[i]`` both name one region at one level, not the same one
    (:func:`yuqing.nlp.gazetteer.regions_differ`)."""
    out = np.zeros(len(r), dtype=bool)
    for R in regions:
        has = np.diff(R.indptr) == 1
        both = np.flatnonzero(has[r] & has[c] & ~out)
        if len(both):
            common = np.asarray(R[r[both]].multiply(R[c[both]]).sum(axis=1)).ravel() > 0
            out[both[~common]] = True
    return out


def region_conflicts(regions: list[sparse.csr_matrix]) -> np.ndarray:
    """The rows × rows matrix of :func:`regions_apart` (dense: for one component)."""
    n = regions[0].shape[0]
    out = np.zeros((n, n), dtype=bool)
    for R in regions:
        has = np.diff(R.indptr) == 1
        out |= np.outer(has, has) & ~((R @ R.T).toarray() > 0)
    return out


def _row_view(X: sparse.csr_matrix, lo: int, hi: int) -> sparse.csr_matrix:
    """Rows ``lo:hi`` of ``X`` sharing its data and indices (scipy's slice copies them)."""
    a, b = X.indptr[lo], X.indptr[hi]
    return sparse.csr_matrix(
        (X.data[a:b], X.indices[a:b], X.indptr[lo : hi + 1] - a), shape=(hi - lo, X.shape[1])
    )


class Forest:
    """A maximum spanning forest of weighted edges given a block at a time: edges are
    buffered, and whenever the buffer fills the forest so far and the buffer are replaced by
    their maximum spanning forest (that of a union of graphs is the forest of their forests'
    union) — memory is at most n − 1 edges plus one buffer, whatever the number of edges.
    Similarities are kept exactly (the forest is taken over their negatives)."""

    def __init__(self, n: int, buffer: int = 2_000_000):
        self.n = n
        self.buffer = buffer
        empty = np.zeros(0, dtype=np.int32)
        self._r: list[np.ndarray] = [empty]
        self._c: list[np.ndarray] = [empty]
        self._s: list[np.ndarray] = [np.zeros(0)]
        self._held = 0

    def add(self, r: np.ndarray, c: np.ndarray, s: np.ndarray) -> None:
        self._r.append(np.asarray(r, dtype=np.int32))
        self._c.append(np.asarray(c, dtype=np.int32))
        self._s.append(np.asarray(s, dtype=np.float64))
        self._held += len(r)
        if self._held >= self.buffer:
            self._fold()

    def _fold(self) -> None:
        r, c, s = (np.concatenate(x) for x in (self._r, self._c, self._s))
        lo, hi = np.minimum(r, c), np.maximum(r, c)
        keep = lo != hi
        lo, hi, s = lo[keep], hi[keep], s[keep]
        # one entry per pair, its highest similarity (a sparse matrix would add duplicates)
        order = np.lexsort((-s, hi, lo))
        lo, hi, s = lo[order], hi[order], s[order]
        first = np.ones(len(lo), dtype=bool)
        first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        lo, hi, s = lo[first], hi[first], s[first]
        T = minimum_spanning_tree(sparse.csr_matrix((-s, (lo, hi)), shape=(self.n, self.n)))
        T = T.tocoo()
        self._r, self._c, self._s = [T.row.astype(np.int32)], [T.col.astype(np.int32)], [-T.data]
        self._held = 0

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The forest: rows, columns and similarities of at most n − 1 edges."""
        self._fold()
        return self._r[0], self._c[0], self._s[0]


def groups(labels: np.ndarray) -> list[np.ndarray]:
    """Indices grouped by label, each group ascending, groups by their first index (one sort,
    not a scan of every index per label)."""
    if len(labels) == 0:
        return []
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    parts = np.split(order, cuts)
    parts.sort(key=lambda g: int(g[0]))
    return parts
