"""The consolidation's candidate graph (:mod:`yuqing.nlp.consolidate`, step 2), built to scale.

Two posts are linked when their similarity — cosine of their problems + ``bonus`` when they
share a place — reaches a threshold, never when they name only different places. The
components of that graph are the candidates for clustering; a component larger than
``max_component`` posts is split again at a higher threshold (+0.1 at a time, at most 0.95).

* :func:`similarity_edges` yields the edges a block of rows at a time (nothing n×n is held).
* :class:`Linked` folds unweighted edges into connected components (the first pass).
* :class:`Forest` folds weighted edges into a *maximum spanning forest*: for every threshold
  t, the components of the graph's edges with similarity ≥ t are those of the forest's edges
  with similarity ≥ t. So a big component's products are taken **once**, at the first
  re-split threshold, and every deeper re-split filters the forest's ≤ n − 1 edges
  (:func:`split_forest`) instead of recomputing products (before: one full pass of products
  per level, four levels deep at 100 k posts).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

__all__ = ["Forest", "Linked", "components", "groups", "similarity_edges", "split_forest"]

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
    max_neighbours: int | None = None,
) -> list[np.ndarray]:
    """The candidate components of the rows of ``X`` (problems, unit rows, in time order) and
    ``A`` (posts × places), each an ascending index array, ordered by their first index.

    First pass: the graph at ``threshold`` (place stars while ``bonus`` ≥ it), folded into a
    union-find. Each component over ``max_component`` rows: its products taken once at the
    next threshold with their similarities, folded into a maximum spanning forest, then split
    by filtering the forest's edges at that threshold and each higher one in turn
    (:func:`split_forest`) — the components the graph recomputed at each threshold has, where
    ``window`` and ``max_neighbours`` apply as at the first re-split (positions counted in
    that component's rows)."""
    linked = Linked(X.shape[0])
    for r, c, _ in similarity_edges(
        X, A, threshold, bonus, window=window, max_neighbours=max_neighbours
    ):
        linked.add(r, c)
    out: list[np.ndarray] = []
    for comp in linked.groups():
        if len(comp) <= max_component or threshold >= TOP_THRESHOLD:
            out.append(comp)
            continue
        t = next_threshold(threshold)
        forest = Forest(len(comp))
        for r, c, s in similarity_edges(
            X[comp],
            A[comp],
            t,
            bonus,
            window=window,
            max_neighbours=max_neighbours,
            weighted=True,
        ):
            forest.add(r, c, s)
        out.extend(comp[g] for g in split_forest(len(comp), *forest.edges(), t, max_component))
    out.sort(key=lambda c: int(c[0]))
    return out


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
        graph = sparse.coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(m, m))
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
    max_neighbours: int | None = None,
    window: int | None = None,
    weighted: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The edges of the candidate graph — pairs whose similarity (cosine + ``bonus`` when they
    share a place) ≥ ``threshold``, none between posts with conflicting places — or of a
    subgraph with the same connected components, as ``(rows, cols, similarities)`` arrays, a
    block of rows at a time.

    * When ``bonus`` alone reaches ``threshold``, posts sharing a place are always linked:
      each place's posts are linked to its first post (a star has the clique's components;
      similarity given as ``bonus``, a lower bound), and only posts without a place need their
      products (a pair of placed posts is linked by a shared place or in conflict; a placeless
      post's row holds its pairs with placed ones).
    * Otherwise every row's product is taken; a pair sharing a place needs cosine ≥
      threshold − bonus, any other pair cosine ≥ threshold and not both placed.

    ``weighted``: for a maximum spanning forest that is filtered at higher thresholds later —
    every row's product is taken even under a star, each pair's true similarity given once
    (row < column), so the edges with similarity ≥ t have the graph's components at every
    t ≥ ``threshold`` (the stars, at ``bonus``, drop out above it).

    ``window``: a row's products are taken only with the rows at most that many positions
    from it (rows are in time order: a post is compared with the posts nearest it in time,
    and an issue longer than that is joined through the posts between; the place star is not
    cut) — None compares every pair. ``max_neighbours``: each row keeps only its that many
    most similar wording edges (ties: lower column first). With both None, the components are
    exactly the plain graph's."""
    n = X.shape[0]
    if n == 0:
        return
    slots = anchor_slots(A)
    has = slots[:, 0] >= 0
    star = bonus >= threshold
    if star:
        Ac = A.tocsc()
        counts = np.diff(Ac.indptr)
        first = np.repeat(Ac.indices[Ac.indptr[:-1][counts > 0]], counts[counts > 0])
        member = Ac.indices.copy()
        if weighted:  # no self-loops: each is one (row < column) edge
            first, member = first[first != member], member[first != member]
        yield first, member, np.full(len(first), bonus)
    plain = star and not weighted  # products only for the placeless posts
    todo = np.flatnonzero(~has) if plain else np.arange(n)
    XT = X.T.tocsc()
    low = threshold if plain else max(0.0, threshold - bonus)
    for lo in range(0, len(todo), chunk):
        rows = todo[lo : lo + chunk]
        c0, c1 = 0, n
        if window is not None:
            c0, c1 = max(0, int(rows[0]) - window), min(n, int(rows[-1]) + window + 1)
        if weighted:  # each pair once: only the columns after the block's first row
            c0 = max(c0, int(rows[0]) + 1)
        S = (X[rows] @ XT[:, c0:c1]).tocoo()
        keep = S.data >= low
        r, c, v = rows[S.row[keep]], S.col[keep] + c0, S.data[keep]
        keep = r < c if weighted else r != c
        if window is not None:
            keep &= np.abs(r - c) <= window
        r, c, v = r[keep], c[keep], v[keep]
        if not plain:
            shared = _share(slots, r, c)
            s = np.where(shared, v + bonus, v)
            ok = np.where(shared, s >= threshold, (v >= threshold) & ~(has[r] & has[c]))
            r, c, v = r[ok], c[ok], s[ok]
        if max_neighbours is not None and len(r):
            order = np.lexsort((c, -v, r))  # by row, most similar first, then column
            r, c, v = r[order], c[order], v[order]
            start = np.searchsorted(r, r, side="left")
            keep = np.arange(len(r)) - start < max_neighbours
            r, c, v = r[keep], c[keep], v[keep]
        yield r, c, v


class Linked:
    """Connected components of edges given a block at a time (a union-find kept as labels):
    edges are buffered and folded into the labels with ``connected_components`` whenever the
    buffer fills, so memory is the labels plus one buffer, whatever the number of edges."""

    def __init__(self, n: int, buffer: int = 4_000_000):
        self.n = n
        self.labels = np.arange(n, dtype=np.int64)
        self.buffer = buffer
        self._r: list[np.ndarray] = []
        self._c: list[np.ndarray] = []
        self._held = 0

    def add(self, r: np.ndarray, c: np.ndarray) -> None:
        self._r.append(np.asarray(r, dtype=np.int64))
        self._c.append(np.asarray(c, dtype=np.int64))
        self._held += len(r)
        if self._held >= self.buffer:
            self._fold()

    def _fold(self) -> None:
        if not self._held:
            return
        r = self.labels[np.concatenate(self._r)]
        c = self.labels[np.concatenate(self._c)]
        self._r, self._c, self._held = [], [], 0
        G = sparse.coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(self.n, self.n))
        _, lab = connected_components(G.tocsr(), directed=False)
        self.labels = lab[self.labels]

    def groups(self) -> list[np.ndarray]:
        """The components as ascending index arrays, ordered by their first index."""
        self._fold()
        return groups(self.labels)


class Forest:
    """A maximum spanning forest of weighted edges given a block at a time: edges are
    buffered, and whenever the buffer fills the forest so far and the buffer are replaced by
    their maximum spanning forest (that of a union of graphs is the forest of their forests'
    union) — memory is at most n − 1 edges plus one buffer, whatever the number of edges.
    Similarities are kept exactly (the forest is taken over their negatives)."""

    def __init__(self, n: int, buffer: int = 4_000_000):
        self.n = n
        self.buffer = buffer
        empty = np.zeros(0, dtype=np.int64)
        self._r: list[np.ndarray] = [empty]
        self._c: list[np.ndarray] = [empty]
        self._s: list[np.ndarray] = [np.zeros(0)]
        self._held = 0

    def add(self, r: np.ndarray, c: np.ndarray, s: np.ndarray) -> None:
        self._r.append(np.asarray(r, dtype=np.int64))
        self._c.append(np.asarray(c, dtype=np.int64))
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
        self._r, self._c, self._s = [T.row.astype(np.int64)], [T.col.astype(np.int64)], [-T.data]
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
