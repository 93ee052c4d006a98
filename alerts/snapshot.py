"""What a rule sees: posts, events and source states around ``now``, loaded once per check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from yuqing.models import Event, Post, post_time
from yuqing.storage.base import SourceState, Store


class Snapshot:
    """Read-only view shared by all rules of one check (posts are read from the store once)."""

    def __init__(self, store: Store, now: datetime, cfg=None):
        self.store, self.now, self.cfg = store, now, cfg
        self._posts: list[Post] = []
        self._posts_from: datetime | None = None
        self._events: list[Event] | None = None
        self._events_from: datetime | None = None
        self._states: list[SourceState] | None = None

    def posts(self, span: timedelta, end: datetime | None = None) -> Iterator[Post]:
        """Posts whose :func:`post_time` falls in ``(end - span, end]`` (end = now)."""
        end = end or self.now
        start = end - span
        if self._posts_from is None or start < self._posts_from:
            self._posts = list(self.store.iter_posts(since=start))
            self._posts_from = start
        for post in self._posts:
            t = post_time(post)
            if start < t <= end:
                yield post

    def events(self, span: timedelta) -> list[Event]:
        start = self.now - span
        if self._events is None or self._events_from is None or start < self._events_from:
            self._events = list(self.store.iter_events(since=start))
            self._events_from = start
        return [e for e in self._events if (e.last_seen or self.now) >= start]

    def source_states(self) -> list[SourceState]:
        if self._states is None:
            self._states = list(self.store.iter_source_states())
        return self._states

    def sources(self) -> list:
        return list(self.cfg.sources.sources) if self.cfg is not None else []
