"""The consolidation's candidate graph at scale: edges streamed a block at a time into a
union-find, each post's wording neighbours capped (nlp/consolidate.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from tests.nlp.test_hot import analysed  # noqa: F401  (the fixture)
from yuqing.nlp.anchors import AnchorExtractor
from yuqing.nlp.consolidate import (
    ConsolidationParams,
    Consolidator,
    _anchor_matrix,
    _Linked,
    _map_anchors,
    _similarity_edges,
)
from yuqing.nlp.segment import read_userdict


def _random_posts(n=120, seed=3):
    rng = np.random.default_rng(seed)
    X = sparse.random(n, 30, density=0.1, random_state=seed, format="csr")
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = (sparse.diags(1 / np.where(norms > 0, norms, 1)) @ X).tocsr()
    A = sparse.csr_matrix((rng.random((n, 8)) < 0.08).astype(float))
    return X, A


def _plain_graph(X, A, threshold, bonus):
    """The candidate graph by its rule, densely: cosine + ``bonus`` for a shared place ≥
    ``threshold``, no edge between posts with conflicting places."""
    shared = (A @ A.T).toarray() > 0
    has = np.asarray(A.sum(axis=1)).ravel() > 0
    S = (X @ X.T).toarray() + bonus * shared
    return (S >= threshold) & ~(has[:, None] & has[None, :] & ~shared)


def _partition(labels):
    groups = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    return sorted(groups.values())


@pytest.mark.parametrize("threshold", [0.2, 0.25, 0.3, 0.5])
def test_streamed_edges_give_the_plain_graphs_components(threshold):
    """Place stars instead of cliques, products only where needed, blocks of 7 rows, the
    union-find folding every 50 edges: the components of the plain pairwise graph."""
    X, A = _random_posts()
    plain = _plain_graph(X, A, threshold, bonus=0.25)
    _, want = connected_components(sparse.csr_matrix(plain), directed=False)
    linked = _Linked(X.shape[0], buffer=50)
    for r, c in _similarity_edges(X, A, threshold, 0.25, chunk=7):
        linked.add(r, c)
    got = [list(g) for g in linked.groups()]
    assert got == _partition(want)
    assert 1 < len(got) < X.shape[0] - 10  # some posts linked, not all in one


def test_the_neighbour_cap_bounds_the_wording_edges_a_post_keeps():
    """40 placeless posts with nearly the same wording: uncapped, each links to every other;
    capped at 5, no post keeps more than its 5 most similar — and they stay one component."""
    rng = np.random.default_rng(1)
    base = rng.random(12)
    X = sparse.csr_matrix(base + 0.05 * rng.random((40, 12)))
    X = (sparse.diags(1 / np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())) @ X).tocsr()
    A = sparse.csr_matrix((40, 1))

    def degrees(cap):
        r = np.concatenate([r for r, _ in _similarity_edges(X, A, 0.2, 0.25, max_neighbours=cap)])
        return np.bincount(r, minlength=40)

    assert degrees(None).min() == 39
    capped = list(_similarity_edges(X, A, 0.2, 0.25, max_neighbours=5))
    assert np.bincount(np.concatenate([r for r, _ in capped]), minlength=40).max() == 5
    S = (X @ X.T).toarray()
    np.fill_diagonal(S, -1)
    for r, c in capped:  # the kept ones are each row's most similar
        for row in np.unique(r):
            kept = np.sort(S[row, c[r == row]])
            assert np.allclose(kept, np.sort(S[row])[-5:])
    linked = _Linked(40)
    for r, c in capped:
        linked.add(r, c)
    assert len(linked.groups()) == 1


def _wording_degrees(c: Consolidator, posts) -> int:
    """The most wording edges any post has in the uncapped candidate graph."""
    from yuqing.nlp.events import post_time

    ps = sorted(posts, key=lambda p: (post_time(p).timestamp(), p.id))
    anchors = _map_anchors([c.anchors_of(p) for p in ps])
    X, A = c._vectors(ps, anchors), _anchor_matrix(anchors)
    rows = [r for r, _ in _similarity_edges(X, A, 0.2, 0.25, max_neighbours=None)][1:]
    return int(np.bincount(np.concatenate(rows)).max())


def test_capped_consolidation_is_the_plain_one_when_the_cap_is_not_reached(analysed):  # noqa: F811
    def run(cap):
        params = ConsolidationParams(max_neighbours=cap)
        return Consolidator(params, anchors=AnchorExtractor(read_userdict())).run(list(analysed))

    plain = run(None)
    most = _wording_degrees(Consolidator(anchors=AnchorExtractor(read_userdict())), analysed)
    assert 1 < most < 50
    for cap in (most, 50):
        capped = run(cap)
        assert capped.post_event == plain.post_event
        assert [e.to_dict() for e in capped.events] == [e.to_dict() for e in plain.events]


def test_the_candidate_window_compares_only_posts_near_in_time():
    """Rows are in time order: with a window of 10, no wording edge joins posts more than 10
    rows apart (the place star still does); a window as long as the input is no window."""
    X, A = _random_posts(n=150, seed=5)
    plain = list(_similarity_edges(X, A, 0.2, 0.25, chunk=9))
    wide = list(_similarity_edges(X, A, 0.2, 0.25, chunk=9, window=150))
    assert len(plain) == len(wide)
    for pa, pb in zip(plain, wide, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(pa, pb, strict=True))
    near = list(_similarity_edges(X, A, 0.2, 0.25, chunk=9, window=10))
    words = [np.abs(r - c) for r, c in near[1:]]  # [0] is the place star
    far = [np.abs(r - c) for r, c in plain[1:]]
    assert max(d.max() for d in words if len(d)) <= 10 < max(d.max() for d in far if len(d))
    assert np.array_equal(near[0][0], plain[0][0])  # the star is not cut
