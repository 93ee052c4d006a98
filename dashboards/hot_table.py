"""The 热点问题表 (hot issues of a period) and the 热点问题留言明细表 (their messages).

Shared by ``yuqing hot``, the weekly digest (舆情周报) and the monthly view. Rows are events
ranked by their hot index (热度指数, :mod:`yuqing.hotindex`) computed over the messages
that fall in the period — an issue's messages before ``since`` or after ``until`` do not count,
so a monthly table ranks what was hot that month. Ties: more distinct authors, then more
messages, then the event id (deterministic).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from yuqing.hotindex import HotIndexWeights, HotInputs, hot_index, signal_of
from yuqing.models import Event, Post, post_time

__all__ = ["HotRow", "DetailRow", "hot_rows", "detail_rows", "TABLE_COLUMNS", "DETAIL_COLUMNS"]

#: (key, 热点问题表 header) in display order
TABLE_COLUMNS = (
    ("rank", "排名"),
    ("issue_id", "问题ID"),
    ("hot_index", "热度指数"),
    ("time_range", "时间范围"),
    ("place", "地点/人群"),
    ("description", "问题描述"),
    ("messages", "留言数"),
    ("authors", "留言人数"),
    ("likes", "点赞数"),
)
DETAIL_COLUMNS = (
    ("issue_id", "问题ID"),
    ("message_id", "留言编号"),
    ("author", "留言用户"),
    ("title", "留言主题"),
    ("time", "留言时间"),
    ("likes", "点赞数"),
    ("dislikes", "反对数"),
)


@dataclass
class HotRow:
    rank: int
    issue_id: str
    hot_index: float
    first: datetime
    last: datetime
    place: str
    description: str
    messages: int
    authors: int
    likes: int
    keywords: list[str] = field(default_factory=list)
    representative: list[str] = field(default_factory=list)  # post ids
    post_ids: list[str] = field(default_factory=list)  # in the period, time order

    @property
    def time_range(self) -> str:
        return f"{self.first:%Y/%m/%d} 至 {self.last:%Y/%m/%d}"

    def as_dict(self) -> dict:
        return {
            "rank": self.rank,
            "issue_id": self.issue_id,
            "hot_index": self.hot_index,
            "time_range": self.time_range,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "place": self.place,
            "description": self.description,
            "messages": self.messages,
            "authors": self.authors,
            "likes": self.likes,
            "keywords": self.keywords,
            "representative": self.representative,
        }


@dataclass
class DetailRow:
    issue_id: str
    message_id: str
    author: str
    title: str
    time: datetime
    likes: int
    dislikes: int

    def as_dict(self) -> dict:
        return {
            "issue_id": self.issue_id,
            "message_id": self.message_id,
            "author": self.author,
            "title": self.title,
            "time": self.time.isoformat(),
            "likes": self.likes,
            "dislikes": self.dislikes,
        }


def place_of(event: Event) -> str:
    """地点/人群: the event's places, else its region, and the groups affected."""
    where = list(event.anchors) or ([event.region] if event.region else [])
    return "；".join(x for x in ("、".join(where), "、".join(event.groups)) if x) or "—"


def hot_rows(
    events: Iterable[Event],
    posts: Iterable[Post],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    top: int = 10,
    weights: HotIndexWeights | None = None,
    source_weights: dict[str, float] | None = None,
    min_messages: int = 1,
) -> list[HotRow]:
    """The period's hot issues, best first (``posts``: at least those of the period)."""
    w = weights or HotIndexWeights()
    sw = source_weights or {}
    by_event: dict[str, list[tuple[datetime, Post]]] = defaultdict(list)
    for p in posts:
        if not p.event_id:
            continue
        t = post_time(p)
        if (since is None or t >= since) and (until is None or t < until):
            by_event[p.event_id].append((t, p))
    events_by_id = {e.id: e for e in events}
    scored = []
    for eid, members in by_event.items():
        ev = events_by_id.get(eid)
        if ev is None or len(members) < min_messages:
            continue
        members.sort(key=lambda tp: (tp[0], tp[1].id))
        sigs = [signal_of(p, t, sw.get(p.source_id, 1.0)) for t, p in members]
        x = HotInputs.of(sigs, w.peak_days)
        score = hot_index(x, w)
        likes = sum(int((p.engagement or {}).get("likes", 0)) for _, p in members)
        scored.append((score, x, likes, ev, members))
    scored.sort(key=lambda s: (-s[0], -s[1].authors, -s[1].messages, s[3].id))
    rows = []
    for rank, (score, x, likes, ev, members) in enumerate(scored[:top], 1):
        ids = [p.id for _, p in members]
        rows.append(
            HotRow(
                rank=rank,
                issue_id=ev.id,
                hot_index=score,
                first=members[0][0],
                last=members[-1][0],
                place=place_of(ev),
                description=ev.title,
                messages=x.messages,
                authors=x.authors,
                likes=likes,
                keywords=list(ev.keywords[:6]),
                representative=[i for i in ev.representative_ids if i in set(ids)][:3] or ids[:3],
                post_ids=ids,
            )
        )
    return rows


def detail_rows(rows: Iterable[HotRow], posts_by_id: dict[str, Post]) -> list[DetailRow]:
    """The 热点问题留言明细表: every message of each row, in time order."""
    out = []
    for row in rows:
        for pid in row.post_ids:
            p = posts_by_id.get(pid)
            if p is None:
                continue
            e = p.engagement or {}
            out.append(
                DetailRow(
                    issue_id=row.issue_id,
                    message_id=p.id,
                    author=p.author or "",
                    title=p.title or (p.text or "")[:40],
                    time=post_time(p),
                    likes=int(e.get("likes", 0)),
                    dislikes=int(e.get("dislikes", 0)),
                )
            )
    return out
