"""The category classifier: a scikit-learn pipeline over jieba words and characters.

Features (a ``FeatureUnion``): TF-IDF of jieba content words over the whole text, TF-IDF of
the title's words and characters (the first line carries most of the routing signal),
optionally character n-grams of the body, and **keyword anchors** from the platform's category
tree (:class:`TaxonomyAnchors`: per first-level class, how often its second- and third-level
names occur in the text). The classifier is a ``LinearSVC`` wrapped in
``CalibratedClassifierCV`` (sigmoid), so ``category_score`` is a probability and a low one
marks the post ``category_uncertain``.

Persisted as a :class:`~yuqing.nlp.model_file` payload with labels, training-data SHA-256,
library versions and dev metrics; see ``nlp/model_file.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from yuqing.nlp.features import Field, TaxonomyAnchors  # re-exported: model files pickle Field
from yuqing.nlp.segment import Segmenter

__all__ = [
    "Field",
    "TaxonomyAnchors",
    "build_pipeline",
    "CategoryClassifier",
    "evaluate_predictions",
    "DEFAULT_PARAMS",
]

DEFAULT_PARAMS: dict[str, Any] = {
    "C": 1.0,
    "word_ngrams": 1,  # 1 = unigrams, 2 = unigrams + bigrams
    "title_words": False,
    "title_chars": False,
    "body_chars": True,
    "calibration_cv": 5,
    "max_features": 150_000,
    "anchors": 0.3,  # weight of the taxonomy keyword anchors (0 = off)
    "anchor_level": 1,  # 1: one anchor per first-level class; 2: per second-level class;
    # 3: per first-level class, its second-level and its third-level names as two anchors
    "chars_part": "all",  # the text part the character n-grams read: all or body
    "char_ngram_max": 3,  # character 1…n-grams
    "class_weight": None,
    "word_min_df": 2,  # for word n-grams > 1 only (unigrams keep every word)
    "char_max_df": 1.0,  # drop character n-grams in more than this share of documents
}


def _words(
    segmenter: Segmenter, ngrams: int, max_features: int | None, min_df: int = 2
) -> TfidfVectorizer:
    if ngrams == 1:
        return TfidfVectorizer(analyzer=segmenter, sublinear_tf=True, max_features=max_features)
    return TfidfVectorizer(
        tokenizer=segmenter,
        lowercase=False,
        token_pattern=None,
        ngram_range=(1, ngrams),
        sublinear_tf=True,
        min_df=min_df,
        max_features=max_features,
    )


def _chars(
    ngram_range: tuple[int, int], max_features: int | None, min_df: int = 2, max_df: float = 1.0
):
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=ngram_range,
        sublinear_tf=True,
        min_df=min_df,
        max_df=max_df,
        max_features=max_features,
    )


def build_pipeline(segmenter: Segmenter, **params: Any) -> Pipeline:
    """The unfitted classifier pipeline (``params`` override :data:`DEFAULT_PARAMS`)."""
    p = {**DEFAULT_PARAMS, **params}
    unknown = set(p) - set(DEFAULT_PARAMS)
    if unknown:
        raise ValueError(f"unknown classifier parameter(s): {', '.join(sorted(unknown))}")
    mf = p["max_features"]
    parts = [
        (
            "words",
            Pipeline(
                [
                    ("f", Field("all")),
                    ("v", _words(segmenter, p["word_ngrams"], mf, p["word_min_df"])),
                ]
            ),
        )
    ]
    if p["title_words"]:
        parts.append(
            ("title_words", Pipeline([("f", Field("title")), ("v", _words(segmenter, 1, mf))]))
        )
    if p["title_chars"]:
        parts.append(
            ("title_chars", Pipeline([("f", Field("title")), ("v", _chars((1, 2), mf, min_df=1))]))
        )
    if p["body_chars"]:
        parts.append(
            (
                "body_chars",
                Pipeline(
                    [
                        ("f", Field(p["chars_part"])),
                        ("v", _chars((1, p["char_ngram_max"]), mf, max_df=p["char_max_df"])),
                    ]
                ),
            )
        )
    weights = None
    if p["anchors"]:
        parts.append(("anchors", TaxonomyAnchors(level=p["anchor_level"])))
        weights = {"anchors": float(p["anchors"])}
    svc = LinearSVC(C=p["C"], class_weight=p["class_weight"])
    clf = (
        CalibratedClassifierCV(svc, method="sigmoid", cv=p["calibration_cv"], ensemble=False)
        if p["calibration_cv"]
        else svc
    )
    return Pipeline([("features", FeatureUnion(parts, transformer_weights=weights)), ("clf", clf)])


def evaluate_predictions(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """``{"n", "accuracy", "macro_f1", "per_class": {label: {precision, recall, f1, support}}}``."""
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(
            float(
                f1_score(
                    y_true, y_pred, labels=sorted(set(y_true)), average="macro", zero_division=0
                )
            ),
            4,
        ),
        "per_class": {
            lab: {
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "f1": round(float(f[i]), 4),
                "support": int(s[i]),
            }
            for i, lab in enumerate(labels)
        },
    }


def _softmax(d: np.ndarray) -> np.ndarray:
    e = np.exp(d - d.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class CategoryClassifier:
    """A fitted pipeline plus what is needed to use and trust it."""

    pipeline: Pipeline
    labels: list[str]
    params: dict[str, Any] = field(default_factory=dict)
    idf: dict[str, float] = field(default_factory=dict)  # keyword IDF from the same corpus
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def segmenter(self) -> Segmenter:
        return (
            self.pipeline.named_steps["features"].transformer_list[0][1].named_steps["v"].analyzer
            if self.params.get("word_ngrams", 1) == 1
            else self.pipeline.named_steps["features"]
            .transformer_list[0][1]
            .named_steps["v"]
            .tokenizer
        )

    @classmethod
    def fit(
        cls, texts: Sequence[str], labels: Sequence[str], segmenter: Segmenter, **params: Any
    ) -> CategoryClassifier:
        from yuqing.nlp.keywords import fit_idf

        pipe = build_pipeline(segmenter, **params).fit(list(texts), list(labels))
        idf = fit_idf(segmenter.tokens(t) for t in texts)
        return cls(pipe, [str(c) for c in pipe.classes_], {**DEFAULT_PARAMS, **params}, idf)

    # -- inference ---------------------------------------------------------------------
    def fast(self):
        """The compiled :class:`~yuqing.nlp.fastpath.FastLinearModel`, or None if unsupported."""
        fast = self.__dict__.get("_fast")
        if fast is None:
            from yuqing.nlp.fastpath import Unsupported, compile_pipeline

            try:
                fast = compile_pipeline(self.pipeline)
            except Unsupported:
                fast = False
            self.__dict__["_fast"] = fast
        return fast or None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_fast", None)  # rebuilt from the pipeline after loading
        return state

    def proba_one(self, text: str, tokens: Iterable[str] | None = None) -> np.ndarray:
        """Class probabilities of one normalized text; ``tokens`` = its content tokens from
        this classifier's segmenter, as a list or a Counter (saves the segmentation)."""
        fast = self.fast()
        if fast is None:
            return self.sklearn_predict_proba([text])[0]
        if fast.calibrated:
            return fast.predict_proba(text, tokens)
        return _softmax(fast.decision_function(text, tokens)[None, :])[0]

    def proba_many(
        self, texts: Sequence[str], tokens: Sequence[Iterable[str] | None]
    ) -> list[np.ndarray]:
        """:meth:`proba_one` of each text (``tokens[i]`` for ``texts[i]``), step by step
        over the batch on the fast path (the same numbers)."""
        fast = self.fast()
        if fast is None or not fast.calibrated:
            return [self.proba_one(t, k) for t, k in zip(texts, tokens, strict=True)]
        return fast.predict_proba_many(texts, tokens)

    def predict_one(self, text: str, tokens: Iterable[str] | None = None) -> tuple[str, float]:
        proba = self.proba_one(text, tokens)
        i = int(proba.argmax())
        return self.labels[i], float(proba[i])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, n_classes) probabilities (fast path when available)."""
        if self.fast() is None:
            return self.sklearn_predict_proba(texts)
        return (
            np.vstack([self.proba_one(t) for t in texts])
            if len(texts)
            else np.zeros((0, len(self.labels)))
        )

    def sklearn_predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The same through scikit-learn (reference for the fast path)."""
        clf = self.pipeline.named_steps["clf"]
        if hasattr(clf, "predict_proba"):
            return self.pipeline.predict_proba(list(texts))
        return _softmax(self.pipeline.decision_function(list(texts)))  # uncalibrated

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, probability) per text."""
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1)
        return [(self.labels[i], float(proba[k, i])) for k, i in enumerate(best)]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
        return evaluate_predictions(list(labels), [lab for lab, _ in self.predict(texts)])
