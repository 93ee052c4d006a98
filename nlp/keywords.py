"""Keywords: TF-IDF over jieba content tokens, with an IDF learned from a corpus.

The IDF table is learned at training time from the training texts (``fit_idf``) and shipped
inside the model file, so keywords mean the same thing wherever the model runs. Unknown words
get the table's median IDF (rare-but-seen is more telling than common). Single characters
and pure numbers are never keywords.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["KeywordExtractor", "fit_idf"]


def fit_idf(docs: Iterable[Sequence[str]], *, min_df: int = 2) -> dict[str, float]:
    """Smoothed IDF ``ln((1+N)/(1+df)) + 1`` of every token seen in ≥ ``min_df`` documents."""
    df: Counter[str] = Counter()
    n = 0
    for doc in docs:
        n += 1
        df.update(set(doc))
    return {w: round(math.log((1 + n) / (1 + c)) + 1.0, 4) for w, c in df.items() if c >= min_df}


def _candidate(w: str) -> bool:
    return len(w) >= 2 and not w.isdigit() and not w.replace(".", "").isdigit()


class KeywordExtractor:
    """Top-k TF-IDF keywords of a token list."""

    def __init__(self, idf: dict[str, float], *, default_idf: float | None = None):
        self.idf = idf
        if default_idf is None:
            vals = sorted(idf.values())
            default_idf = vals[len(vals) // 2] if vals else 1.0
        self.default_idf = default_idf

    def weights(self, tokens: Iterable[str]) -> dict[str, float]:
        """TF-IDF weight per candidate token (sublinear tf)."""
        idf, d = self.idf, self.default_idf
        # count first, test each distinct token once (a Counter: the caller counted already)
        tf = tokens if isinstance(tokens, Counter) else Counter(tokens)
        return {
            w: (1.0 + math.log(c)) * idf.get(w, d)
            for w, c in tf.items()
            # _candidate(w), inlined: called for every distinct token of every post
            if len(w) >= 2 and not w.isdigit() and not w.replace(".", "").isdigit()
        }

    def extract(self, tokens: Sequence[str], k: int = 8) -> list[str]:
        w = self.weights(tokens)
        return [t for t, _ in heapq.nlargest(k, w.items(), key=lambda kv: (kv[1], kv[0]))]
