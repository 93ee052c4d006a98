"""Keywords: TF-IDF over jieba content tokens, with an IDF learned from a corpus.

The IDF table is learned at training time from the training texts (``fit_idf``) and shipped
inside the model file, so keywords mean the same thing wherever the model runs. Unknown words
get the table's median IDF (rare-but-seen is more telling than common). Single characters
and pure numbers are never keywords, and neither are the fragments jieba makes of an
administrative code it does not know (:func:`code_fragments`).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["KeywordExtractor", "code_fragments", "fit_idf", "top_keywords"]

#: An administrative code, as message boards anonymise place names (A市, K3县, E12市): jieba
#: splits a code its dictionary does not list into the letters and digits and a 省/市/区/县
#: that its HMM glues to the characters after it (K3 | 县为, F3 | 区萌 | 宠).
_HAS_CODE = re.compile(r"[A-Z]\d{0,2}[省市区县]").search
#: over the tokens joined by \x1f (no token holds one): such a token after the letters
_GLUED = re.compile("\x1f[A-Z]\\d{0,2}\x1f([省市区县][^\x1f]+)").findall


def code_fragments(tokens: Sequence[str], text: str | None = None) -> Counter[str]:
    """The tokens (in text order) that begin with the 省/市/区/县 of an administrative code
    split off its letters (``K3``, ``县为``): pieces of two words, not a word — counted, so
    that keywords can leave these occurrences out. ``text``: the tokens' text, if at hand (a
    text without a code is passed over at once)."""
    if text is not None and _HAS_CODE(text) is None:
        return Counter()
    return Counter(_GLUED("\x1f" + "\x1f".join(tokens)))


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


#: sublinear tf ``1 + ln(c)`` of the small counts almost every token has (the same floats)
_TF = [0.0] + [1.0 + math.log(c) for c in range(1, 64)]


def top_keywords(weights: dict[str, float], k: int) -> list[str]:
    """The ``k`` heaviest keywords, ties by word — ``sorted(weights.items(), key=lambda kv:
    (-kv[1], kv[0]))[:k]`` without sorting every word in Python: only the words at or above
    the k-th largest weight are sorted."""
    if k <= 0 or not weights:
        return []
    items: Iterable[tuple[str, float]] = weights.items()
    if len(weights) > k:
        cut = sorted(weights.values(), reverse=True)[k - 1]  # the k-th largest (sort in C)
        items = [kv for kv in items if kv[1] >= cut]
    return [w for w, _ in sorted(items, key=lambda kv: (-kv[1], kv[0]))[:k]]


class KeywordExtractor:
    """Top-k TF-IDF keywords of a token list."""

    def __init__(self, idf: dict[str, float], *, default_idf: float | None = None):
        self.idf = idf
        if default_idf is None:
            vals = sorted(idf.values())
            default_idf = vals[len(vals) // 2] if vals else 1.0
        self.default_idf = default_idf
        # the IDF of the known words that can be keywords; the known words that cannot
        self._known = {w: v for w, v in idf.items() if _candidate(w)}
        self._never = frozenset(w for w in idf if not _candidate(w))

    def weights(
        self, tokens: Iterable[str], leave_out: Counter[str] | None = None
    ) -> dict[str, float]:
        """TF-IDF weight per candidate token (sublinear tf); ``leave_out``: occurrences not
        to count (:func:`code_fragments`)."""
        known, never, d, tfs = self._known, self._never, self.default_idf, _TF
        # count first, test each distinct token once (a Counter: the caller counted already)
        tf = tokens if isinstance(tokens, Counter) else Counter(tokens)
        out = {}
        for w, c in tf.items():
            v = known.get(w)
            if v is None:  # an unknown word: the median IDF, if it can be a keyword
                if w in never or not _candidate(w):
                    continue
                v = d
            out[w] = (tfs[c] if c < 64 else 1.0 + math.log(c)) * v
        for w, k in (leave_out or {}).items():  # a few words: changed in place, no copy
            if w in out:
                c = tf[w] - k
                if c > 0:
                    out[w] = (tfs[c] if c < 64 else 1.0 + math.log(c)) * known.get(w, d)
                else:
                    del out[w]
        return out

    def extract(self, tokens: Sequence[str], k: int = 8) -> list[str]:
        w = self.weights(tokens)
        return [t for t, _ in heapq.nlargest(k, w.items(), key=lambda kv: (kv[1], kv[0]))]
