"""Records passed between stages: Post, Event, Alert.

These are the only shapes that cross a stage boundary (crawlers -> nlp -> store <- alerts <-
dashboards). ``to_dict`` gives the exported (contract) JSON form; ``from_dict`` reads it back.
Fields that are not part of DESIGN.md's export contract live after the contract fields and are
exported under their own names as documented in docs/architecture.md.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable
from dataclasses import Field, dataclass, field, fields
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, ClassVar

from yuqing.divisions import TOWN_ENDINGS, codes_of, division_rows, within
from yuqing.timeutil import parse_iso, to_iso

#: Fields of a post in DESIGN.md's export contract, in order.
POST_CONTRACT_FIELDS = (
    "id",
    "source_id",
    "channel",
    "url",
    "title",
    "text",
    "published_at",
    "crawled_at",
    "region",
    "category",
    "category_score",
    "focus",
    "sentiment",
    "keywords",
    "event_id",
    "duplicate_of",
)
EVENT_CONTRACT_FIELDS = (
    "id",
    "title",
    "keywords",
    "post_ids",
    "size",
    "first_seen",
    "last_seen",
    "hotness",
    "category",
    "focus",
    "region",
)
ALERT_CONTRACT_FIELDS = (
    "id",
    "level",
    "rule",
    "event_id",
    "source_id",
    "departments",
    "status",
    "created_at",
    "delivered_at",
    "acked_at",
    "resolved_at",
)


#: Where a source publishes (``channel`` in sources.yaml, ``Post.channel``), with the name the
#: digest shows.
CHANNELS: dict[str, str] = {
    "portal": "政府门户",
    "disclosure": "信息公开",
    "message_board": "留言板",
    "weibo": "政务微博",
    "wechat": "政务微信",
    "douyin": "抖音",
    "news": "新闻网站",
    "forum": "论坛",
    "app": "客户端",
    "other": "其他",
}
#: 政务新媒体: government accounts that must keep posting (DOMAIN.md: at least weekly)
NEW_MEDIA = ("weibo", "wechat")


def post_id_for(canonical_url: str) -> str:
    """Document id of a post: SHA-1 of its canonical URL (idempotent upserts)."""
    return hashlib.sha1(canonical_url.encode("utf-8")).hexdigest()


def content_hash(title: str, text: str) -> str:
    return hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type[_Record]) -> tuple[str, ...]:
    """The dataclass field names of a record class (computed once per class)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


class _Record:
    """Shared (de)serialisation for the dataclasses below: datetimes as ISO 8601 strings."""

    _datetime_fields: tuple[str, ...] = ()
    #: set by @dataclass on every record class (declared so the type checker knows them)
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_dict(self) -> dict[str, Any]:
        # A shallow copy (lists and dicts copied one level): dataclasses.asdict's deep copy
        # cost ~0.2 ms a post on the storage hot path.
        data = {}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if isinstance(value, list):
                value = list(value)
            elif isinstance(value, dict):
                value = {k: list(v) if isinstance(v, list) else v for k, v in value.items()}
            data[name] = value
        for name in self._datetime_fields:
            data[name] = to_iso(data[name])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        known = set(_field_names(cls))
        kwargs = {k: v for k, v in data.items() if k in known}
        for name in cls._datetime_fields:
            if isinstance(kwargs.get(name), str):
                kwargs[name] = parse_iso(kwargs[name])
        return cls(**kwargs)


@dataclass
class Post(_Record):
    id: str
    source_id: str
    channel: str
    url: str
    title: str
    text: str
    published_at: datetime | None
    crawled_at: datetime
    region: str | None = None
    # --- NLP contract fields (filled by nlp/, null until then) ---
    category: str | None = None
    category_score: float | None = None
    focus: list[str] = field(default_factory=list)
    sentiment: float | None = None
    keywords: list[str] = field(default_factory=list)
    event_id: str | None = None
    duplicate_of: str | None = None
    # --- extensions (documented in docs/architecture.md) ---
    title_orig: str | None = None  # original title when converted (e.g. Traditional)
    text_orig: str | None = None  # original body when converted
    author: str | None = None  # account / message author when the source gives it
    engagement: dict[str, int] = field(default_factory=dict)  # likes / comments / reposts
    category_uncertain: bool | None = None
    focus_evidence: dict[str, list[str]] = field(default_factory=dict)
    risk_flags: list[str] = field(default_factory=list)
    regions_mentioned: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    anchors: list[str] | None = None  # places/organisations it is about (None: not analysed)
    groups: list[str] = field(default_factory=list)  # people affected (业主, 学生, ...)
    content_hash: str = ""
    updated_at: datetime | None = None
    # a message board's own answer to the message: {"text", "at" (ISO), "by"}
    reply: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # crawl notes, e.g. feed_text_only

    _datetime_fields = ("published_at", "crawled_at", "updated_at")

    def __post_init__(self) -> None:
        if not self.content_hash:  # a reply arriving later is a change of the post
            body = f"{self.text}\n{self.reply.get('text', '')}" if self.reply else self.text
            self.content_hash = content_hash(self.title, body)

    def contract_dict(self) -> dict[str, Any]:
        data = self.to_dict()
        return {k: data[k] for k in POST_CONTRACT_FIELDS}


#: How far a publish time may lie beyond the crawl time and still be believed (a site's clock
#: running a little ahead of ours). Anything later is the site's mistake — a mangled date, a
#: wrong time zone — and the crawl time is the better estimate.
FUTURE_TOLERANCE = timedelta(hours=1)


def lean_post(post: Post, keep_text: int = 0, intern_tokens: bool = True) -> Post:
    """``post`` (changed in place) as the replays keep it in memory: the first ``keep_text``
    characters of its body, no reply or original-script text, and its tokens as shared
    strings (``intern_tokens``; the nightly event rebuild holds them as vocabulary ids
    instead). What :meth:`yuqing.nlp.pipeline.NLPStage.warm` and the nightly event rebuild
    hold of a period's posts (whole, a 7-day window of 238 k posts peaked at 5.4 GB). Never
    store the result."""
    post.text = post.text[:keep_text]
    post.text_orig = post.title_orig = None
    post.reply = {}
    if intern_tokens:
        post.tokens = [sys.intern(t) for t in post.tokens]
    return post


def stored_stamp(post: Post) -> float:
    """When a post was last stored, as Unix time: its ``updated_at`` (its crawl time until it
    is stored) — what ``Store.iter_posts(since=…)`` orders by and ``Store.post_stamps`` lists."""
    return (post.updated_at or post.crawled_at).timestamp()


def post_time(post: Post) -> datetime:
    """When a post happened — the one rule every stage uses (event clustering, alert windows,
    the digest, dormancy): its publish time; the crawl time when the publish time is missing
    or more than :data:`FUTURE_TOLERANCE` after the crawl. A naive publish time cannot be
    compared with the aware crawl time and is trusted as it is."""
    published = post.published_at
    if published is None:
        return post.crawled_at
    try:
        if published > post.crawled_at + FUTURE_TOLERANCE:
            return post.crawled_at
    except TypeError:  # naive vs aware
        pass
    return published


def post_place(post: Post) -> str | None:
    """Where a post's matter is — the ``place`` the aggregates, the digest's 地区 and the
    export count it under, one place a post:

    - the **most specific place it names** (``regions_mentioned``: a township before its
      county, a county before its city, a city before its province; among places of one level
      the first in the NLP's order — a configured name first, then the longest, then the first
      mentioned);
    - its **source's region** when it names none, or when that region lies inside the place it
      names (a 临海市 board's post naming only 台州市 counts for 临海市);
    - a township **with its county** in front (临海市白水洋镇) and a county name of several
      places with its city (南京市鼓楼区) when the tables, the post's other places or its
      source's region tell which one; else the name alone (城关镇, 88 places).
    """
    return place_of(post.regions_mentioned, post.region)


def place_of(names: Iterable[str], region: str | None) -> str | None:
    """:func:`post_place` of a post naming ``names`` (its ``regions_mentioned``) from a source
    of ``region``."""
    return _place(tuple(names), region)


#: a place's level by how its name ends, for names not in the tables (the shared data's
#: anonymised A市 / A5区, the demo's 邵冬县, a configured name): 4 township … 1 province
_ANONYMISED = re.compile(r"[A-Z](\d{1,2})?[市区县]")


def place_level(name: str) -> int:
    """4 township, 3 county, 2 prefecture, 1 province, 0 unknown (a name of several places:
    its highest level)."""
    codes = codes_of(name)
    if codes:  # 2, 4, 6 or 9 digits
        return min(len(c) for c in codes) // 2
    m = _ANONYMISED.fullmatch(name)
    if m:
        return 3 if m.group(1) else 2
    if name.endswith(TOWN_ENDINGS):
        return 4
    if name.endswith(("省", "自治区")):
        return 1
    if name.endswith(("区", "县", "旗")):
        return 3
    if name.endswith(("市", "州", "盟")):
        return 2
    return 0


@lru_cache(maxsize=1 << 14)
def _place(names: tuple[str, ...], region: str | None) -> str | None:
    candidates = names or ((region,) if region else ())
    if not candidates:
        return None
    best = max(candidates, key=place_level)  # the first of the highest level
    if region and region != best and within(region, best):
        best = region
    level = place_level(best)
    codes = codes_of(best)
    if level < 3 or not codes:
        return best
    # the places the post's other names and its source's region lie in
    around = {c for n in (*names, region) if n and n != best for c in codes_of(n)}
    under = [c for c in codes if any(c != a and c.startswith(a) for a in around)]
    cut = 6 if level == 4 else 4
    parents = {c[:cut] for c in (under or codes)}
    if len(parents) != 1 or (level == 3 and len(codes) == 1):
        return best  # several candidates; or a county of its own name (临海市)
    parent = _division_names().get(parents.pop())
    return f"{parent}{best}" if parent and not best.startswith(parent) else best


@lru_cache(maxsize=1)
def _division_names() -> dict[str, str]:
    """Code → name of the provinces, prefectures and counties."""
    return {code: name for code, name, _ in division_rows()}


def news_since(start: datetime, backfill_after: timedelta) -> datetime:
    """The earliest :func:`post_time` of a post collected in a period beginning at ``start``
    that is still *news* of that period: published in it, or at most ``backfill_after``
    before it began (``digest.backfill_after``, 3 days by default: a post published yesterday
    and collected today is news). One published earlier is a **backfill** — the first crawl
    of a new source's archive, a board read for the first time, a long outage caught up:
    stored, searchable, counted into its event and in what the period collected, but neither
    a hot event nor a notable post of the period (the digest). Alerts need no such rule:
    their windows are on :func:`post_time` already, as are events' ``first_seen`` and
    ``last_seen`` (新增事件, the hotness rule) and the 热点问题表's periods."""
    return start - backfill_after


@dataclass
class Event(_Record):
    id: str
    title: str
    keywords: list[str] = field(default_factory=list)
    post_ids: list[str] = field(default_factory=list)
    size: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    hotness: float = 0.0
    category: str | None = None
    focus: list[str] = field(default_factory=list)
    region: str | None = None
    # --- extensions ---
    sources: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    negativity: float | None = None
    burst: bool = False
    anchors: list[str] = field(default_factory=list)  # place / organisation (地点)
    groups: list[str] = field(default_factory=list)  # people affected (人群)
    authors: int = 0  # distinct authors
    likes: int = 0
    dislikes: int = 0
    representative_ids: list[str] = field(default_factory=list)  # 3 most central posts
    hot_history: list[list] = field(default_factory=list)  # [[YYYY-MM-DD, 热度指数], ...]
    aliases: list[str] = field(default_factory=list)  # ids of fragments merged into it
    consolidated: bool = False  # last written by consolidation (not per-post assignment)
    updated_at: datetime | None = None

    _datetime_fields = ("first_seen", "last_seen", "updated_at")

    def contract_dict(self) -> dict[str, Any]:
        data = self.to_dict()
        return {k: data[k] for k in EVENT_CONTRACT_FIELDS}


@dataclass
class Alert(_Record):
    id: str
    level: str  # red | orange | yellow | blue
    rule: str
    created_at: datetime
    event_id: str | None = None
    source_id: str | None = None
    departments: list[str] = field(default_factory=list)
    status: str = "open"  # open | acked | resolved | escalated
    delivered_at: datetime | None = None
    acked_at: datetime | None = None
    resolved_at: datetime | None = None
    # --- extensions ---
    title: str = ""
    summary: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None
    responded_at: datetime | None = None  # first 回应 (response text or official reply URL)

    _datetime_fields = (
        "created_at",
        "delivered_at",
        "acked_at",
        "resolved_at",
        "updated_at",
        "responded_at",
    )

    def contract_dict(self) -> dict[str, Any]:
        data = self.to_dict()
        return {k: data[k] for k in ALERT_CONTRACT_FIELDS}


@dataclass
class Feedback(_Record):
    """A duty officer's correction of a message's labels (label feedback). Fields left None
    are not corrected. ``title``/``text`` keep the message as it was judged, so retraining
    (``yuqing train --with-feedback``) does not depend on the post outliving retention."""

    id: str  # sha1(post id, created_at)
    post_id: str
    created_at: datetime
    by: str
    title: str = ""
    text: str = ""
    category: str | None = None  # the right category (a label of the classifier)
    focus: list[str] | None = None  # the right focus topics
    negative: bool | None = None  # whether the message is negative
    was: dict[str, Any] = field(default_factory=dict)  # the labels before the correction
    note: str = ""

    _datetime_fields = ("created_at",)

    @staticmethod
    def make_id(post_id: str, created_at: datetime) -> str:
        return hashlib.sha1(f"{post_id}\x1f{created_at.isoformat()}".encode()).hexdigest()
