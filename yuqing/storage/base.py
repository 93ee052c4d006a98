"""The storage contract every backend implements (SQLite embedded default, Elasticsearch).

The contract is exercised by ``tests/storage/contract.py``; a backend is done when that suite
passes against it. Writes are idempotent by construction: a post's id is the hash of its
canonical URL, an alert's id is derived from rule + subject + window, so repeating a write
never creates a second record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from yuqing.errors import YuqingError
from yuqing.levels import LEVELS, max_level
from yuqing.models import Alert, Event, Feedback, Post, stored_stamp
from yuqing.storage.facets import Axis, Dimension, Tally
from yuqing.timeutil import parse_iso

UpsertResult = Literal["new", "updated", "unchanged"]

#: at most this many search words, each at most this long (a search box, not a document)
MAX_TERMS, MAX_TERM = 8, 50


def search_terms(text: str | None) -> tuple[str, ...]:
    """The words of a search (:meth:`Store.find_posts`' ``text``): split at whitespace, each
    once, the first :data:`MAX_TERMS`, each cut to :data:`MAX_TERM` characters."""
    words = (w[:MAX_TERM] for w in (text or "").split())
    return tuple(dict.fromkeys(words))[:MAX_TERMS]


@dataclass(frozen=True)
class AlertHead:
    """The few fields of an alert that pick it among others (the standing alert of a rule
    and subject, the dismissed ones of an event, the unresolved ones of the lookback) —
    read without decoding the whole record (evidence, history) of every candidate."""

    id: str
    rule: str
    subject: str | None  # evidence["subject"]
    event_id: str | None
    level: str
    status: str
    created_at: datetime
    size: float | None = None  # evidence["size"]
    superseded_by: str | None = None  # evidence["superseded_by"]
    dismissed: bool = False  # evidence["dismissed"] (不予关注)
    #: the highest level the alert has held (raised at, or set by a 研判) when the duty
    #: office lowered it below that, else None — the rule's matches up to it join the alert
    ceiling: str | None = None  # evidence["highest_level"] / ["original_level"]
    judged_at: datetime | None = None  # evidence["relevel_due"]["at"]: the latest 研判

    #: the document fields a head is made of (a backend reads only these)
    FIELDS = (
        "id",
        "rule",
        "event_id",
        "level",
        "status",
        "created_at",
        "evidence.subject",
        "evidence.size",
        "evidence.superseded_by",
        "evidence.dismissed",
        "evidence.highest_level",
        "evidence.original_level",
        "evidence.relevel_due.at",
    )

    @classmethod
    def of(cls, alert: Alert) -> AlertHead:
        return cls._make(alert, alert.evidence)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> AlertHead:
        """From an alert's document (``to_dict`` form) holding at least :attr:`FIELDS`."""
        alert = Alert.from_dict({**doc, "evidence": {}})
        return cls._make(alert, doc.get("evidence") or {})

    @classmethod
    def _make(cls, alert: Alert, ev: dict[str, Any]) -> AlertHead:
        return cls.build(
            alert.id,
            alert.rule,
            alert.event_id,
            alert.level,
            alert.status,
            alert.created_at,
            ev.get("subject"),
            ev.get("size"),
            ev.get("superseded_by"),
            ev.get("dismissed"),
            ev.get("highest_level"),
            ev.get("original_level"),
            (ev.get("relevel_due") or {}).get("at"),
        )

    @classmethod
    def build(
        cls,
        aid: str,
        rule: str,
        event_id: str | None,
        level: str,
        status: str,
        created_at: datetime,
        subject: str | None,
        size: Any,
        superseded_by: str | None,
        dismissed: Any,
        highest: str | None,
        original: str | None,
        judged_at: str | None,
    ) -> AlertHead:
        """A head from the raw values of :attr:`FIELDS` (as a backend reads them)."""
        held = max_level(*(x for x in (level, highest, original) if x in LEVELS))
        return cls(
            aid,
            rule,
            subject,
            event_id,
            level,
            status,
            created_at,
            float(size) if size is not None else None,
            superseded_by or None,
            bool(dismissed),
            held if held != level else None,
            parse_iso(judged_at),
        )


class StorageError(YuqingError):
    """The store could not do what was asked (missing, unreadable, corrupt, unreachable);
    the message names the path or URL."""

    what = "storage"


@dataclass
class SourceState:
    """What the crawler remembers about one source between runs."""

    source_id: str
    last_crawl_at: datetime | None = None  # last attempt
    last_success_at: datetime | None = None  # last crawl with at least one good response
    last_new_at: datetime | None = None  # last time a new post arrived
    consecutive_failures: int = 0
    healthy: bool = True
    last_error: str | None = None
    last_summary: dict[str, Any] = field(default_factory=dict)
    # list pages still owed, per start URL (crawlers/backlog.py: {"head": [...], "gaps": [...]})
    backlog: dict[str, Any] = field(default_factory=dict)
    # posts stored without analysis since then (nlp/backfill.py analyses them later)
    unanalysed_at: datetime | None = None


@dataclass
class UrlState:
    """Seen-URL state: validators for conditional GET and the content hash last stored."""

    url: str
    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    post_id: str | None = None
    fetched_at: datetime | None = None


class Store(ABC):
    """Posts, events, alerts and crawl state. Backends are used from one thread at a time."""

    # -- posts ---------------------------------------------------------------------------
    @abstractmethod
    def upsert_post(self, post: Post) -> UpsertResult:
        """Insert or update by ``post.id``. ``unchanged`` when title/text are identical
        (NLP fields are still refreshed); ``updated`` keeps the first ``crawled_at``."""

    def writes(self) -> AbstractContextManager[None]:
        """Make the writes inside one unit where the backend has transactions (SQLite: one
        commit for them all, rolled back whole on an exception); elsewhere each write stands
        alone, as outside."""
        return nullcontext()

    def upsert_posts(self, posts: Iterable[Post]) -> dict[str, int]:
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        for post in posts:
            counts[self.upsert_post(post)] += 1
        return counts

    @abstractmethod
    def get_post(self, post_id: str) -> Post | None: ...

    @abstractmethod
    def iter_posts(
        self, since: datetime | None = None, source_id: str | None = None
    ) -> Iterator[Post]:
        """Posts stored or changed at or after ``since`` (by ``updated_at``), oldest first."""

    @abstractmethod
    def count_posts(self, source_id: str | None = None) -> int: ...

    def post_stamps(self, since: datetime) -> list[tuple[str, float]]:
        """``(id, updated_at as Unix time)`` of the posts :meth:`iter_posts` yields for
        ``since``, in its order — what changed, without reading the posts (a backend
        answers it from an index)."""
        return [(p.id, stored_stamp(p)) for p in self.iter_posts(since)]

    def get_posts(self, post_ids: Iterable[str]) -> list[Post]:
        """The posts of ``post_ids`` that exist, in that order (one round trip per batch)."""
        return [p for p in (self.get_post(i) for i in post_ids) if p is not None]

    # -- post aggregates -----------------------------------------------------------------
    # What alert rules and digests read instead of iterating posts. The window is
    # ``(start, end]`` (closed="right": the alert windows, "the last 6 h") or ``[start, end)``
    # (closed="left": the digest's days) on one axis of ``facets``: ``posted`` (when a post
    # happened) or ``collected`` (its first crawl). The cost grows with the hours and keys in
    # the window, never with the posts stored.
    @abstractmethod
    def tally(
        self,
        by: Dimension,
        start: datetime,
        end: datetime,
        *,
        axis: Axis = "posted",
        closed: Literal["left", "right"] = "right",
        below: float = -0.2,
        keys: Iterable[str] | None = None,
        min_posts: int = 1,
        posted_since: datetime | None = None,
    ) -> dict[str, Tally]:
        """Counts per key of ``by`` (``facets.keys``); ``negative`` counts sentiment <
        ``below`` (a multiple of 0.1). Only ``keys`` when given; groups with fewer than
        ``min_posts`` posts are left out. ``posted_since``: only posts whose ``posted`` time
        is at or after it — with ``axis="collected"``, the window's collection without the
        backfill of older posts (:func:`yuqing.models.news_since`)."""

    @abstractmethod
    def find_posts(
        self,
        start: datetime,
        end: datetime,
        *,
        by: Dimension = "all",
        key: str | None = None,
        axis: Axis = "posted",
        closed: Literal["left", "right"] = "right",
        order: Literal["time", "sentiment"] = "time",
        originals: bool = False,
        limit: int | None = None,
        posted_since: datetime | None = None,
        where: Mapping[Dimension, str] | None = None,
        text: str | None = None,
        offset: int = 0,
    ) -> list[Post]:
        """The posts of one group in the window: newest first (``time``) or most negative
        first (``sentiment``; unscored count as 0; then newest). ``originals``: no copies
        (posts with ``duplicate_of``); ``posted_since`` as for :meth:`tally`. ``where``: more
        groups the posts are in too (source, category, focus, …); ``text``: words the title
        or the body holds, each of them (:func:`search_terms`: 拖欠 工资 — both, anywhere;
        Latin letters in any case); ``offset``: skip that many (pages of ``limit``)."""

    @abstractmethod
    def last_post_time(self, source_id: str, until: datetime | None = None) -> datetime | None:
        """The latest ``posted`` time among a source's posts (at or before ``until``)."""

    # -- events --------------------------------------------------------------------------
    @abstractmethod
    def upsert_event(self, event: Event) -> None: ...

    @abstractmethod
    def get_event(self, event_id: str) -> Event | None: ...

    @abstractmethod
    def iter_events(
        self,
        since: datetime | None = None,
        *,
        min_hotness: float | None = None,
        order: Literal["last_seen", "hotness"] = "last_seen",
        limit: int | None = None,
    ) -> Iterator[Event]:
        """Events seen at or after ``since`` (by ``last_seen``), oldest first — or hottest
        first (``order="hotness"``, then by id); only those with ``hotness`` at least
        ``min_hotness`` when given; at most ``limit``."""

    @abstractmethod
    def count_events(self, start: datetime, end: datetime) -> int:
        """Events that began in ``[start, end)`` (``first_seen``, else ``last_seen``)."""

    @abstractmethod
    def change_mark(self) -> str:
        """An opaque value that changes whenever posts or events are written or deleted, by
        anyone: equal marks mean nothing changed in between (a change may be spurious). The
        crawl uses it to know that the NLP state it saved still matches the store."""

    @abstractmethod
    def delete_events(self, event_ids: Iterable[str]) -> int:
        """Remove events (fragments merged by consolidation); returns how many existed."""

    def set_post_events(self, changes: dict[str, str]) -> int:
        """Re-point posts to other events (``{post id: event id}``) without touching their
        content or ``updated_at``; returns how many posts were changed. Backends override this
        with a bulk update."""
        n = 0
        for pid, eid in changes.items():
            post = self.get_post(pid)
            if post is not None and post.event_id != eid:
                post.event_id = eid
                self.upsert_post(post)
                n += 1
        return n

    # -- alerts --------------------------------------------------------------------------
    @abstractmethod
    def insert_alert(self, alert: Alert) -> bool:
        """Create the alert unless one with its id exists; True when created."""

    @abstractmethod
    def get_alert(self, alert_id: str) -> Alert | None: ...

    @abstractmethod
    def iter_alerts(
        self,
        since: datetime | None = None,
        status: str | None = None,
        *,
        rule: str | None = None,
        subject: str | None = None,
        event_id: str | None = None,
        updated_since: datetime | None = None,
    ) -> Iterator[Alert]:
        """Alerts created at or after ``since``, oldest first, optionally by status, rule id,
        subject (``evidence["subject"]``, e.g. ``event:<id>``), event, and only those changed
        (``updated_at``) at or after ``updated_since``."""

    def iter_alert_heads(
        self,
        since: datetime | None = None,
        status: str | None = None,
        *,
        rule: str | None = None,
        subject: str | None = None,
        event_id: str | None = None,
        updated_since: datetime | None = None,
    ) -> Iterator[AlertHead]:
        """:meth:`iter_alerts`, each alert as its :class:`AlertHead` (a backend reads only
        those fields)."""
        for a in self.iter_alerts(
            since,
            status,
            rule=rule,
            subject=subject,
            event_id=event_id,
            updated_since=updated_since,
        ):
            yield AlertHead.of(a)

    def alert_ids(
        self,
        since: datetime | None = None,
        status: str | None = None,
        *,
        rule: str | None = None,
        subject: str | None = None,
        event_id: str | None = None,
        updated_since: datetime | None = None,
    ) -> list[str]:
        """The ids of the alerts :meth:`iter_alerts` yields, in its order."""
        heads = self.iter_alert_heads(
            since,
            status,
            rule=rule,
            subject=subject,
            event_id=event_id,
            updated_since=updated_since,
        )
        return [h.id for h in heads]

    def get_alerts(self, alert_ids: Iterable[str]) -> list[Alert]:
        """The alerts of ``alert_ids`` that exist, in that order."""
        return [a for a in (self.get_alert(i) for i in alert_ids) if a is not None]

    @abstractmethod
    def update_alert(
        self, alert_id: str, expect: dict[str, Any] | None = None, **changes: Any
    ) -> bool:
        """Compare-and-set: apply ``changes`` only if every field in ``expect`` still has
        the given value (a tuple means "any of"). True when applied. Two workers racing on
        the same transition cannot both win."""

    # -- label feedback ------------------------------------------------------------------
    @abstractmethod
    def add_feedback(self, feedback: Feedback) -> bool:
        """Store a correction unless one with its id exists; True when stored."""

    @abstractmethod
    def iter_feedback(self, since: datetime | None = None) -> Iterator[Feedback]:
        """Corrections made at or after ``since``, oldest first."""

    # -- crawl state ---------------------------------------------------------------------
    @abstractmethod
    def get_source_state(self, source_id: str) -> SourceState: ...

    @abstractmethod
    def save_source_state(self, state: SourceState) -> None: ...

    @abstractmethod
    def iter_source_states(self) -> Iterator[SourceState]: ...

    @abstractmethod
    def get_url_state(self, url: str) -> UrlState | None: ...

    @abstractmethod
    def save_url_state(self, state: UrlState) -> None: ...

    # -- lifecycle -----------------------------------------------------------------------
    def flush(self) -> None:  # noqa: B027 - optional hook, a no-op for SQLite
        """Make every write so far durable and visible."""

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
