"""A domain-general polarity lexicon for the negativity score.

Source: the sentiment word list that JioNLP ships (``jionlp/dictionary/sentiment_words.zip``,
33,034 words and idioms weighted −2…2; JioNLP is Apache-2.0). It is read from the installed
package **at training time only** (``pip install yuqing-sentinel[train]``) and copied into the
sentiment model file, so inference needs neither JioNLP nor anything downloaded.

:func:`lexicon_score` sums the weights of a text's words, flipping a word that follows a negator
within two words (不满意, 没有好评), and divides by √(number of lexicon words): a long review is
not more polar for being long, and one strong word still counts.
"""

from __future__ import annotations

import importlib.util
import io
import math
import zipfile
from collections.abc import Sequence
from itertools import compress
from pathlib import Path

from yuqing.nlp.errors import TrainingDataError

__all__ = ["NEGATORS", "lexicon_score", "score_hits", "load_jionlp_lexicon", "JIONLP_SOURCE"]

NEGATORS = frozenset(
    {
        "不",
        "没",
        "没有",
        "无",
        "别",
        "未",
        "不是",
        "不太",
        "不够",
        "不会",
        "不能",
        "毫无",
        "并非",
        "不怎么",
        "不怎么样",
        "并不",
        "从不",
        "绝不",
        "不再",
    }
)
JIONLP_SOURCE = (
    "JioNLP sentiment_words (jionlp/dictionary/sentiment_words.zip, Apache-2.0), "
    "33,034 words weighted -2..2"
)


def lexicon_score(words: Sequence[str], lexicon: dict[str, float]) -> float:
    """Σ weight (negated after a negator within two words) / √(lexicon words found)."""
    # the lookups run in C (map / compress); the loop sees the hits only, in order
    hits = list(compress(range(len(words)), map(lexicon.__contains__, words)))
    return score_hits(words, hits, [lexicon[words[i]] for i in hits])


def score_hits(words: Sequence[str], hits: Sequence[int], weights: Sequence[float]) -> float:
    """:func:`lexicon_score` from the positions of the lexicon words in ``words`` (ascending)
    and their weights — for a caller that has looked the words up already."""
    total, n = 0.0, 0
    for i, v in zip(hits, weights, strict=True):
        if (i and words[i - 1] in NEGATORS) or (i > 1 and words[i - 2] in NEGATORS):
            v = -v
        total += v
        n += 1
    return total / math.sqrt(n) if n else 0.0


def load_jionlp_lexicon() -> dict[str, float]:
    """The JioNLP word list from the installed ``jionlp`` package (not imported: only its data
    file is read)."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise TrainingDataError(
            "the polarity lexicon comes from JioNLP: pip install 'yuqing-sentinel[train]' "
            "(or jionlp) to rebuild the sentiment model"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "sentiment_words.zip"
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".txt"))
        text = io.TextIOWrapper(zf.open(name), encoding="utf-8").read()
    out: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.strip().split("\t")
        if len(parts) == 2 and parts[0]:
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                continue
    return out
