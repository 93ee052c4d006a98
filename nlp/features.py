"""The text parts the classifier's features read: a ``title\\nbody`` document's title (first
line), body (the rest) or all of it. :class:`Field` selects a part inside a scikit-learn
pipeline; the fast path (:mod:`yuqing.nlp.fastpath`) applies the same :func:`select_part`.
:class:`TaxonomyAnchors` adds keyword anchors from the platform's category tree."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin

PARTS = ("all", "title", "body")


def select_part(text: str, part: str) -> str:
    """The ``part`` (one of :data:`PARTS`) of a ``title\\nbody`` document."""
    if part == "all":
        return text
    return (text.split("\n", 1) + [""])[0 if part == "title" else 1]


class Field(BaseEstimator, TransformerMixin):
    """Select part of a ``title\\nbody`` text: ``"all"``, ``"title"`` (first line) or ``"body"``.

    Pickled model files name it ``yuqing.nlp.classifier.Field`` (or ``nlp.classifier.Field``
    before the one-namespace change): the classifier module re-exports it under that name."""

    def __init__(self, part: str = "all"):
        self.part = part

    def fit(self, X, y=None):
        if self.part not in PARTS:
            raise ValueError(f"Field part must be all, title or body, not {self.part!r}")
        return self

    def transform(self, X):
        if self.part == "all":
            return list(X)
        return [select_part(x, self.part) for x in X]


#: the platform's three-level category tree (TipDM 2020 problem C; data/teddy2020/taxonomy.csv)
TAXONOMY = Path(__file__).resolve().parent / "taxonomy.csv"


class TaxonomyAnchors(BaseEstimator, TransformerMixin):
    """Keyword anchors: for each first-level class of the training labels found in the category
    tree, log(1 + occurrences in the text of its second- and third-level names) — the names
    split at 、和与及, two characters or more, 其他 left out. The names are read at ``fit`` and
    kept (``terms_``), so a fitted model needs no file."""

    def __init__(self, path: str | None = None):
        self.path = path

    def fit(self, X, y=None):
        tree: dict[str, set[str]] = {}
        with open(self.path or TAXONOMY, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for name in (row["二级分类"], row["三级分类"]):
                    for term in re.split("[、和与及]", name):
                        if len(term) >= 2 and term != "其他":
                            tree.setdefault(row["一级分类"], set()).add(term)
        labels = sorted(set(y)) if y is not None else sorted(tree)
        self.classes_ = [c for c in labels if c in tree]
        self.terms_ = [sorted(tree[c]) for c in self.classes_]
        return self

    def counts(self, text: str) -> np.ndarray:
        return np.log1p(np.array([sum(text.count(w) for w in ts) for ts in self.terms_], float))

    def transform(self, X):
        rows = [self.counts(x) for x in X]
        return csr_matrix(np.vstack(rows) if rows else np.zeros((0, len(self.terms_))))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"anchor:{c}" for c in self.classes_], dtype=object)
