"""What an alert is about, read back from the store for the people who must act on it:
the event's messages (counts, distinct authors, negative share, time range, channels,
sources, keywords, places) and the top messages, newest and most-liked first; for a source
alert (source health, dormant account) the account and its last post.

Used by the alert messages (``render``) and by the console's alert page, so a liaison sees
the same evidence in the e-mail and on the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from yuqing.models import NEW_MEDIA, Alert, Event, Post, post_time
from yuqing.storage.base import Store
from yuqing.vocab import CHANNEL_NAMES, NEGATIVE_BELOW

TOP_MESSAGES = 5  # messages quoted in an alert; the rest are counted (及其他 N 条)
MAX_READ = 300  # posts read per alert (an event may hold thousands)
SNIPPET = 80  # characters of body quoted per message


@dataclass
class Message:
    id: str
    title: str
    source: str
    channel: str
    at: datetime
    snippet: str
    url: str
    author: str | None = None
    likes: int = 0
    sentiment: float | None = None


@dataclass
class Evidence:
    title: str
    messages: int = 0  # messages about the subject (the event's size when larger than read)
    authors: int = 0  # distinct authors among the messages read (0 = sources give none)
    scored: int = 0  # messages with a sentiment score
    negative: int = 0
    first: datetime | None = None
    last: datetime | None = None
    channels: list[str] = field(default_factory=list)  # Chinese names
    sources: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)  # places and organisations
    groups: list[str] = field(default_factory=list)  # people affected (涉及人群)
    top: list[Message] = field(default_factory=list)
    account: dict | None = None  # source alerts: name, channel, url, last_post_at, last_post

    @property
    def more(self) -> int:
        return max(self.messages - len(self.top), 0)

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.scored if self.scored else None


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[:SNIPPET] + "…"


def message(post: Post, source_names: dict[str, str]) -> Message:
    return Message(
        id=post.id,
        title=post.title,
        source=source_names.get(post.source_id, post.source_id),
        channel=CHANNEL_NAMES.get(post.channel, post.channel),
        at=post_time(post),
        snippet=_snippet(post.text),
        url=post.url,
        author=post.author,
        likes=int(post.engagement.get("likes", 0) or 0),
        sentiment=post.sentiment,
    )


def _posts(store: Store, ids: list[str]) -> list[Post]:
    out = []
    for pid in list(dict.fromkeys(ids))[:MAX_READ]:
        post = store.get_post(pid)
        if post is not None:
            out.append(post)
    return out


def gather(store: Store, cfg, alert: Alert, top: int = TOP_MESSAGES) -> Evidence:
    """The evidence for ``alert`` as stored now."""
    names = source_names(cfg)
    event = store.get_event(alert.event_id) if alert.event_id else None
    ids = list(event.post_ids) if event else []
    ids += [i for i in alert.evidence.get("post_ids", []) if i not in ids]
    ev = _evidence(store, event, event.title if event else alert.title, ids, names, top)
    if alert.source_id and not alert.event_id:
        ev.account = _account(store, cfg, alert.source_id, names)
    return ev


def event_evidence(
    store: Store, cfg, event: Event, top: int = TOP_MESSAGES
) -> tuple[Evidence, list[Post]]:
    """The evidence for ``event`` (the 舆情专报, dashboards/event_report.py) and the posts it
    was read from (at most ``MAX_READ``)."""
    posts = _posts(store, list(event.post_ids))
    ev = _evidence(store, event, event.title, [], source_names(cfg), top, posts)
    return ev, posts


def source_names(cfg) -> dict[str, str]:
    return {s.id: s.name or s.id for s in cfg.sources.sources} if cfg is not None else {}


def _evidence(
    store: Store,
    event: Event | None,
    title: str,
    ids: list[str],
    names: dict[str, str],
    top: int,
    posts: list[Post] | None = None,
) -> Evidence:
    posts = _posts(store, ids) if posts is None else posts
    ev = Evidence(title=title)
    if posts:
        times = [post_time(p) for p in posts]
        ev.first, ev.last = min(times), max(times)
        ev.messages = max(len(posts), event.size if event else 0)
        ev.authors = len({p.author for p in posts if p.author})
        scored = [p.sentiment for p in posts if p.sentiment is not None]
        ev.scored, ev.negative = len(scored), sum(s < NEGATIVE_BELOW for s in scored)
        ev.channels = _ranked(CHANNEL_NAMES.get(p.channel, p.channel) for p in posts)
        ev.sources = _ranked(names.get(p.source_id, p.source_id) for p in posts)
        places = [r for p in posts for r in ([p.region] if p.region else []) + p.regions_mentioned]
        ev.places = _ranked(places)[:5]
        ev.keywords = list(event.keywords[:8]) if event and event.keywords else _keywords(posts)
        ranked = sorted(  # most-liked first, then newest
            posts,
            key=lambda p: (int(p.engagement.get("likes", 0) or 0), post_time(p)),
            reverse=True,
        )
        ev.top = [message(p, names) for p in ranked[:top]]
    if event is not None:  # the event's own counts cover every message, not only those read
        if event.first_seen and (ev.first is None or event.first_seen < ev.first):
            ev.first = event.first_seen
        ev.authors = max(ev.authors, event.authors)
        ev.places = list(dict.fromkeys([*event.anchors, *ev.places]))[:5]
        ev.groups = list(event.groups[:5])
    return ev


def _ranked(values) -> list[str]:
    return [v for v, _ in Counter(values).most_common()]


def _keywords(posts: list[Post]) -> list[str]:
    return _ranked(k for p in posts for k in p.keywords[:5])[:8]


_SECOND = timedelta(seconds=1)


def _account(store: Store, cfg, source_id: str, names: dict[str, str]) -> dict:
    src = next((s for s in cfg.sources.sources if s.id == source_id), None) if cfg else None
    # its newest post through the store's index: every message and console page rendered
    # for a source alert read all the posts of the source (a board's years of messages)
    at = store.last_post_time(source_id)
    newest = [] if at is None else store.find_posts(at - _SECOND, at, by="source", key=source_id)
    last = max(newest, key=post_time, default=None)
    return {
        "name": names.get(source_id, source_id),
        # a 政务新媒体 account is an 账号; a portal or a message board is a 信息源
        "label": "账号" if src and src.channel in NEW_MEDIA else "信息源",
        "channel": CHANNEL_NAMES.get(src.channel, src.channel) if src else "",
        "url": src.urls[0] if src else "",
        "last_post_at": post_time(last) if last else None,
        "last_post": message(last, names) if last else None,
    }
