"""Crawl completeness for paginated lists: where a list walk stands, and what is still owed.

A list (a news column, a message board, a JSON API) shows its newest items first. Each crawl
walks it from page 1. The walk is *complete* only when it reached items the store already had
or the list's natural end; otherwise the part it did not reach is a **gap** and the source
keeps a resume point for it in its crawl state (``SourceState.backlog``)::

    page 1 ─ new items (this crawl)          ─┐ top walk: from page 1 until a page with
    page 2 ─ new items                        │ nothing new, the end, max_pages or a failure
    page 5 ✗ HTTP 500 ── gap: resume here ────┘
      …      (items nobody has fetched yet)     gap walk: from the resume page until a page
    page 21 ─ marker: the newest items known     holding one of the gap's marker items (or
      …      before the gap opened               the end); pages that are all known do not
                                                 stop it (new items on top shift pages down)

Later crawls first walk the top (new items since), then continue each gap from its resume
point, top gap first, every crawl bounded by ``max_pages`` list pages per start URL, until
the gaps close. A gap's marker is the page-1 items of the crawl before the one that opened
it; a gap opened on the very first crawl has no marker and is walked to the list's end.

Crawls can die (``kill -9``), so the walk saves its progress after every list page, with the
resume point at the first page whose items are not all in the store yet (``settled``); a
clean finish replaces that with the exact outcome. ``ListWalk`` is pure bookkeeping: the
spiders tell it what each list page held and it says which page to fetch next.

A walk is a chain (each list page yields at most the next one). On a cluster its state
travels with the request for the next page (``to_dict``/``from_dict`` in the request's meta):
the next page may be parsed by another worker than the last one, or re-queued after a worker
was killed, and continues the walk from exactly where the request was made. That state stays
as small as the walk's pages in flight, whatever the walk's length: a page whose items are all
stored can never be a resume point again and is dropped (``state(settled)``), so a request
carries the stretches' resume points and markers and the pages not settled yet — not every
page walked (which made a deep walk cost O(pages²)). In one process the walk stays in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

TOP = -1  # the walk's "current" part (to_dict) while walking from page 1; else the gap's index


@dataclass
class Gap:
    """A stretch of a list not fetched yet: continue at ``url`` (page ``page``) and stop at
    a page holding one of ``marker`` (the newest items known below the gap; None = the end)."""

    url: str
    page: int
    marker: list[str] | None = None


@dataclass
class ListState:
    """The stored state of one start URL: the page-1 items of the last walk, open gaps."""

    head: list[str] | None = None  # None: the list has never been walked
    gaps: list[Gap] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ListState:
        data = data or {}
        return cls(data.get("head"), [Gap(**g) for g in data.get("gaps", [])])

    def to_dict(self) -> dict[str, Any]:
        return {"head": self.head, "gaps": [asdict(g) for g in self.gaps]}


def pending(backlog: dict[str, dict]) -> list[Gap]:
    """Every open gap of a source's stored backlog (all start URLs)."""
    return [g for state in backlog.values() for g in ListState.from_dict(state).gaps]


def describe(backlog: dict[str, dict]) -> str:
    """``pending: 2 gaps, resume at page 5, 13`` — or "" when nothing is owed."""
    gaps = pending(backlog)
    if not gaps:
        return ""
    pages = ", ".join(str(g.page) for g in gaps)
    return f"pending: {len(gaps)} gap{'s' if len(gaps) > 1 else ''}, resume at page {pages}"


@dataclass
class _Page:
    number: int
    url: str
    items: list[str]


@dataclass
class _Stretch:
    """One part of a crawl's walk: the top walk, or the walk of one stored gap."""

    marker: list[str] | None
    resume: Gap | None  # where it stands; None once it reached its marker or the end
    walked: list[_Page] = field(default_factory=list)
    top: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "marker": self.marker,
            "resume": asdict(self.resume) if self.resume else None,
            "walked": [[p.number, p.url, p.items] for p in self.walked],
            "top": self.top,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> _Stretch:
        resume = data.get("resume")
        return cls(
            data.get("marker"),
            Gap(**resume) if resume else None,
            [_Page(*p) for p in data.get("walked", [])],
            bool(data.get("top")),
        )


class ListWalk:
    """One crawl's walk over one start URL. Feed it every list page (``after_page``) or
    failure (``failed``); it answers the next ``(url, page)`` to fetch, or None."""

    def __init__(self, start: str, saved: ListState, budget: int):
        self.start = start
        self.head_before = saved.head
        self.budget = budget
        self.top = _Stretch(saved.head, None, top=True)
        self.gaps = [_Stretch(g.marker, Gap(g.url, g.page, g.marker)) for g in saved.gaps]
        self.current = self.top
        self.new_head: list[str] | None = None
        self.reached_end = False  # the top walk went down to the list's last page

    # -- carried in a request's meta (plain values: pickled or JSON-encoded by the queue) ----
    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "head_before": self.head_before,
            "budget": self.budget,
            "stretches": [s.to_dict() for s in [self.top, *self.gaps]],
            "current": TOP if self.current.top else self.gaps.index(self.current),
            "new_head": self.new_head,
            "reached_end": self.reached_end,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ListWalk:
        walk = cls(data["start"], ListState(data["head_before"]), data["budget"])
        top, *gaps = [_Stretch.from_dict(s) for s in data["stretches"]]
        walk.top, walk.gaps = top, gaps
        walk.current = top if data["current"] == TOP else gaps[data["current"]]
        walk.new_head, walk.reached_end = data["new_head"], data["reached_end"]
        return walk

    # -- the walk --------------------------------------------------------------------------
    def after_page(
        self, number: int, url: str, items: list[str], unseen: int, next_url: str | None
    ) -> tuple[str, int] | None:
        """Record list page ``number`` (its item URLs, how many were new, its next page)."""
        self.budget -= 1
        s = self.current
        s.walked.append(_Page(number, url, list(items)))
        if s.top:
            if number == 1:
                self.new_head = list(items)
            if next_url is None:  # the whole list was walked: nothing is owed
                self.reached_end, s.resume = True, None
                return None
            if self.head_before is not None and (
                unseen == 0 or any(u in self.head_before for u in items)
            ):  # reached what we had (the gaps below it are walked next)
                s.resume = None
                return self._next_gap(0)
        else:
            reached = s.marker is not None and any(u in s.marker for u in items)
            if reached or next_url is None:
                s.resume = None
                return self._next_gap(self.gaps.index(s) + 1)
        s.resume = Gap(next_url, number + 1, s.marker)
        return (next_url, number + 1) if self.budget > 0 else None

    def failed(self, number: int, url: str) -> None:
        """List page ``number`` could not be fetched: the walk stops and resumes there."""
        s = self.current
        s.resume = None if s.top and number == 1 else Gap(url, number, s.marker)

    def _next_gap(self, index: int) -> tuple[str, int] | None:
        if self.budget <= 0 or self.reached_end:
            return None
        for s in self.gaps[index:]:
            if s.resume is not None:
                self.current = s
                return s.resume.url, s.resume.page
        return None

    # -- the state to store -----------------------------------------------------------------
    def state(self, settled: Callable[[list[str]], bool] | None = None) -> ListState:
        """The list's state. With ``settled`` (during the crawl) each part walked resumes at
        the first page whose items are not all stored yet, so that a crawl killed now loses
        nothing; without it (a clean finish) the walk's exact outcome."""
        head = self.new_head if self.new_head is not None else self.head_before
        out: list[Gap] = []
        top_done = True
        for s in [self.top, *self.gaps]:
            gap = s.resume
            if settled is not None:
                first = _first_unsettled(s.walked, settled)
                if first is not None:
                    gap = Gap(first.url, first.number, s.marker)
                    top_done = top_done and not s.top
            if gap is not None and not (self.reached_end and top_done and not s.top):
                out.append(gap)
        return ListState(head, out)


def _first_unsettled(pages: list[_Page], settled: Callable[[list[str]], bool]) -> _Page | None:
    """The first page whose items are not all stored. The settled pages before it are
    dropped from ``pages``: a stored item stays stored, so they can never be a resume point
    again, and a walk keeps (and carries in its requests) only its pages in flight."""
    done = 0
    while done < len(pages) and settled(pages[done].items):
        done += 1
    del pages[:done]
    return pages[0] if pages else None
