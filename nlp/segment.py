"""Segmentation: jieba with the project's user dictionary and stopword list.

A :class:`Segmenter` is built once per (user dictionary, stopwords) *content* and cached, so
jieba's dictionary load (≈1 s) happens once per process, lazily, on first use. A segmenter
pickles as its word lists, not as jieba's tables: a model trained with it carries the exact
dictionary it was trained with, and unpickling reuses the process's cached instance.

The last few texts' segmentations are memoised, so the classifier, the keyword extractor and
the token field all share one jieba pass per post.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

__all__ = ["Segmenter", "get_segmenter", "is_content", "read_userdict", "read_stopwords", "DEFAULT_USERDICT",
           "DEFAULT_STOPWORDS"]

_CONFIG = Path(__file__).resolve().parent.parent / "config"
DEFAULT_USERDICT = _CONFIG / "userdict.txt"
DEFAULT_STOPWORDS = _CONFIG / "stopwords.txt"
_MEMO_SIZE = 64


def _lines(path: Path | str | None) -> list[str]:
    if path is None or not Path(path).is_file():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def read_userdict(path: Path | str | None = DEFAULT_USERDICT) -> tuple[str, ...]:
    """User dictionary lines ``word [freq] [tag]`` (comments and blanks dropped)."""
    return tuple(_lines(path))


def read_stopwords(path: Path | str | None = DEFAULT_STOPWORDS) -> frozenset[str]:
    return frozenset(_lines(path))


_ALNUM = re.compile(r"[^\W_]").search   # a character for which str.isalnum() is true


def is_content(token: str) -> bool:
    """A token worth indexing: not whitespace, not pure punctuation/symbols (has a letter or
    digit). ``isalnum()`` first: true for almost every word, in C."""
    return token.isalnum() or _ALNUM(token) is not None


_is_content = is_content


class Segmenter:
    """jieba segmentation with a user dictionary; ``tokens()`` drops stopwords and punctuation.

    Build with :func:`get_segmenter` to share one instance (and one jieba dictionary) per
    process.
    """

    def __init__(self, userdict: tuple[str, ...] = (), stopwords: frozenset[str] = frozenset()):
        self.userdict = tuple(userdict)
        self.stopwords = frozenset(stopwords)
        h = hashlib.sha256("\n".join(self.userdict).encode())
        h.update(b"\0" + "\n".join(sorted(self.stopwords)).encode())
        self.fingerprint = h.hexdigest()[:16]
        self._tk = None
        self._lock = threading.Lock()
        self._memo: OrderedDict[str, list[str]] = OrderedDict()

    # -- lazy jieba ------------------------------------------------------------------
    def _tokenizer(self):
        if self._tk is None:
            with self._lock:
                if self._tk is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tk = jieba.Tokenizer()
                    tk.initialize()
                    for line in self.userdict:
                        parts = line.split()
                        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                        tag = parts[2] if len(parts) > 2 else None
                        tk.add_word(parts[0], freq, tag)
                    self._tk = tk
        return self._tk

    def warm(self) -> Segmenter:
        self._tokenizer()
        return self

    # -- segmentation ----------------------------------------------------------------
    def lcut(self, text: str) -> list[str]:
        """All jieba tokens of ``text`` (HMM on, like ``jieba.lcut``); memoised for reuse."""
        memo = self._memo
        hit = memo.get(text)
        if hit is not None:
            return hit
        words = self._tokenizer().lcut(text)
        memo[text] = words
        if len(memo) > _MEMO_SIZE:
            memo.popitem(last=False)
        return words

    def tokens(self, text: str) -> list[str]:
        """Content tokens: jieba tokens without stopwords, whitespace or punctuation."""
        sw = self.stopwords
        return [w for w in self.lcut(text) if w not in sw and _is_content(w)]

    __call__ = tokens  # usable directly as a scikit-learn ``analyzer``

    # -- pickling: by content, restored through the process cache ----------------------
    def __reduce__(self):
        return (_restore, (self.userdict, tuple(sorted(self.stopwords))))

    def __repr__(self) -> str:
        return (f"Segmenter(userdict={len(self.userdict)} words, "
                f"stopwords={len(self.stopwords)}, fingerprint={self.fingerprint})")


@lru_cache(maxsize=8)
def _cached(userdict: tuple[str, ...], stopwords: tuple[str, ...]) -> Segmenter:
    return Segmenter(userdict, frozenset(stopwords))


def _restore(userdict: tuple[str, ...], stopwords: tuple[str, ...]) -> Segmenter:
    return _cached(tuple(userdict), tuple(stopwords))


def get_segmenter(userdict: Path | str | None = DEFAULT_USERDICT,
                  stopwords: Path | str | None = DEFAULT_STOPWORDS) -> Segmenter:
    """The process-wide segmenter for these dictionary files (missing files = empty)."""
    return _cached(read_userdict(userdict), tuple(sorted(read_stopwords(stopwords))))
