"""What a rule sees around ``now``: counts from the store's aggregates, a few posts per group,
events, source states — each read costing what the window holds, never what the store holds.

Windows are ``(now - span, now]`` on the posts' ``posted`` axis (:func:`yuqing.models.post_time`).
Counts (:meth:`Snapshot.tally`) come from :meth:`yuqing.storage.Store.tally`; the posts behind
a group are fetched only for the groups that alert (:meth:`Snapshot.group_posts`, for routing
and evidence); per-post tests such as sensitive terms run on new posts only
(:meth:`Snapshot.matching`, ``alerts/matches.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from yuqing.alerts.matches import PostMatches, Test
from yuqing.models import Event, Post
from yuqing.storage.base import SourceState, Store
from yuqing.storage.facets import Dimension, Tally

#: posts fetched per alerting group for routing (focus, category, region, titles) and evidence
GROUP_SAMPLE = 50


class Snapshot:
    """Read-only view shared by all rules of one check (reads are cached for the check)."""

    def __init__(self, store: Store, now: datetime, cfg=None, matches: PostMatches | None = None):
        self.store, self.now, self.cfg = store, now, cfg
        self.matches = matches or PostMatches()
        self._tallies: dict[tuple, dict[str, Tally]] = {}
        self._events: dict[tuple, list[Event]] = {}
        self._states: list[SourceState] | None = None

    def tally(
        self,
        by: Dimension,
        span: timedelta,
        *,
        end: datetime | None = None,
        below: float = -0.2,
        keys: list[str] | None = None,
        min_posts: int = 1,
    ) -> dict[str, Tally]:
        """Counts per key of ``by`` over ``(end - span, end]`` (end = now)."""
        end = end or self.now
        key = (by, end - span, end, below, tuple(keys) if keys is not None else None, min_posts)
        if key not in self._tallies:
            self._tallies[key] = self.store.tally(
                by, end - span, end, below=below, keys=keys, min_posts=min_posts
            )
        return self._tallies[key]

    def group_posts(
        self, by: Dimension, key: str, span: timedelta, limit: int | None = GROUP_SAMPLE
    ) -> list[Post]:
        """The newest posts of one group in the window (``by`` "all": every post)."""
        return self.store.find_posts(self.now - span, self.now, by=by, key=key, limit=limit)

    def posts(self, span: timedelta, end: datetime | None = None) -> list[Post]:
        """Every post in ``(end - span, end]``, oldest first — what a window holds, for the
        options that no count answers (e.g. ``volume`` with ``keywords``)."""
        end = end or self.now
        return self.store.find_posts(end - span, end)[::-1]

    def matching(
        self, rule: str, fingerprint: str, test: Test, span: timedelta
    ) -> list[tuple[Post, dict[str, Any]]]:
        """Posts in the window passing a per-post ``test``, each with what the test found;
        only posts new since the rule's last check are tested."""
        found = self.matches.find(self.store, rule, fingerprint, test, self.now - span, self.now)
        posts = {p.id: p for p in self.store.get_posts(pid for pid, _ in found)}
        return [(posts[pid], data) for pid, data in found if pid in posts]

    def events(self, span: timedelta, min_hotness: float | None = None) -> list[Event]:
        """Events seen in the window (``last_seen`` at or after now - span)."""
        start = self.now - span
        key = (start, min_hotness)
        if key not in self._events:
            self._events[key] = list(self.store.iter_events(since=start, min_hotness=min_hotness))
        return self._events[key]

    def source_states(self) -> list[SourceState]:
        if self._states is None:
            self._states = list(self.store.iter_source_states())
        return self._states

    def sources(self) -> list:
        return list(self.cfg.sources.sources) if self.cfg is not None else []
