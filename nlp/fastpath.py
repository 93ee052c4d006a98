"""A direct inference path for the fitted linear text models (no scikit-learn call per post).

scikit-learn's per-call machinery (input validation, ``FeatureUnion`` joblib dispatch,
``CalibratedClassifierCV`` label encoding …) costs ~10 ms whatever the batch size, several
times the cost of segmenting a post. :func:`compile_pipeline` reads what a fitted pipeline
learned and recomputes the same numbers in plain Python + NumPy for one document:

* each TF-IDF block (``TfidfVectorizer``, optionally behind a :class:`~yuqing.nlp.features.Field`
  selector, inside a ``FeatureUnion`` or alone): scikit-learn's own analyzer
  (``build_analyzer()``; pure Python, no validation) → term counts → vocabulary ids →
  sublinear tf · idf → L2 norm per block — a sparse vector as ``(ids, values)``;
* the head: ``coef · x + intercept`` of a linear model (``LinearSVC``, ``LogisticRegression``),
  or of each calibrated fold of a ``CalibratedClassifierCV`` followed by its per-class sigmoid
  (``1 / (1 + exp(a·f + b))``) or isotonic (clipped linear interpolation) calibrators, the
  multiclass normalisation and the average over folds — exactly ``predict_proba``.

A word block whose analyzer is the classifier's :class:`~yuqing.nlp.segment.Segmenter` on the whole
text can take the caller's content tokens, so a post is segmented once for classifier,
keywords, tokens and sentiment. Equality with scikit-learn (``np.allclose``) is tested on the
dev set (tests/nlp/test_fastpath.py). Anything it does not recognise raises
:class:`Unsupported`, and callers fall back to scikit-learn.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from scipy.special import expit

__all__ = [
    "Unsupported",
    "FastLinearModel",
    "PairLookup",
    "WordIds",
    "SharedVocabulary",
    "SharedCounts",
    "compile_pipeline",
]


class Unsupported(ValueError):
    """The fitted pipeline has a part the fast path does not reproduce."""


@dataclass
class _Block:
    select: Callable[[Any], Any] | None  # Field selector (None: the document itself)
    lookup: Callable[[Any], tuple]  # document → (column ids, counts) of known terms
    vocab: dict[str, int]
    idf: np.ndarray | None
    sublinear: bool
    norm: str | None
    weight: float  # FeatureUnion transformer weight
    offset: int
    takes_tokens: bool  # analyzer == segmenter on the whole text


@dataclass
class _Fold:
    coef_t: np.ndarray  # (n_features, n_outputs), C-contiguous for row gathers
    intercept: np.ndarray  # (n_outputs,)
    calibrators: list  # per output: ("sigmoid", a, b) | ("isotonic", x, y); [] uncalibrated
    class_idx: list[int]  # output → column of the probability vector; [] uncalibrated
    sigmoid: tuple[np.ndarray, np.ndarray] | None = None  # (a, b) when all are sigmoid

    def __post_init__(self):
        if self.calibrators and all(c[0] == "sigmoid" for c in self.calibrators):
            self.sigmoid = (
                np.array([c[1] for c in self.calibrators]),
                np.array([c[2] for c in self.calibrators]),
            )
            self.sigmoid_lists = (
                [c[1] for c in self.calibrators],
                [c[2] for c in self.calibrators],
            )


class FastLinearModel:
    """One fitted text pipeline, recomputed directly for a single document."""

    def __init__(self, blocks: list[_Block], folds: list[_Fold], classes: list, calibrated: bool):
        self.blocks = blocks
        self.folds = folds
        self.classes = classes
        self.calibrated = calibrated

    # -- features -----------------------------------------------------------------------
    def features(
        self,
        doc: Any,
        tokens: Iterable[str] | None = None,
        looked_up: Sequence[tuple[np.ndarray, np.ndarray] | None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The sparse feature vector of ``doc`` as (column ids, values); ``looked_up[k]``:
        block k's lookup of ``doc`` if made already (:meth:`predict_proba_many`)."""
        ids_out, vals_out = [], []
        for k, b in enumerate(self.blocks):
            found = looked_up[k] if looked_up is not None else None
            if tokens is not None and b.takes_tokens:
                counts = tokens if isinstance(tokens, Counter) else Counter(tokens)
                ida, v = _lookup_counts(counts, b.vocab)
            elif found is not None:
                ida, v = found
            else:
                ida, v = b.lookup(b.select(doc) if b.select is not None else doc)
            if not len(ida):
                continue
            if b.sublinear:
                v = np.log(v) + 1.0
            if b.idf is not None:
                v *= b.idf[ida]
            if b.norm == "l2":
                n = math.sqrt(float(v @ v))
                if n > 0:
                    v /= n
            elif b.norm == "l1":
                n = float(np.abs(v).sum())
                if n > 0:
                    v /= n
            if b.weight != 1.0:
                v *= b.weight
            ids_out.append(ida + b.offset if b.offset else ida)
            vals_out.append(v)
        if not ids_out:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        if len(ids_out) == 1:
            return ids_out[0], vals_out[0]
        return np.concatenate(ids_out), np.concatenate(vals_out)

    # -- head ---------------------------------------------------------------------------
    @staticmethod
    def _decision(fold: _Fold, ids: np.ndarray, vals: np.ndarray) -> np.ndarray:
        return vals @ fold.coef_t[ids] + fold.intercept

    def decision_function(self, doc: Any, tokens: Iterable[str] | None = None) -> np.ndarray:
        """Margins of the (first) linear model: shape (n_outputs,) — one value when binary."""
        ids, vals = self.features(doc, tokens)
        return self._decision(self.folds[0], ids, vals)

    def _one_sigmoid_fold(self, d: np.ndarray) -> np.ndarray:
        """The common case (``ensemble=False``, sigmoid, multiclass) in Python floats: the
        same arithmetic as below without a dozen tiny NumPy calls."""
        fold = self.folds[0]
        a, b = fold.sigmoid_lists
        p = [0.0] * len(self.classes)
        for ci, f, ak, bk in zip(fold.class_idx, d.tolist(), a, b, strict=True):
            t = -(ak * f + bk)
            p[ci] = 1.0 / (1.0 + math.exp(-t)) if t >= 0 else math.exp(t) / (1.0 + math.exp(t))
        s = math.fsum(p)
        out = np.array(p) / s if s != 0 else np.full(len(p), 1.0 / len(p))
        out[(out > 1.0) & (out <= 1.0 + 1e-5)] = 1.0
        return out

    def predict_proba(self, doc: Any, tokens: Iterable[str] | None = None) -> np.ndarray:
        """``CalibratedClassifierCV.predict_proba`` for one document: shape (n_classes,)."""
        if not self.calibrated:
            raise Unsupported("not a calibrated classifier")
        return self._proba(*self.features(doc, tokens))

    def predict_proba_many(
        self, docs: Sequence[Any], tokens: Sequence[Iterable[str] | None]
    ) -> list[np.ndarray]:
        """:meth:`predict_proba` of each document (``tokens[i]``: the ``tokens`` of
        ``docs[i]``), the features of all first, then the head of each: each step's tables
        stay in the CPU cache; the same numbers. A block whose lookup takes a batch
        (:meth:`_CharNgramLookup.many`) looks up every document at once."""
        if not self.calibrated:
            raise Unsupported("not a calibrated classifier")
        n = len(docs)
        looked: list[list] = [[None] * len(self.blocks) for _ in range(n)]
        for k, b in enumerate(self.blocks):
            many = getattr(b.lookup, "many", None)
            if many is None or b.takes_tokens:
                continue
            sel = b.select
            texts = docs if sel is None else list(map(sel, docs))
            for row, found in zip(looked, many(texts), strict=True):
                row[k] = found
        feats = [self.features(*dtl) for dtl in zip(docs, tokens, looked, strict=True)]
        return [self._proba(ids, vals) for ids, vals in feats]

    def _proba(self, ids: np.ndarray, vals: np.ndarray) -> np.ndarray:
        n = len(self.classes)
        if len(self.folds) == 1 and self.folds[0].sigmoid is not None and n > 2:
            return self._one_sigmoid_fold(self._decision(self.folds[0], ids, vals))
        mean = np.zeros(n)
        for fold in self.folds:
            d = self._decision(fold, ids, vals)
            p = np.zeros(n)
            if fold.sigmoid is not None:  # all sigmoid: one vectorised expit
                a, b = fold.sigmoid
                p[fold.class_idx] = expit(-(a * d + b))
            else:
                for k, (cal, ci) in enumerate(zip(fold.calibrators, fold.class_idx, strict=True)):
                    f = float(d[k])
                    if cal[0] == "sigmoid":
                        p[ci] = float(expit(-(cal[1] * f + cal[2])))
                    else:
                        xs, ys = cal[1], cal[2]
                        p[ci] = (
                            float(np.interp(min(max(f, xs[0]), xs[-1]), xs, ys))
                            if len(xs) > 1
                            else float(ys[0])
                        )
            if n == 2:
                p[0] = 1.0 - p[1]
            else:
                s = p.sum()
                p = p / s if s != 0 else np.full(n, 1.0 / n)
            mean += p
        mean /= len(self.folds)
        mean[(mean > 1.0) & (mean <= 1.0 + 1e-5)] = 1.0
        return mean


# ---------------------------------------------------------------------- compilation
def _vectorizer_block(vec, select, weight: float, offset: int) -> _Block:
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    from yuqing.nlp.features import TaxonomyAnchors
    from yuqing.nlp.segment import Segmenter

    if isinstance(vec, TaxonomyAnchors):  # dense keyword-anchor counts, weighted, no idf/norm
        cols = np.arange(len(vec.classes_), dtype=np.intp)

        def anchor_counts(doc):
            return cols, vec.counts(doc)

        def anchor_counts_many(docs):  # a batch at once (FastLinearModel.predict_proba_many)
            return [(cols, c) for c in vec.counts_many(docs)]

        anchor_counts.many = anchor_counts_many  # type: ignore[attr-defined]  # read by getattr

        return _Block(
            select=None if select is None else _selector(select),
            lookup=anchor_counts,
            vocab={f"anchor:{c}": i for i, c in enumerate(vec.classes_)},
            idf=None,
            sublinear=False,
            norm=None,
            weight=float(weight),
            offset=offset,
            takes_tokens=False,
        )
    if not isinstance(vec, CountVectorizer):
        raise Unsupported(f"feature step {type(vec).__name__} is not a text vectorizer")
    if getattr(vec, "binary", False):
        raise Unsupported("binary counts")
    if isinstance(vec, TfidfVectorizer):
        idf = np.asarray(vec.idf_, dtype=np.float64) if vec.use_idf else None
        sublinear, norm = bool(vec.sublinear_tf), vec.norm
    else:
        idf, sublinear, norm = None, False, None
    if norm not in ("l2", "l1", None):
        raise Unsupported(f"norm {norm!r}")
    whole = select is None or getattr(select, "part", None) == "all"
    takes_tokens = isinstance(vec.analyzer, Segmenter) and whole
    vocab = dict(vec.vocabulary_)
    lookup = None
    if (
        vec.analyzer == "char"
        and vec.preprocessor is None
        and vec.strip_accents is None
        and vec.input == "content"
    ):
        lookup = _CharNgramLookup.build(vocab, tuple(vec.ngram_range), bool(vec.lowercase))
    if lookup is None:
        analyze = vec.build_analyzer()

        def lookup(doc, analyze=analyze, vocab=vocab):
            return _lookup_counts(Counter(analyze(doc)), vocab)

    return _Block(
        select=None if select is None else _selector(select),
        lookup=lookup,
        vocab=vocab,
        idf=idf,
        sublinear=sublinear,
        norm=norm,
        weight=float(weight),
        offset=offset,
        takes_tokens=takes_tokens,
    )


_WHITE_SPACES = re.compile(r"\s\s+")  # as sklearn's _VectorizerMixin._white_spaces


def _lookup_counts(counts: Counter, vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(column ids, counts) of the terms of ``counts`` that are in ``vocab`` — the lookups
    run in C (map / fromiter); unknown terms map to −1 and are dropped."""
    if isinstance(counts, SharedCounts):
        found = counts.lookup(vocab)
        if found is not None:
            return found
    n = len(counts)
    ids = np.fromiter(map(vocab.get, counts, repeat(-1)), dtype=np.intp, count=n)
    v = np.fromiter(counts.values(), dtype=np.float64, count=n)
    known = ids >= 0
    if not known.all():
        ids, v = ids[known], v[known]
    return ids, v


class SharedVocabulary:
    """Several models' word vocabularies (the classifier's word block, the focus model's)
    behind one dictionary: a post's distinct tokens are looked up once (:class:`SharedCounts`)
    and each model's columns are array gathers — the same (ids, counts), in the same order,
    as :func:`_lookup_counts` with that model's own vocabulary."""

    def __init__(self, vocabs: Iterable[dict[str, int]]):
        self.vocabs = [v for v in vocabs if v]
        words: dict[str, int] = {}
        for vocab in self.vocabs:
            for w in vocab:
                words.setdefault(w, len(words))
        self.words = words
        #: per vocabulary: word id → column (−1: not in it); the extra last entry maps −1
        self.cols = []
        for vocab in self.vocabs:
            col = np.full(len(words) + 1, -1, dtype=np.intp)
            for w, c in vocab.items():
                col[words[w]] = c
            self.cols.append(col)

    def count(self, tokens: Iterable[str]) -> SharedCounts:
        return SharedCounts(tokens, shared=self)

    def ids(self, words: Sequence[str]) -> np.ndarray:
        """Each word's id in the shared dictionary (−1: in none of the vocabularies); a
        vocabulary's columns are then ``column(vocab)[ids]``."""
        return np.fromiter(map(self.words.get, words, repeat(-1)), dtype=np.intp, count=len(words))

    def column(self, vocab: dict[str, int]) -> np.ndarray | None:
        """Word id → ``vocab``'s value (−1: not in it; also at index −1), or None if
        ``vocab`` is not one of the shared ones."""
        return next((c for v, c in zip(self.vocabs, self.cols, strict=True) if v is vocab), None)

    def count_ids(self, tokens: Sequence[str], ids: np.ndarray) -> SharedCounts:
        """``count(tokens)`` when the tokens' ids (``ids[i]`` of ``tokens[i]``, from
        :meth:`ids`) are known already: the counts take them instead of looking up again."""
        counts = SharedCounts(tokens, shared=self)
        first = dict(zip(tokens, ids.tolist(), strict=True))  # the Counter's key order
        n = len(first)
        counts._ids = (
            np.fromiter(first.values(), dtype=np.intp, count=n),
            np.fromiter(counts.values(), dtype=np.float64, count=n),
        )
        return counts


class SharedCounts(Counter):
    """A post's token counts that look their words up once for every vocabulary of a
    :class:`SharedVocabulary` (a plain ``Counter`` everywhere else). The ids are kept from
    the first lookup: count first, then look up."""

    def __init__(self, tokens: Iterable[str] = (), /, shared: SharedVocabulary | None = None):
        super().__init__(tokens)
        self.shared = shared  # None (a copy, an unpickled one): a plain Counter
        self._ids: tuple[np.ndarray, np.ndarray] | None = None

    def lookup(self, vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray] | None:
        """``_lookup_counts(self, vocab)`` if ``vocab`` is one of the shared ones, else None."""
        shared = self.shared
        if shared is None:
            return None
        k = next((i for i, known in enumerate(shared.vocabs) if known is vocab), None)
        if k is None:
            return None
        if self._ids is None:
            n = len(self)
            wid = np.fromiter(map(shared.words.get, self, repeat(-1)), dtype=np.intp, count=n)
            self._ids = wid, np.fromiter(self.values(), dtype=np.float64, count=n)
        wid, v = self._ids
        ids = shared.cols[k][wid]
        known = ids >= 0
        if not known.all():
            return ids[known], v[known]
        return ids, v.copy()  # callers scale the values in place


class PairLookup:
    """Counts of a word list's unigrams and ``a_b`` bigrams (the sentiment model's features,
    :func:`yuqing.nlp.sentiment.sentiment_features`) → vocabulary columns, without building
    the bigram strings: words become small integers, a bigram the integer ``a · W + b``,
    matched to the sorted vocabulary keys with ``searchsorted``. Same terms, same counts as
    the string path; a word list with ``sep`` inside a word takes the string path."""

    def __init__(
        self, vocab: dict[str, int], sep: str = "_", lexicon: dict[str, float] | None = None
    ):
        self.sep = sep
        self.vocab = vocab
        words: dict[str, int] = {}
        unigrams: list[tuple[int, int]] = []
        pairs: list[tuple[int, int, int]] = []
        for term, col in vocab.items():
            parts = term.split(sep)
            if len(parts) > 2 or not all(parts):
                raise Unsupported(f"term {term!r} is neither a word nor a word pair")
            ids = [words.setdefault(w, len(words)) for w in parts]
            if len(ids) == 1:
                unigrams.append((ids[0], col))
            else:
                pairs.append((ids[0], ids[1], col))
        #: a polarity lexicon's words share the ids (one lookup per word for both scores)
        self.lexicon = lexicon
        for word in lexicon or ():
            words.setdefault(word, len(words))
        self.in_lexicon = np.zeros(len(words) + 1, dtype=bool)  # [-1]: unknown word
        self.lexicon_values = np.zeros(len(words) + 1)
        for word, value in (lexicon or {}).items():
            self.in_lexicon[words[word]] = True
            self.lexicon_values[words[word]] = value
        self.words = words
        self.n_words = max(len(words), 1)
        self.unigram_col = np.full(len(words) + 1, -1, dtype=np.intp)  # [-1]: unknown word
        for w, col in unigrams:
            self.unigram_col[w] = col
        keys = np.array([a * self.n_words + b for a, b, _ in pairs], dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.cols = np.array([c for _, _, c in pairs], dtype=np.intp)[order]

    def word_ids(self, words: Sequence[str]) -> np.ndarray | None:
        """The words' ids (−1: unknown), or None for a word list with ``sep`` in a word."""
        if self.sep in "".join(words):
            return None
        return np.fromiter(map(self.words.get, words, repeat(-1)), dtype=np.int64, count=len(words))

    def lexicon_hits(self, ids: np.ndarray) -> tuple[list[int], list[float]]:
        """Positions of the lexicon's words among ``ids`` and their weights."""
        hits = np.flatnonzero(self.in_lexicon[ids])
        return hits.tolist(), self.lexicon_values[ids[hits]].tolist()

    def __call__(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        found = getattr(words, "found", None)  # WordIds: counted already (:meth:`many`)
        if found is not None:
            return found[0], found[1].copy()  # callers scale the values in place
        ids = getattr(words, "ids", None)  # WordIds: looked up already
        if ids is None:
            ids = self.word_ids(words)
        if ids is None:
            feats = list(words) + [a + self.sep + b for a, b in zip(words, words[1:], strict=False)]
            return _lookup_counts(Counter(feats), self.vocab)
        uni = self.unigram_col[ids]
        found = [uni[uni >= 0]]
        if len(ids) > 1 and len(self.keys):
            a, b = ids[:-1], ids[1:]
            ok = (a >= 0) & (b >= 0)
            k = a[ok] * self.n_words + b[ok]
            pos = np.searchsorted(self.keys, k)
            pos[pos >= len(self.keys)] = 0
            found.append(self.cols[pos[self.keys[pos] == k]])
        cols, counts = np.unique(np.concatenate(found), return_counts=True)
        return cols, counts.astype(np.float64)

    def many(self, ids_list: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """What :meth:`__call__` gives for each word list whose ids are ``ids_list[i]`` (the
        same columns and counts), in one pass over the batch: the lists joined by an unknown
        word (−1: no bigram spans two lists), each column tagged with its list's index above
        the vocabulary's bits and counted by one ``np.unique`` (sorted by list, then column,
        as each list's own). NumPy's per-call cost is paid per batch, not per text."""
        n = len(ids_list)
        shift = len(self.vocab).bit_length()  # every column is below 2**shift
        sep = np.full(1, -1, dtype=np.int64)
        ids = np.concatenate([x for one in ids_list for x in (one, sep)])
        lens = np.fromiter(map(len, ids_list), dtype=np.int64, count=n) + 1
        tag = np.repeat(np.arange(n, dtype=np.int64) << shift, lens)
        uni = self.unigram_col[ids]
        known = uni >= 0
        found = [uni[known] | tag[known]]
        if len(self.keys):
            a, b = ids[:-1], ids[1:]
            ok = (a >= 0) & (b >= 0)
            k = a[ok] * self.n_words + b[ok]
            pos = np.searchsorted(self.keys, k)
            pos[pos >= len(self.keys)] = 0
            hit = self.keys[pos] == k
            found.append(self.cols[pos[hit]] | tag[:-1][ok][hit])
        tagged, counts = np.unique(np.concatenate(found), return_counts=True)
        bounds = np.searchsorted(tagged >> shift, np.arange(n + 1)).tolist()
        cols = (tagged & ((1 << shift) - 1)).astype(np.intp, copy=False)
        values = counts.astype(np.float64)
        return [(cols[a:b], values[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


class WordIds(list):
    """A word list carrying its :class:`PairLookup` ids (``None``: not looked up) and, once
    a batch was counted (:meth:`PairLookup.many`), its columns and counts."""

    ids: np.ndarray | None = None
    found: tuple[np.ndarray, np.ndarray] | None = None


class _CharNgramLookup:
    """Character n-gram counts → vocabulary columns, vectorised with NumPy.

    Every character that occurs in a vocabulary term gets a code 1…K−1 (others 0). An n-gram
    of known characters is the integer ``Σ code_i · K^(n−1−i)`` — distinct for distinct strings
    of any length ≤ max n, because codes are ≥ 1 — so the text's n-grams are integer arrays
    built by shifting, counted with ``np.unique`` and matched to the sorted vocabulary keys
    with ``searchsorted``. An n-gram containing an unknown character is in no vocabulary term.
    Same terms, same counts as scikit-learn's ``analyzer="char"`` (lowercase, runs of
    whitespace → one space).
    """

    def __init__(
        self,
        chars: dict[str, int],
        base: int,
        keys: np.ndarray,
        cols: np.ndarray,
        ngram_range: tuple[int, int],
        lower: bool,
    ):
        self.chars, self.base, self.keys, self.cols = chars, base, keys, cols
        self.lo, self.hi = ngram_range
        self.lower = lower
        # code point → code, one array lookup per text instead of a dict lookup per
        # character; the last entry (0) stands for every code point beyond the known ones
        top = max(map(ord, chars), default=0) + 1
        self.table = np.zeros(top + 1, dtype=np.int64)
        for ch, code in chars.items():
            self.table[ord(ch)] = code
        #: every n-gram key is below 2**shift (:meth:`many` tags keys with a text's index)
        self.shift = (base**self.hi - 1).bit_length()

    @classmethod
    def build(cls, vocab: dict[str, int], ngram_range: tuple[int, int], lower: bool):
        lo, hi = ngram_range
        chars: dict[str, int] = {}
        for term in vocab:
            for ch in term:
                if ch not in chars:
                    chars[ch] = len(chars) + 1
        base = len(chars) + 1
        if lo < 1 or hi < lo or base**hi >= 2**62 or any(not lo <= len(t) <= hi for t in vocab):
            return None  # keys would overflow int64 (or an odd vocabulary): Counter path
        keys = np.empty(len(vocab), dtype=np.int64)
        cols = np.empty(len(vocab), dtype=np.intp)
        for i, (term, col) in enumerate(vocab.items()):
            k = 0
            for ch in term:
                k = k * base + chars[ch]
            keys[i], cols[i] = k, col
        order = np.argsort(keys, kind="stable")
        return cls(chars, base, keys[order], cols[order], ngram_range, lower)

    def _keys(self, codes: np.ndarray, tag: np.ndarray | None = None) -> list[np.ndarray]:
        """The keys of the n-grams (lo..hi) of ``codes`` made only of known characters (code >
        0), one array per n; with ``tag``, each key or-ed with the tag of its first character
        (:meth:`many`)."""
        ok1 = codes > 0
        parts = []
        keys, ok = codes, ok1
        for n in range(1, self.hi + 1):
            if n > 1:
                if len(keys) < 2:
                    break
                keys = keys[:-1] * self.base + codes[n - 1 :]
                ok = ok[:-1] & ok1[n - 1 :]
            if n >= self.lo:
                parts.append((keys if tag is None else keys | tag[: len(keys)])[ok])
        return parts

    def __call__(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if self.lower:
            text = text.lower()
        text = _WHITE_SPACES.sub(" ", text)
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = self.table[np.minimum(cp, len(self.table) - 1)]
        parts = self._keys(codes)
        allk = np.concatenate(parts) if len(parts) > 1 else (parts[0] if parts else codes[:0])
        if not len(allk):
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        uniq, counts = np.unique(allk, return_counts=True)
        pos = np.searchsorted(self.keys, uniq)
        pos[pos >= len(self.keys)] = 0
        hit = self.keys[pos] == uniq
        return self.cols[pos[hit]], counts[hit].astype(np.float64)

    def many(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[self(t) for t in texts]`` (the same arrays) in one pass over the batch: the
        texts joined by ``"\\x00"`` (code 0, in no vocabulary term: no n-gram spans two
        texts), each n-gram's key tagged with its text's index above bit :attr:`shift` and
        counted by one ``np.unique`` (sorted by text, then key, as each text's own), and the
        batch's distinct keys matched to the vocabulary once — a character or bigram common
        to the texts is searched once, not once per text. NumPy's per-call cost is paid per
        batch, not per text."""
        shift = self.shift
        if len(texts) < 2 or "\x00" in self.chars or shift + len(texts).bit_length() > 62:
            return [self(t) for t in texts]
        prep = [_WHITE_SPACES.sub(" ", t.lower() if self.lower else t) for t in texts]
        joined = "\x00".join(prep)
        cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = self.table[np.minimum(cp, len(self.table) - 1)]
        lens = np.fromiter(map(len, prep), dtype=np.int64, count=len(prep)) + 1
        tag = np.repeat(np.arange(len(prep), dtype=np.int64) << shift, lens)[: len(codes)]
        parts = self._keys(codes, tag)
        tagged, counts = np.unique(np.concatenate(parts), return_counts=True)
        distinct, where = np.unique(tagged & ((1 << shift) - 1), return_inverse=True)
        pos = np.searchsorted(self.keys, distinct)
        pos[pos >= len(self.keys)] = 0
        hit = (self.keys[pos] == distinct)[where]
        cols = self.cols[pos][where]
        counts = counts.astype(np.float64)
        bounds = np.searchsorted(tagged >> shift, np.arange(len(prep) + 1)).tolist()
        out = []
        for a, b in zip(bounds, bounds[1:], strict=False):
            h = hit[a:b]
            out.append((cols[a:b][h], counts[a:b][h]))
        return out


def _selector(step) -> Callable[[str], str]:
    from yuqing.nlp.features import Field, select_part

    if not isinstance(step, Field):
        raise Unsupported(f"selector {type(step).__name__}")
    part = step.part
    if part == "all":
        return lambda x: x
    return lambda x: select_part(x, part)


def _feature_blocks(step) -> list[_Block]:
    from sklearn.pipeline import FeatureUnion, Pipeline

    if isinstance(step, FeatureUnion):
        weights = step.transformer_weights or {}
        out, offset = [], 0
        for name, tr in step.transformer_list:
            if tr == "drop" or tr is None:
                continue
            if isinstance(tr, Pipeline):
                if len(tr.steps) == 1:
                    sel, vec = None, tr.steps[0][1]
                elif len(tr.steps) == 2:
                    sel, vec = tr.steps[0][1], tr.steps[1][1]
                else:
                    raise Unsupported(f"feature pipeline {name} has {len(tr.steps)} steps")
            else:
                sel, vec = None, tr
            b = _vectorizer_block(vec, sel, weights.get(name, 1.0), offset)
            offset += len(b.vocab)
            out.append(b)
        return out
    return [_vectorizer_block(step, None, 1.0, 0)]


def _linear_fold(est, calibrators=None, class_idx=None) -> _Fold:
    coef = getattr(est, "coef_", None)
    if coef is None or not hasattr(est, "intercept_") or hasattr(coef, "toarray"):
        raise Unsupported(f"{type(est).__name__} is not a dense linear model")
    return _Fold(
        coef_t=np.ascontiguousarray(np.asarray(coef, dtype=np.float64).T),
        intercept=np.atleast_1d(np.asarray(est.intercept_, dtype=np.float64)),
        calibrators=calibrators or [],
        class_idx=class_idx or [],
    )


def _calibrator(cal) -> tuple:
    from sklearn.isotonic import IsotonicRegression

    if hasattr(cal, "a_") and hasattr(cal, "b_"):
        return ("sigmoid", float(cal.a_), float(cal.b_))
    if isinstance(cal, IsotonicRegression) and cal.out_of_bounds == "clip":
        return (
            "isotonic",
            np.asarray(cal.X_thresholds_, dtype=np.float64),
            np.asarray(cal.y_thresholds_, dtype=np.float64),
        )
    raise Unsupported(f"calibrator {type(cal).__name__}")


def compile_pipeline(pipeline) -> FastLinearModel:
    """A :class:`FastLinearModel` equal to the fitted ``pipeline`` (features → linear head)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) != 2:
        raise Unsupported("expected a two-step Pipeline (features, classifier)")
    blocks = _feature_blocks(pipeline.steps[0][1])
    head = pipeline.steps[1][1]
    if isinstance(head, CalibratedClassifierCV):
        if head.method not in ("sigmoid", "isotonic"):
            raise Unsupported(f"calibration method {head.method!r}")
        classes = list(head.classes_)
        pos = {c: i for i, c in enumerate(classes)}
        folds = []
        for cc in head.calibrated_classifiers_:
            idx = [pos[c] for c in cc.estimator.classes_]
            if len(classes) == 2:
                idx = [1]
            cals = [_calibrator(c) for c in cc.calibrators]
            fold = _linear_fold(cc.estimator, cals, idx[: len(cals)])
            if len(fold.intercept) != len(cals):
                raise Unsupported("calibrators do not match the model's outputs")
            folds.append(fold)
        model = FastLinearModel(blocks, folds, classes, calibrated=True)
    else:
        model = FastLinearModel(
            blocks, [_linear_fold(head)], list(getattr(head, "classes_", [])), calibrated=False
        )
    n = sum(len(b.vocab) for b in blocks)
    if model.folds[0].coef_t.shape[0] != n:
        raise Unsupported(f"{n} features but the model has {model.folds[0].coef_t.shape[0]}")
    return model
