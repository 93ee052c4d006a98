"""The direct inference path equals scikit-learn's output (nlp/fastpath.py)."""

import pickle

import numpy as np
import pytest

from tests.nlp.helpers import stage_parts, teddy
from yuqing.nlp.classifier import build_pipeline
from yuqing.nlp.fastpath import compile_pipeline
from yuqing.nlp.normalize import normalize
from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.sentiment import sentiment_features


@pytest.fixture(scope="module")
def dev_texts():
    return [normalize(r["text"]) for r in teddy("dev")]


def test_category_fast_path_equals_sklearn_on_dev(dev_texts):
    clf, _, _ = stage_parts()
    assert clf.fast() is not None and clf.fast().calibrated
    ref = clf.sklearn_predict_proba(dev_texts)
    fast = np.vstack([clf.proba_one(t) for t in dev_texts])
    assert ref.shape == fast.shape == (390, 7)
    assert np.allclose(fast, ref, rtol=1e-9, atol=1e-12)
    # with the caller's tokens (one shared segmentation) the result is the same
    seg = clf.segmenter
    again = np.vstack([clf.proba_one(t, seg.tokens(t)) for t in dev_texts])
    assert np.allclose(again, ref, rtol=1e-9, atol=1e-12)
    assert np.array_equal(clf.predict_proba(dev_texts[:5]), fast[:5])
    # a batch: the features of all, then the head of each - the same numbers as one by one
    toks = [seg.tokens(t) for t in dev_texts]
    many = clf.proba_many(dev_texts, [toks[0], None, *toks[2:]])
    assert np.array_equal(np.vstack(many), np.vstack([again[:1], fast[1:2], again[2:]]))


def test_sentiment_fast_path_equals_sklearn_on_dev(dev_texts):
    _, sent, _ = stage_parts()
    assert sent.fast() is not None
    docs = [get_segmenter().lcut(t) for t in dev_texts]
    ref = sent.sklearn_predict_logit(docs)
    fast = np.array([sent.logit_one(d) for d in docs])
    assert np.allclose(fast, ref, rtol=1e-9, atol=1e-12)
    proba = sent.pipeline.predict_proba([sentiment_features(d) for d in docs])[:, 1]
    assert np.allclose(1 / (1 + np.exp(-fast)), proba)


def test_fast_path_not_pickled():
    clf, sent, _ = stage_parts()
    clf.fast(), sent.fast()
    assert "_fast" not in pickle.loads(pickle.dumps(clf)).__dict__
    assert "_fast" not in pickle.loads(pickle.dumps(sent)).__dict__


def test_other_layouts_isotonic_ensemble_title_blocks(dev_texts):
    """Title word/char blocks, word bigrams, anchors, isotonic calibration averaged over folds."""
    rows = teddy("train")[::10]
    texts = [normalize(r["text"]) for r in rows]
    labels = [r["label"] for r in rows]
    pipe = build_pipeline(
        get_segmenter(), title_words=True, title_chars=True, word_ngrams=2, calibration_cv=3
    )
    pipe.set_params(clf__method="isotonic", clf__ensemble=True).fit(texts, labels)
    fast = compile_pipeline(pipe)
    assert len(fast.blocks) == 5 and len(fast.folds) == 3  # words, title x2, chars, anchors
    sample = dev_texts[:80] + ["", "只有标题", "\n只有正文  多个   空格"]
    ref = pipe.predict_proba(sample)
    got = np.vstack([fast.predict_proba(t) for t in sample])
    assert np.allclose(got, ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("ngram_range,lower", [((1, 3), True), ((2, 4), False), ((1, 1), True)])
def test_char_ngram_lookup_equals_sklearn_analyzer(ngram_range, lower):
    from collections import Counter

    from sklearn.feature_extraction.text import TfidfVectorizer

    from yuqing.nlp.fastpath import _vectorizer_block

    train = ["小区垃圾没人清理，ABC abc", "Hello  World\n\n道路  积水", "甲乙丙丁甲乙"]
    vec = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, lowercase=lower).fit(train)
    block = _vectorizer_block(vec, None, 1.0, 0)
    analyze = vec.build_analyzer()
    odd = [
        "\U0001f600甲乙\U0001f600",
        "\ud800甲乙",
        "\x00甲乙\x00丙",
    ]  # beyond the table, lone surrogate
    texts = train + ["", "x", "甲", "未知字符 甲乙\t\t丙", "HELLO   world 垃圾垃圾垃圾", *odd]
    for text in texts:
        ids, counts = block.lookup(text)
        want = {
            vec.vocabulary_[t]: c for t, c in Counter(analyze(text)).items() if t in vec.vocabulary_
        }
        assert dict(zip(ids.tolist(), counts.tolist(), strict=True)) == want, text
    # a batch looked up at once: each text's arrays as alone (texts ending and beginning with
    # spaces or a known character: no n-gram or space run across two texts)
    batch = [*texts, "甲乙 ", " 丙丁", "", "乙", "丙", *texts[::-1]]
    for k in (1, 2, 3, len(batch)):
        for text, (ids, counts) in zip(batch[:k], block.lookup.many(batch[:k]), strict=True):
            alone = block.lookup(text)
            assert ids.dtype == alone[0].dtype and counts.dtype == alone[1].dtype
            assert np.array_equal(ids, alone[0]) and np.array_equal(counts, alone[1]), text


def test_pair_lookup_equals_the_string_features(dev_texts):
    """Unigram + bigram counts from word-id pairs equal those of the feature strings, also for
    unknown words, a one-word text, no words, and words containing the separator."""
    from collections import Counter

    from yuqing.nlp.fastpath import PairLookup, WordIds, _lookup_counts

    _, sent, _ = stage_parts()
    vocab = sent.pipeline.steps[0][1].vocabulary_
    look = PairLookup(vocab)
    seg = get_segmenter()
    docs = [seg.tokens(t) for t in dev_texts[:60]]
    docs += [
        ["不", "好吃"],
        ["好吃"],
        [],
        ["没有", "zz_未知词", "不", "好"],
        ["不", "好_吃", "好吃"],
    ]
    for ws in docs:
        ids, v = look(ws)
        ref_ids, ref_v = _lookup_counts(Counter(sentiment_features(ws, content=True)), vocab)
        assert dict(zip(ids.tolist(), v.tolist(), strict=True)) == dict(
            zip(ref_ids.tolist(), ref_v.tolist(), strict=True)
        )
    # a batch of word lists with ids counted at once: each list's arrays as alone (lists
    # ending and beginning with known words: no bigram across two lists)
    batch = [ws for ws in docs if look.word_ids(ws) is not None]
    batch += [["好吃"], ["不", "好吃"], [], ["不"], ["好吃", "不"]]
    ids_list = [look.word_ids(ws) for ws in batch]
    for k in (1, 2, len(batch)):
        for ws, found in zip(batch[:k], look.many(ids_list[:k]), strict=True):
            alone = look(ws)
            assert found[0].dtype == alone[0].dtype and found[1].dtype == alone[1].dtype
            assert np.array_equal(found[0], alone[0]) and np.array_equal(found[1], alone[1])
            words = WordIds(ws)
            words.found = found
            assert all(np.array_equal(x, y) for x, y in zip(look(words), alone, strict=True))


def test_category_tokens_as_counter_or_list(dev_texts):
    from collections import Counter

    clf, _, _ = stage_parts()
    seg = clf.segmenter
    for t in dev_texts[:40]:
        toks = seg.tokens(t)
        assert np.allclose(clf.proba_one(t, Counter(toks)), clf.proba_one(t, toks))


def test_taxonomy_anchor_counts_equal_plain_counting(dev_texts):
    from yuqing.nlp.features import TaxonomyAnchors

    for level in (1, 2, 3):
        an = TaxonomyAnchors(level=level).fit(dev_texts, None)
        assert len(an.classes_) == len(an.terms_) > 0
        # the candidates come from the texts' code points: odd ones too (empty, astral,
        # a lone surrogate, NUL, a name's characters out of order)
        odd = ["", "\U0001f600道路\ud800", "\x00路道\x00", an.terms_[0][0][::-1] + "\n"]
        for t in [*dev_texts, *odd]:
            plain = [sum(t.count(w) for w in ts) for ts in an.terms_]
            assert np.array_equal(an.counts(t), np.log1p(np.array(plain, float)))
        # a batch at once: each text's counts as alone (a name's characters split between
        # the end of one text and the start of the next are in neither)
        name = an.terms_[0][0]
        batch = [*odd, name[:1], name[1:], *dev_texts[:50], "", name]
        for k in (1, 2, len(batch)):
            got = an.counts_many(batch[:k])
            assert len(got) == k
            assert all(np.array_equal(g, an.counts(t)) for g, t in zip(got, batch, strict=False))
        assert "_by_char" not in pickle.loads(pickle.dumps(an)).__dict__
