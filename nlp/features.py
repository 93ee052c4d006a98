"""The text parts the classifier's features read: a ``title\\nbody`` document's title (first
line), body (the rest) or all of it. :class:`Field` selects a part inside a scikit-learn
pipeline; the fast path (:mod:`yuqing.nlp.fastpath`) applies the same :func:`select_part`."""

from __future__ import annotations

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
