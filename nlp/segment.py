"""Segmentation: jieba with the project's user dictionary and stopword list.

Two interchangeable backends (``nlp.segmenter``): ``rjieba`` (the jieba-rs Rust port, the
stage's default) and ``jieba`` (pure Python; :func:`get_segmenter`'s default, used for
training), both with jieba's dictionary (jieba-rs bundles a copy of its dict.txt), the same user
dictionary loaded with ``add_word``, HMM on and the same stopword filtering; agreement, dev
macro-F1 and speed are measured in docs/nlp.md.

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

from yuqing.nlp.errors import NLPError

__all__ = [
    "Segmenter",
    "get_segmenter",
    "SegmenterBackendError",
    "DictionaryFileError",
    "BACKENDS",
    "is_content",
    "read_userdict",
    "read_stopwords",
    "DEFAULT_USERDICT",
    "DEFAULT_STOPWORDS",
]

#: the bundled dictionaries, package data of ``yuqing.nlp`` (in the wheel too); a config
#: directory's own ``userdict.txt`` / ``stopwords.txt`` or ``nlp.userdict`` replace them
_RESOURCES = Path(__file__).resolve().parent / "resources"
DEFAULT_USERDICT = _RESOURCES / "userdict.txt"
DEFAULT_STOPWORDS = _RESOURCES / "stopwords.txt"
_MEMO_SIZE = 64
BACKENDS = ("jieba", "rjieba")


class SegmenterBackendError(NLPError, ValueError):
    """The configured segmentation backend is unknown or not installed (one line, with fix)."""


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise SegmenterBackendError(
            f"nlp.segmenter must be one of {', '.join(BACKENDS)}, not {backend!r}"
        )
    if backend == "rjieba":
        import importlib.util

        if importlib.util.find_spec("rjieba") is None:
            raise SegmenterBackendError(
                "nlp.segmenter is 'rjieba' but the rjieba package is not installed: "
                "pip install rjieba, "
                "or set nlp.segmenter: jieba"
            )


class DictionaryFileError(NLPError):
    """A user dictionary or stopword file that was named (or is bundled) cannot be read."""


def _lines(path: Path | str | None) -> list[str]:
    """The file's non-blank, non-comment lines; none for ``None``. A missing file is an error
    (a silently empty dictionary changes every segmentation, and the models' fingerprint)."""
    if path is None:
        return []
    if not Path(path).is_file():
        raise DictionaryFileError(f"dictionary file not found: {path}")
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


_ALNUM = re.compile(r"[^\W_]").search  # a character for which str.isalnum() is true


def is_content(token: str) -> bool:
    """A token worth indexing: not whitespace, not pure punctuation/symbols (has a letter or
    digit). ``isalnum()`` first: true for almost every word, in C."""
    return token.isalnum() or _ALNUM(token) is not None


_is_content = is_content

# jieba-rs keeps runs like ``0731-0000-00000000``, ``www.baidu.com`` or ``2014-05-28`` whole;
# jieba passes such a run (no dictionary word) to its HMM step, which splits it with this
# pattern (``jieba.finalseg.re_skip``) and yields the pieces between matches as they are.
_RJ_SUSPECT = re.compile(r"[a-zA-Z0-9][+#&._%\-]|[+#&._%\-][a-zA-Z0-9]").search
_RJ_RUN = re.compile(r"[a-zA-Z0-9+#&._%\-]+").fullmatch
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)").split


def _jieba_compatible(words: list[str]) -> list[str]:
    """Split rjieba's ASCII runs the way jieba does (only runs with ``+#&._%-`` inside)."""
    out: list[str] = []
    for w in words:
        if len(w) > 1 and not w.isalnum() and _RJ_RUN(w):
            out.extend(p for p in _JIEBA_SKIP(w) if p)
        else:
            out.append(w)
    return out


class Segmenter:
    """jieba segmentation with a user dictionary; ``tokens()`` drops stopwords and punctuation.

    Build with :func:`get_segmenter` to share one instance (and one jieba dictionary) per
    process.
    """

    def __init__(
        self,
        userdict: tuple[str, ...] = (),
        stopwords: frozenset[str] = frozenset(),
        backend: str = "jieba",
    ):
        _check_backend(backend)
        self.backend = backend
        self.userdict = tuple(userdict)
        self.stopwords = frozenset(stopwords)
        h = hashlib.sha256("\n".join(self.userdict).encode())
        h.update(b"\0" + "\n".join(sorted(self.stopwords)).encode())
        # the dictionary's identity (not the backend's): same fingerprint = same dictionary
        self.fingerprint = h.hexdigest()[:16]
        self._tk = None
        self._rj = None  # the jieba-rs tokenizer (backend rjieba)
        self._lock = threading.Lock()
        self._memo: OrderedDict[str, list[str]] = OrderedDict()

    # -- lazy jieba ------------------------------------------------------------------
    def _entries(self):
        for line in self.userdict:
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else None
            yield parts[0], freq, tag

    def _tokenizer(self):
        if self._tk is None:
            with self._lock:
                if self._tk is None and self.backend == "rjieba":
                    try:
                        import rjieba
                    except ImportError as e:  # checked at construction; uninstalled since
                        raise SegmenterBackendError(
                            "nlp.segmenter is 'rjieba' but rjieba cannot be imported "
                            f"({e}): pip install rjieba, or set nlp.segmenter: jieba"
                        ) from None
                    rj = rjieba.Jieba()
                    for word, freq, tag in self._entries():
                        rj.add_word(word, freq, tag)
                    self._rj = rj
                    cut = rj.cut

                    class _RTokenizer:  # the one method used: lcut, HMM on like jieba's
                        __slots__ = ()

                        @staticmethod
                        def lcut(text: str) -> list[str]:
                            words = cut(text, True)
                            return _jieba_compatible(words) if _RJ_SUSPECT(text) else words

                    self._tk = _RTokenizer()
                elif self._tk is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tk = jieba.Tokenizer()
                    tk.initialize()
                    for word, freq, tag in self._entries():
                        tk.add_word(word, freq, tag)
                    self._tk = tk
        return self._tk

    def warm(self) -> Segmenter:
        self._tokenizer()
        return self

    def rjieba(self):
        """The jieba-rs tokenizer holding this segmenter's dictionary (backend ``rjieba``;
        None for ``jieba``): the anchor tagger tags with it instead of loading a second copy
        of the same dictionary."""
        if self.backend != "rjieba":
            return None
        self._tokenizer()
        return self._rj

    # -- segmentation ----------------------------------------------------------------
    def lcut(self, text: str) -> list[str]:
        """All tokens of ``text`` (HMM on, like ``jieba.lcut``); memoised for reuse."""
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
        args = (self.userdict, tuple(sorted(self.stopwords)))
        return (_restore, args if self.backend == "jieba" else args + (self.backend,))

    def __repr__(self) -> str:
        return (
            f"Segmenter(backend={self.backend}, userdict={len(self.userdict)} words, "
            f"stopwords={len(self.stopwords)}, fingerprint={self.fingerprint})"
        )


@lru_cache(maxsize=8)
def _cached(
    userdict: tuple[str, ...], stopwords: tuple[str, ...], backend: str = "jieba"
) -> Segmenter:
    return Segmenter(userdict, frozenset(stopwords), backend)


def _restore(
    userdict: tuple[str, ...], stopwords: tuple[str, ...], backend: str = "jieba"
) -> Segmenter:
    return _cached(tuple(userdict), tuple(stopwords), backend)


def get_segmenter(
    userdict: Path | str | None = DEFAULT_USERDICT,
    stopwords: Path | str | None = DEFAULT_STOPWORDS,
    backend: str = "jieba",
) -> Segmenter:
    """The process-wide segmenter for these dictionary files (missing files = empty) and
    backend (``jieba`` | ``rjieba``; :class:`SegmenterBackendError` if unknown or missing)."""
    _check_backend(backend)
    return _cached(read_userdict(userdict), tuple(sorted(read_stopwords(stopwords))), backend)
