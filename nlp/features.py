"""The text parts the classifier's features read: a ``title\\nbody`` document's title (first
line), body (the rest) or all of it. :class:`Field` selects a part inside a scikit-learn
pipeline; the fast path (:mod:`yuqing.nlp.fastpath`) applies the same :func:`select_part`.
:class:`TaxonomyAnchors` adds keyword anchors from the platform's category tree."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
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
    split at 、和与及, two characters or more, 其他 left out. ``level`` 2: one anchor per
    second-level class instead; ``level`` 3: per first-level class, its second-level names and
    its third-level names as two anchors. The names are read at ``fit`` and kept (``terms_``),
    so a fitted model needs no file."""

    def __init__(self, path: str | None = None, level: int = 1):
        self.path = path
        self.level = level

    def fit(self, X, y=None):
        level = getattr(self, "level", 1)
        if level not in (1, 2, 3):
            raise ValueError(f"TaxonomyAnchors level must be 1, 2 or 3, not {level!r}")
        tree: dict[str, dict[str, set[str]]] = {}
        with open(self.path or TAXONOMY, encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                first = row["一级分类"]
                for depth, name in ((2, row["二级分类"]), (3, row["三级分类"])):
                    group = (
                        first
                        if level == 1
                        else f"{first}/{row['二级分类']}"
                        if level == 2
                        else f"{first}/{depth}"  # level 3: second- and third-level names apart
                    )
                    for term in re.split("[、和与及]", name):
                        if len(term) >= 2 and term != "其他":
                            tree.setdefault(first, {}).setdefault(group, set()).add(term)
        labels = sorted(set(y)) if y is not None else sorted(tree)
        groups = [(g, ts) for c in labels if c in tree for g, ts in sorted(tree[c].items())]
        self.classes_ = [g for g, _ in groups]
        self.terms_ = [sorted(ts) for _, ts in groups]
        return self

    def counts(self, text: str) -> np.ndarray:
        """log(1 + occurrences of each class's names); only names whose characters all occur
        in the text are counted (the same numbers, less work). Which characters occur is one
        array lookup of the text's code points (``set(text)`` built a string per character)."""
        return self._count(text, self._index().candidates(text))

    def counts_many(self, texts: Sequence[str]) -> list[np.ndarray]:
        """:meth:`counts` of each text (the same arrays), the names' characters checked for
        the whole batch at once (:meth:`_NameChars.candidates_many`)."""
        found = self._index().candidates_many(texts)
        return [self._count(text, names) for text, names in zip(texts, found, strict=True)]

    def _index(self) -> _NameChars:
        index = self.__dict__.get("_by_char")
        if index is None:
            index = self.__dict__["_by_char"] = _NameChars(self.terms_)
        return index

    def _count(self, text: str, names: list[tuple[int, str]]) -> np.ndarray:
        out = [0.0] * len(self.terms_)
        for k, w in names:
            out[k] += text.count(w)
        return np.log1p(np.array(out, float))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_by_char", None)  # rebuilt on first use
        return state

    def transform(self, X):
        rows = [self.counts(x) for x in X]
        return csr_matrix(np.vstack(rows) if rows else np.zeros((0, len(self.terms_))))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"anchor:{c}" for c in self.classes_], dtype=object)


class _NameChars:
    """The category tree's names by their characters: :meth:`candidates` gives the names
    whose characters all occur in a text (a name with a missing character is not in it)."""

    def __init__(self, terms: list[list[str]]):
        self.names = [(k, w) for k, ts in enumerate(terms) for w in ts]
        chars: dict[str, int] = {}
        for _, w in self.names:
            for ch in w:
                chars.setdefault(ch, len(chars) + 1)  # 0: a character in no name
        self.top = max(map(ord, chars), default=0) + 1
        #: code point → the character's number (0 beyond the names' characters)
        self.table = np.zeros(self.top + 1, dtype=np.intp)
        for ch, c in chars.items():
            self.table[ord(ch)] = c
        #: per name its characters' numbers, padded with ``pad``, which always occurs
        self.pad = len(chars) + 1
        width = max((len(w) for _, w in self.names), default=1)
        self.name_chars = np.full((len(self.names), width), self.pad, dtype=np.intp)
        for i, (_, w) in enumerate(self.names):
            self.name_chars[i, : len(w)] = [chars[ch] for ch in w]

    def candidates(self, text: str) -> list[tuple[int, str]]:
        """(class index, name) of the names whose characters all occur in ``text``."""
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        present = np.zeros(self.pad + 1, dtype=bool)
        present[self.table[np.minimum(cp, self.top)]] = True
        present[0], present[self.pad] = False, True
        names = self.names
        return [names[i] for i in np.flatnonzero(present[self.name_chars].all(axis=1)).tolist()]

    def candidates_many(self, texts: Sequence[str]) -> list[list[tuple[int, str]]]:
        """:meth:`candidates` of each text (the same lists), one row of present characters
        per text, filled for the whole batch at once."""
        n = len(texts)
        cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        lens = np.fromiter(map(len, texts), dtype=np.intp, count=n)
        present = np.zeros((n, self.pad + 1), dtype=bool)
        present[np.repeat(np.arange(n), lens), self.table[np.minimum(cp, self.top)]] = True
        present[:, 0], present[:, self.pad] = False, True
        rows, found = np.nonzero(present[:, self.name_chars].all(axis=2))
        out: list[list[tuple[int, str]]] = [[] for _ in range(n)]
        names = self.names
        for r, i in zip(rows.tolist(), found.tolist(), strict=True):
            out[r].append(names[i])
        return out
