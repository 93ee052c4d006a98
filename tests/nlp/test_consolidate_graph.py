"""The consolidation's candidate graph at scale: edges with their similarities streamed a
block at a time into a maximum spanning forest, big components re-split by filtering it
(nlp/candidates.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from yuqing.nlp.candidates import Forest, components, similarity_edges, split_forest


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


def test_the_candidate_window_compares_only_posts_near_in_time():
    """Rows are in time order: with a window of 10, no wording edge joins posts more than 10
    rows apart (the place star still does); a window as long as the input is no window."""
    X, A = _random_posts(n=150, seed=5)
    plain = list(similarity_edges(X, A, 0.2, 0.25, chunk=9))
    wide = list(similarity_edges(X, A, 0.2, 0.25, chunk=9, window=150))
    assert len(plain) == len(wide)
    for pa, pb in zip(plain, wide, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(pa, pb, strict=True))
    near = list(similarity_edges(X, A, 0.2, 0.25, chunk=9, window=10))
    words = [c - r for r, c, _ in near[1:]]  # [0] is the place star
    far = [c - r for r, c, _ in plain[1:]]
    assert max(d.max() for d in words if len(d)) <= 10 < max(d.max() for d in far if len(d))
    assert np.array_equal(near[0][0], plain[0][0])  # the star is not cut


def _topical_posts(n=240, seed=7):
    """Posts on a few topics with noise of every strength (cosines spread over 0–1) and
    places drawn from a few, so components split at several thresholds in turn."""
    rng = np.random.default_rng(seed)
    topics = rng.random((4, 40)) * (rng.random((4, 40)) < 0.3)
    noise = rng.random((n, 40)) * (rng.random((n, 40)) < 0.15)
    strength = rng.random(n)[:, None] * 3
    X = sparse.csr_matrix(topics[rng.integers(0, 4, n)] + strength * noise)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = (sparse.diags(1 / np.where(norms > 0, norms, 1)) @ X).tocsr()
    A = sparse.csr_matrix((rng.random((n, 6)) < 0.06).astype(float))
    return X, A


def _recomputed(X, A, threshold, bonus, max_size, rows=None):
    """The re-split as it was: the graph (its rule, densely) recomputed on a big component's
    rows at each higher threshold (+0.1, at most 0.95)."""
    idx = np.arange(X.shape[0]) if rows is None else rows
    graph = sparse.csr_matrix(_plain_graph(X[idx], A[idx], threshold, bonus))
    out = []
    for comp in _partition(connected_components(graph, directed=False)[1]):
        comp = idx[comp]
        if len(comp) > max_size and threshold < 0.95:
            out.extend(_recomputed(X, A, min(0.95, threshold + 0.1), bonus, max_size, comp))
        else:
            out.append(list(comp))
    return sorted(out, key=lambda c: c[0])


@pytest.mark.parametrize("bonus", [0.25, 0.45])
def test_a_forest_filtered_at_each_threshold_splits_as_recomputing_the_graph(bonus):
    """Big components re-split by filtering one maximum spanning forest give the components
    that recomputing the graph at every higher threshold gave — with the place bonus below
    the first re-split threshold and above it (stars in the weighted edges)."""
    X, A = _topical_posts()
    for max_size in (15, 40):
        want = _recomputed(X, A, 0.2, bonus, max_size)
        got = components(X, A, 0.2, bonus, max_component=max_size)
        assert [list(g) for g in got] == want
        assert sum(len(g) > 1 for g in want) > 3  # linked, and split more than once
        assert len(want) > len(_recomputed(X, A, 0.2, bonus, 10**6))


@pytest.mark.parametrize("threshold", [0.2, 0.25, 0.3, 0.5])
def test_streamed_edges_have_the_plain_graphs_components_at_every_higher_threshold(threshold):
    """Place stars instead of cliques, blocks of 13 rows, each wording pair once (row <
    column) with its similarity: the edges at or above any t ≥ the threshold have the plain
    pairwise graph's components at t; folded through a forest in buffers of 40 edges, at most
    n − 1 edges are left and the components are the same."""
    X, A = _topical_posts(n=150, seed=11)
    n = X.shape[0]
    parts = list(similarity_edges(X, A, threshold, 0.25, chunk=13))
    r, c, s = (np.concatenate(x) for x in zip(*parts, strict=True))
    assert (r < c).all()
    words = parts[1:] if threshold <= 0.25 else parts  # [0]: the place stars, at the bonus
    pairs = [(a, b) for rr, cc, _ in words for a, b in zip(rr.tolist(), cc.tolist(), strict=True)]
    assert len(set(pairs)) == len(pairs)  # each pair's similarity once
    forest = Forest(n, buffer=40)
    for part in parts:
        forest.add(*part)
    fr, fc, fs = forest.edges()
    assert len(fr) <= n - 1
    counts = []
    for t in sorted({threshold, 0.3, 0.4, 0.55, 0.7, 0.9}):
        if t < threshold:
            continue
        want = _partition(connected_components(sparse.csr_matrix(_plain_graph(X, A, t, 0.25)))[1])
        counts.append(len(want))
        for rr, cc, ss in ((r, c, s), (fr, fc, fs)):
            keep = ss >= t
            G = sparse.coo_matrix((np.ones(keep.sum()), (rr[keep], cc[keep])), shape=(n, n))
            assert _partition(connected_components(G.tocsr(), directed=False)[1]) == want
    assert any(1 < k < n / 2 for k in counts)  # some posts linked, not all in one


def test_split_forest_cuts_only_the_components_over_the_size():
    """A chain 0–1–2–3–4 (similarities 0.9, 0.35, 0.9, 0.9) and a pair 5–6 (0.31): at 0.3 the
    chain (5 nodes) is over the size 3 and is split at 0.4 into {0, 1} and {2, 3, 4}; the
    pair stays whole."""
    r, c = np.array([0, 1, 2, 3, 5]), np.array([1, 2, 3, 4, 6])
    s = np.array([0.9, 0.35, 0.9, 0.9, 0.31])
    got = split_forest(7, r, c, s, 0.3, 3)
    assert [list(g) for g in got] == [[0, 1], [2, 3, 4], [5, 6]]
    assert [list(g) for g in split_forest(7, r, c, s, 0.3, 5)] == [[0, 1, 2, 3, 4], [5, 6]]
