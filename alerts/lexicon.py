"""Literal term matching with an Aho-Corasick automaton: one pass over the text whatever the
number of terms. Terms are plain strings (never user regexes), matched case-insensitively; a
regular expression of the escaped terms only tells first whether any occurs at all."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable


class Lexicon:
    """``Lexicon(["欠薪", "爆炸"]).find("工地爆炸")`` -> ``{"爆炸"}``."""

    def __init__(self, terms: Iterable[str]):
        self.terms = sorted({t.strip().lower() for t in terms if t and t.strip()})
        self._goto: list[dict[str, int]] = [{}]
        self._fail: list[int] = [0]
        self._out: list[tuple[str, ...]] = [()]
        for term in self.terms:
            self._add(term)
        self._build()
        # whether any term occurs at all, in C: most texts hold none and skip the walk below
        self._any = re.compile("|".join(map(re.escape, self.terms))) if self.terms else None

    def _add(self, term: str) -> None:
        node = 0
        for ch in term:
            nxt = self._goto[node].get(ch)
            if nxt is None:
                nxt = len(self._goto)
                self._goto[node][ch] = nxt
                self._goto.append({})
                self._fail.append(0)
                self._out.append(())
            node = nxt
        self._out[node] = self._out[node] + (term,)

    def _build(self) -> None:
        queue = deque(self._goto[0].values())
        while queue:
            node = queue.popleft()
            for ch, child in self._goto[node].items():
                queue.append(child)
                f = self._fail[node]
                while f and ch not in self._goto[f]:
                    f = self._fail[f]
                target = self._goto[f].get(ch, 0)
                self._fail[child] = target if target != child else 0
                self._out[child] = self._out[child] + self._out[self._fail[child]]

    def find(self, text: str) -> set[str]:
        """Every term occurring in ``text``."""
        found: set[str] = set()
        if self._any is None or not text:
            return found
        text = text.lower()
        if not self._any.search(text):
            return found
        goto, fail, out = self._goto, self._fail, self._out
        node = 0
        for ch in text:
            while node and ch not in goto[node]:
                node = fail[node]
            node = goto[node].get(ch, 0)
            if out[node]:
                found.update(out[node])
        return found

    def __bool__(self) -> bool:
        return bool(self.terms)
