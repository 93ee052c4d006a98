"""Official replies found in the data itself, linked to the events they answer.

A government source (``channel`` portal, disclosure, weibo or wechat) publishing a post whose
title reads like a reply (答复 / 回复 / 回应 / 情况说明 / 处理情况 …), or a message board's own
reply field (``Post.reply``), is a *reply*. It is linked to the open event it answers when it
was published after the event began and it covers the event's matter: the share of the
matter's character bigrams (event title + keywords, generic words such as 关于/问题/反映 left
out) found in the reply's title and text is at least ``THRESHOLD``; the best-covered event wins.

Linked replies are *candidates* (``evidence.reply_candidates`` on the event's unresolved
alerts): the console shows them to the liaison and the duty office, and only a confirmed one
(``handling.confirm_reply``) becomes a 回应 that counts in 回应率 and response time.
Measured on ``data/replies/`` by ``bench/replies.py`` (docs/alerts.md).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from yuqing.alerts.matches import PostMatches
from yuqing.models import Event, Post, post_time
from yuqing.storage.base import AlertHead, Store

OFFICIAL_CHANNELS = ("portal", "disclosure", "weibo", "wechat")
CUES = re.compile(r"答复|回复|回应|情况说明|处理情况|办理情况|调查处理|处理结果|整改情况")
THRESHOLD = 0.3  # candidates are confirmed by people: recall first (bench/replies.py)
#: words every message and reply uses: they say nothing about which matter it is
GENERIC = (
    "关于 问题 反映 回复 答复 回应 投诉 咨询 建议 举报 请问 为什么 为何 如何 是否 处理 情况 "
    "您好 你好 尊敬 领导 我们 政府 部门 相关 要求 解决 严重 怎么 什么 一下 网友 市民"
).split()
MAX_CANDIDATES = 5
UNRESOLVED = ("open", "acked", "escalated")
#: changes with what counts as a reply: the matches found so far are then found again
REPLY_TEST = hashlib.sha1(f"{CUES.pattern}|{OFFICIAL_CHANNELS}".encode()).hexdigest()


def _runs(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    return re.findall(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+", text)


def bigrams(text: str) -> set[str]:
    out = set()
    for run in _runs(text):
        if run.isascii():
            out.add(run.lower())
        else:
            out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


_GENERIC = set().union(*(bigrams(w) for w in GENERIC))


def matter(title: str, keywords: Iterable[str] = ()) -> set[str]:
    return (bigrams(title) | set().union(*(bigrams(k) for k in keywords))) - _GENERIC


def coverage(matter_grams: set[str], reply_text: str) -> float:
    if not matter_grams:
        return 0.0
    return len(matter_grams & bigrams(reply_text)) / len(matter_grams)


def _reply_or_answered(post: Post) -> dict | None:
    """The per-post test behind ``link_replies`` (alerts/matches.py)."""
    return {} if post.reply.get("text") or is_reply(post) else None


def is_reply(post: Post) -> bool:
    return post.channel in OFFICIAL_CHANNELS and bool(CUES.search(post.title))


@dataclass
class Link:
    reply_id: str
    event_id: str
    score: float


def best_event(
    reply_text: str, at: datetime, events: list[tuple[str, set[str], datetime | None]]
) -> Link | None:
    """The event (id, matter bigrams, first seen) a reply published at ``at`` answers."""
    return EventMatters(events).best(reply_text, at)


class EventMatters:
    """:func:`best_event` for many replies against one list of events: an inverted index
    (bigram -> events) so that a reply scores only the events it shares a bigram with — a
    check links a few hundred replies to thousands of alerted events — counted with numpy.
    Same result as scoring every event in list order (ties go to the earlier event)."""

    def __init__(self, events: Iterable[tuple[str, set[str], datetime | None]]):
        self.events = list(events)
        by_gram: dict[str, list[int]] = {}
        for n, (_, grams, _) in enumerate(self.events):
            for g in grams:
                by_gram.setdefault(g, []).append(n)
        self.by_gram = {g: np.array(ns, dtype=np.int64) for g, ns in by_gram.items()}
        # an event without bigrams is never hit: its size 1 only avoids dividing by 0
        self.sizes = np.array([max(len(g), 1) for _, g, _ in self.events], dtype=np.float64)
        self.begins = np.array(
            [f.timestamp() if f is not None else -np.inf for _, _, f in self.events]
        )

    def best(self, reply_text: str, at: datetime) -> Link | None:
        found = [self.by_gram[g] for g in bigrams(reply_text) if g in self.by_gram]
        if not found:  # an event sharing no bigram scores 0, below THRESHOLD
            return None
        hits = np.bincount(np.concatenate(found), minlength=len(self.events))
        scores = hits / self.sizes
        scores[self.begins > at.timestamp()] = 0.0  # a reply cannot answer what had not begun
        n = int(np.argmax(scores))  # the first of the best
        score = float(scores[n])
        return Link("", self.events[n][0], round(score, 3)) if score >= THRESHOLD else None


def _candidate(post: Post, score: float, via: str) -> dict:
    return {
        "post_id": post.id,
        "title": post.title,
        "url": post.url,
        "at": post_time(post).isoformat(),
        "source_id": post.source_id,
        "score": score,
        "via": via,  # official | board
    }


def link_replies(
    store: Store, now: datetime, lookback: timedelta, matches: PostMatches | None = None
) -> int:
    """Attach candidate replies to unresolved event alerts; returns new candidates.

    Only replies are read, not every post of the lookback: posts that carry the board's
    answer or look like an official reply are found once each (``matches``, kept between
    checks by the engine; without it the lookback is scanned). When neither the posts and
    events (``Store.change_mark``) nor the unresolved alerts changed since a run that
    attached everything it found, there is nothing new to link and nothing is read."""
    heads: dict[str, list[AlertHead]] = {}
    for status in UNRESOLVED:  # which events have unresolved alerts: heads, not the alerts
        for h in store.iter_alert_heads(since=now - lookback, status=status):
            if h.event_id and not h.superseded_by:
                heads.setdefault(h.event_id, []).append(h)
    if not heads:
        return 0
    state = hashlib.sha1(
        "\x1f".join(
            [REPLY_TEST, str(THRESHOLD), str(lookback), store.change_mark()]
            + sorted(h.id for hs in heads.values() for h in hs)
        ).encode()
    ).hexdigest()
    if matches is not None and matches.mark("replies-linked") == state:
        return 0
    events: dict[str, Event] = {}
    for eid in heads:
        event = store.get_event(eid)
        if event is not None:
            events[eid] = event
    table = EventMatters((e.id, matter(e.title, e.keywords), e.first_seen) for e in events.values())
    found: dict[str, list[dict]] = {}
    replies = (matches or PostMatches()).find(
        store, "replies", REPLY_TEST, _reply_or_answered, now - lookback, now
    )
    for post in store.get_posts(post_id for post_id, _ in replies):
        if post.reply.get("text") and post.event_id in events:  # the board answered in place
            found.setdefault(post.event_id, []).append(
                {**_candidate(post, 1.0, "board"), "text": post.reply["text"][:300]}
            )
        if not is_reply(post):
            continue
        link = table.best(f"{post.title}\n{post.text}", post_time(post))
        if link is not None:
            found.setdefault(link.event_id, []).append(_candidate(post, link.score, "official"))
    # the whole alerts only of the events that got candidates
    read = store.get_alerts(h.id for eid in found for h in heads.get(eid, []))
    by_id = {a.id: a for a in read if a.status in UNRESOLVED}
    alerts = {eid: [by_id[h.id] for h in heads.get(eid, []) if h.id in by_id] for eid in found}
    added, complete = 0, True
    for eid, candidates in found.items():
        for alert in alerts.get(eid, []):
            known = {c["post_id"] for c in alert.evidence.get("reply_candidates", [])}
            known |= {r.get("post_id") for r in alert.evidence.get("responses", [])}
            new = [c for c in candidates if c["post_id"] not in known]
            if not new:
                continue
            merged = sorted(
                [*alert.evidence.get("reply_candidates", []), *new], key=lambda c: -c["score"]
            )[:MAX_CANDIDATES]
            if store.update_alert(
                alert.id,
                expect={"status": alert.status, "updated_at": alert.updated_at},
                evidence={**alert.evidence, "reply_candidates": merged},
                updated_at=now,
            ):
                added += len(new)
            else:  # changed meanwhile (handled): linked again next time
                complete = False
    if matches is not None and complete:
        matches.set_mark("replies-linked", state, now)
    return added
