"""The consolidation's problem vectors from token ids (nlp/problem_vectors.py) against the
computation they re-implement: scikit-learn's TfidfVectorizer, each row cut to its k
strongest terms (a stable sort of the row as the vectorizer stores it), L2-normalised."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from tests.nlp.test_hot import analysed  # noqa: F401  (the fixture)
from yuqing.nlp import problem_vectors as pv
from yuqing.nlp.problem_vectors import Vocabulary, problem_vectors


def _reference(docs, max_df, k):
    """What consolidation computed before (nlp/consolidate.py up to d833d7c)."""
    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, max_df=max_df, norm=None)
    try:
        X = vec.fit_transform(docs).tocsr()
    except ValueError:  # every term pruned
        vec.set_params(max_df=1.0)
        X = vec.fit_transform(docs).tocsr()
    X = X.tocsr(copy=True)
    for r in range(X.shape[0]):
        lo, hi = X.indptr[r], X.indptr[r + 1]
        if hi - lo > k:
            row = X.data[lo:hi]
            row[np.argsort(-row, kind="stable")[k:]] = 0.0
    X.eliminate_zeros()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ X, vec.get_feature_names_out()


def _rows(X, names):
    """Each row as its (term, value) pairs in stored order — the order sums are taken in."""
    return [
        [(names[j], v) for j, v in zip(X.indices[a:b], X.data[a:b], strict=True)]
        for a, b in zip(X.indptr[:-1], X.indptr[1:], strict=True)
    ]


def _docs(n=300, seed=4):
    """Documents of a Zipf-ish vocabulary (many ties: equal counts of equally rare terms),
    some long (more than k terms), some empty."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(400)]
    p = 1 / np.arange(1, 401)
    p /= p.sum()
    return [
        [words[i] for i in rng.choice(400, size=int(rng.integers(0, 60)), p=p)] for _ in range(n)
    ]


@pytest.mark.parametrize(("max_df", "k"), [(0.05, 30), (0.2, 8), (1.0, 20), (0.001, 5)])
def test_the_vectors_are_the_vectorizers_to_the_last_bit(max_df, k, monkeypatch):
    monkeypatch.setattr(pv, "BLOCK", 37)  # rows read in many blocks
    docs = _docs()
    want, names = _reference(docs, max_df, k)
    vocab = Vocabulary()
    ids = [vocab.ids(d) for d in docs]
    got = problem_vectors(lambda: iter(ids), len(docs), len(vocab), max_df, k)
    # columns are numbered by first appearance: name them so
    first = list(dict.fromkeys(w for d in docs for w in d))
    assert _rows(got, first) == _rows(want, names)
    assert any(len(d) > k for d in docs) and any(not d for d in docs)


def test_the_vocabulary_numbers_tokens_as_first_seen():
    vocab = Vocabulary()
    assert vocab.ids(["b", "a", "b"]).tolist() == [0, 1, 0]
    assert vocab.ids(["c", "a"]).tolist() == [2, 1]
    assert vocab.words == ["b", "a", "c"] and len(vocab) == 3
    assert vocab.ids([]).dtype == np.int32


def test_posts_held_with_token_ids_consolidate_as_posts_with_tokens(analysed):  # noqa: F811
    """The nightly rebuild's held copies (tokens as ids of one vocabulary, the token lists
    empty) give the events the posts with their token lists give."""
    import copy

    from yuqing.nlp.anchors import AnchorExtractor
    from yuqing.nlp.consolidate import Consolidator
    from yuqing.nlp.rebuild import _slim
    from yuqing.nlp.segment import read_userdict

    c = Consolidator(anchors=AnchorExtractor(read_userdict()))
    plain = c.run(copy.deepcopy(list(analysed)))
    vocab = Vocabulary()
    held = []
    for p in copy.deepcopy(list(analysed)):
        c.anchors_of(p)
        held.append(_slim(p, vocab))
    assert all(h.tokens == [] and h.token_ids is not None for h in held)
    assert any(len(h.token_ids) for h in held)
    got = c.run(held, vocabulary=vocab)
    assert got.post_event == plain.post_event
    assert [e.to_dict() for e in got.events] == [e.to_dict() for e in plain.events]
    assert sum(e.size > 1 for e in plain.events) > 3
