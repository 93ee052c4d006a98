"""Focus topics (multi-label) from the ``focus`` lexicons of ``topics.yaml``, with evidence.

A topic is tagged when its lexicon terms occur in the normalized text: at least
``min_hits`` distinct terms, or one *strong* term (a term of 3+ characters, e.g. 拖欠工资,
食物中毒 — short generic terms like 学生 or 事故 need company). Matching is on substrings of
the normalized text (so a term jieba splits differently still matches), and a term that is
part of a longer matched term of the same topic is not counted twice. The evidence is the
list of matched terms per topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FocusTagger", "FocusResult"]


@dataclass(frozen=True)
class FocusResult:
    topics: list[str]
    evidence: dict[str, list[str]]


def _trie_regex(terms: list[str]) -> str:
    """A regex matching any of ``terms``, factored as a trie so it runs in one fast pass."""
    trie: dict = {}
    for t in terms:
        node = trie
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        optional = "" in node
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if optional:
            return f"(?:{body})?" if len(alts) == 1 else body + "?"
        return body

    return build(trie)


class FocusTagger:
    """Tag focus topics by lexicon; ``topics`` is a list of (id, keywords) pairs."""

    def __init__(
        self, topics: Iterable[tuple[str, Iterable[str]]], *, min_hits: int = 2, strong_len: int = 3
    ):
        self.topics = [
            (tid, sorted({k for k in kws if k}, key=lambda k: (-len(k), k))) for tid, kws in topics
        ]
        self.min_hits = min_hits
        self.strong_len = strong_len
        #: per topic, its terms as a set: a topic none of whose terms occur is passed over
        self._term_sets = [frozenset(kws) for _, kws in self.topics]
        terms = sorted({k for _, kws in self.topics for k in kws})
        self._regex = re.compile(_trie_regex(terms)) if terms else None
        # a match hides the lexicon terms inside it (拖欠工资 ⊃ 拖欠): add them back
        self._inside = {t: {u for u in terms if u in t} for t in terms}

    @classmethod
    def from_topics(cls, focus_topics, **kwargs) -> FocusTagger:
        """From ``cfg.topics.focus`` (pydantic ``Topic`` objects)."""
        return cls([(t.id, t.keywords) for t in focus_topics], **kwargs)

    def _present(self, text: str) -> set[str]:
        """Lexicon terms in ``text``: one pass of a trie-shaped regex (longest match)."""
        if self._regex is None:
            return set()
        found: set[str] = set()
        for m in set(self._regex.findall(text)):
            found |= self._inside[m]
        return found

    def terms(self, text: str) -> dict[str, list[str]]:
        """Every topic with at least one lexicon term in ``text``: {topic: terms, longest
        first}, a term inside a longer matched term not counted again."""
        present = self._present(text)
        out: dict[str, list[str]] = {}
        if not present:
            return out
        for (tid, kws), own in zip(self.topics, self._term_sets, strict=True):
            if own.isdisjoint(present):
                continue
            hits: list[str] = []
            for k in kws:  # longest first
                if k in present and not any(k in h for h in hits):
                    hits.append(k)
            if hits:
                out[tid] = hits
        return out

    def tag(self, text: str) -> FocusResult:
        topics: list[str] = []
        evidence: dict[str, list[str]] = {}
        for tid, hits in self.terms(text).items():
            if len(hits) >= self.min_hits or any(len(h) >= self.strong_len for h in hits):
                topics.append(tid)
                evidence[tid] = hits
        return FocusResult(topics, evidence)
