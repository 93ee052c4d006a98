"""Gather a digest's numbers from the Store into dataclasses (no rendering here).

Counting rules (docs/digest.md):
- a post belongs to the period in which it was **collected** (``crawled_at``): the digest
  reports what the system gathered that day, and every post is counted exactly once;
- an event is *new* when its ``first_seen`` falls in the period; the *hot* events are those
  with news collected in the period or seen (``last_seen``) in it, by hotness. News: a post
  published no earlier than ``digest.backfill_after`` before the period began
  (:func:`yuqing.models.news_since`); older posts collected in the period are a backfill
  (the first crawl of an archive), counted as collected but neither making an event hot nor
  listed as 重点信息;
- an alert belongs to the period in which it was created; *overdue* means open or escalated
  past its level's acknowledgement deadline at the end of the period (or now, if earlier).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from yuqing.alerts.engine import MANUAL_RULE
from yuqing.alerts.ledger import status_changes
from yuqing.alerts.rules.dormancy import account_level, dormancy_policy
from yuqing.alerts.rules.source_health import failing_level
from yuqing.alerts.settings import alert_settings
from yuqing.alerts.stats import DeptStats, department_stats
from yuqing.alerts.workflow import deadline
from yuqing.alerts.workflow import due as due_at
from yuqing.dashboards.hot_table import HotRow, hot_rows
from yuqing.dashboards.period import Period
from yuqing.levels import LEVELS, rank
from yuqing.models import CHANNELS, Alert, Event, Post, news_since, post_time
from yuqing.storage.base import Store
from yuqing.storage.facets import Dimension, Tally
from yuqing.text import shown
from yuqing.timeutil import parse_iso
from yuqing.vocab import NEGATIVE_BELOW, STATUS_NAMES, failure_text

#: Channels shown even when empty, in this order; others follow when they have posts.
MAIN_CHANNELS = ("portal", "message_board", "weibo", "wechat", "news")
TOP_EVENTS = 10
POSTS_PER_EVENT = 3
NOTABLE_POSTS = 8  # "重点信息": the period's most negative (then newest) posts
EVENT_SAMPLE = 200  # an event's posts read for its row (most negative first)
CANDIDATES = 50  # events considered for the hot list, by hotness and by posts
TOP_PLACES = 10  # 地区: the places listed one by one; the rest are one 其他 row
ZOMBIE_DAYS = 30  # a sleeping account this long is called a 僵尸号 (its level: account_level)


@dataclass
class Delta:
    """A headline number and the same number for the previous period."""

    label: str
    value: int
    previous: int

    @property
    def change(self) -> int:
        return self.value - self.previous

    @property
    def change_text(self) -> str:
        if self.previous == 0:
            return "持平" if self.value == 0 else "新增"
        pct = round(100 * self.change / self.previous)
        return "持平" if pct == 0 else (f"↑{pct}%" if pct > 0 else f"↓{-pct}%")


@dataclass
class ChannelRow:
    channel: str
    name: str
    count: int
    previous: int


@dataclass
class PostRef:
    title: str
    url: str
    source: str
    when: datetime | None
    sentiment: float | None


@dataclass
class HotEvent:
    id: str
    title: str
    hotness: float
    size: int
    period_posts: int
    category: str | None
    focus: list[str]
    regions: list[str]
    sources: list[str]
    keywords: list[str]
    burst: bool
    negativity: float | None  # 负面度 0 (none) … 1 (all posts wholly negative)
    trend: list[float]  # hot index at the end of each day (from the event's hot_history)
    posts: list[PostRef]
    alert_level: str | None = None
    alert_status: str | None = None  # open | acked | resolved | escalated
    departments: list[str] = field(default_factory=list)

    @property
    def response(self) -> str:
        if self.alert_status is None:
            return "未预警"
        return STATUS_NAMES.get(self.alert_status, self.alert_status)


@dataclass
class FocusRow:
    id: str
    name: str
    count: int
    previous: int
    negativity: float | None  # mean sentiment of the period's posts (−1…1)
    negative: int  # posts below NEGATIVE_BELOW
    trend: list[int]


@dataclass
class AlertRef:
    id: str
    level: str
    title: str
    status: str
    departments: list[str]
    created_at: datetime
    due_at: datetime


@dataclass
class LevelChange:
    """One 研判 of the period: an alert's level changed by the duty office."""

    id: str
    title: str
    from_level: str
    to_level: str
    by: str
    at: datetime
    reason: str  # the 研判意见, cut to REASON_MAX characters


#: longest 研判意见 and alert title a level change line shows (the alert page has them whole)
REASON_MAX = 60
TITLE_SHOWN = 80
#: level changes listed by name (all are counted)
LEVEL_CHANGES_SHOWN = 20


@dataclass
class AlertSummary:
    raised: int
    previous: int
    by_level: dict[str, int]
    acked_on_time: int
    acked_late: int
    overdue: list[AlertRef]
    escalated: int
    resolved: int
    departments: list[DeptStats]
    overdue_resolve: list[AlertRef] = field(default_factory=list)  # acked, past 办结时限
    reminders: int = 0  # 催办 sent in the period
    overdue_notices: int = 0  # 督办通知 sent in the period
    level_changes: list[LevelChange] = field(default_factory=list)  # 研判 in the period, shown
    level_change_count: int = 0  # 研判 in the period, all
    manual: int = 0  # of the raised, those the duty office raised by hand (人工报送)


@dataclass
class SourceIssue:
    source_id: str
    name: str
    channel: str
    level: str  # the level of its alert: failing_level, account_level
    kind: str  # failing | dormant | zombie
    detail: str


@dataclass
class DigestData:
    period: Period
    generated_at: datetime
    as_of: datetime  # end of the period, or now while it is running
    headlines: list[Delta]
    channels: list[ChannelRow]
    days: list[date]  # x axis of every trend (oldest first)
    volume: list[int]  # posts collected per day over ``days``
    hot_events: list[HotEvent]
    focus: list[FocusRow]
    alerts: AlertSummary
    sources: list[SourceIssue]
    #: 地区: posts per place (``yuqing.models.post_place``) against the previous period, the
    #: TOP_PLACES first, then 其他 (the rest) and 未标注 (no place, no source region)
    places: list[Delta]
    top_sources: list[tuple[str, int]]
    notable: list[PostRef] = field(default_factory=list)  # most negative, then newest
    #: posts collected in the period but published before its news (``news_since``): the
    #: backfill of an archive, in 采集信息 but not in 热点事件 / 重点信息; and that cut in words
    backfill: int = 0
    backfill_after: str = ""
    hot_table: list[HotRow] = field(default_factory=list)  # 热点问题表 (weekly, monthly)
    # weekly only: 政务新媒体 accounts whose ledger status changed, (account, old status)
    account_changes: list = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return self.as_of < self.period.end

    @property
    def empty(self) -> bool:
        """Nothing new in the period (source problems are still reported)."""
        return all(h.value == 0 for h in self.headlines[:3])


class _Names:
    def __init__(self, cfg):
        self.sources = {s.id: s for s in cfg.sources.sources}
        self.focus = {t.id: t.name for t in cfg.topics.focus}
        self.categories = {t.id: t.name for t in cfg.topics.categories}
        self.depts = {d.id: d.name for d in cfg.departments.departments}

    def source(self, sid: str | None) -> str:
        src = self.sources.get(sid or "")
        return (src.name or src.id) if src else (sid or "未知来源")


def gather(cfg, store: Store, period: Period, now: datetime) -> DigestData:
    """Everything the digest shows for ``period``, as known at ``now``."""
    names = _Names(cfg)
    as_of = min(period.end, max(now, period.start))
    # What counts is everything stored for the period, up to now. The cut is the period's
    # end, not ``as_of``: stored times are truncated to the second, so a cut at ``now`` would
    # leave out whatever this same second stored (the alerts just raised, the last post).
    cut = period.end
    prev = period.previous()
    trend_days = max(7, 2 * period.days)
    days = [period.last_day - timedelta(days=i) for i in range(trend_days - 1, -1, -1)]
    cur = (period.start, cut)
    before = (prev.start, prev.end)
    volume = [0] * trend_days
    focus_trend: dict[str, list[int]] = defaultdict(lambda: [0] * trend_days)
    for i, day in enumerate(days):
        span = (_midnight(day, period), min(_midnight(day + timedelta(days=1), period), cut))
        volume[i] = _total(_collected(store, "all", span))
        for f, t in _collected(store, "focus", span).items():
            focus_trend[f][i] = t.posts
    cur_channels = Counter(_posts(_collected(store, "channel", cur)))
    prev_channels = Counter(_posts(_collected(store, "channel", before)))
    negative = [
        _total(_collected(store, "all", w, below=NEGATIVE_BELOW), negative=True)
        for w in (cur, before)
    ]
    focus_now = _collected(store, "focus", cur, below=NEGATIVE_BELOW)
    focus_prev = _posts(_collected(store, "focus", before))
    places = _posts(_collected(store, "place", cur)), _posts(_collected(store, "place", before))
    sources: Counter[str] = Counter()
    for sid, n in _posts(_collected(store, "source", cur)).items():
        sources[names.source(sid)] += n
    # the period's news: what it collected less the backfill of older posts
    news = news_since(period.start, cfg.settings.digest.backfill_after)
    event_posts = _posts(_collected(store, "event", cur, posted_since=news))
    notable = store.find_posts(
        *cur, axis="collected", closed="left", order="sentiment", originals=True,
        limit=NOTABLE_POSTS, posted_since=news,
    )  # fmt: skip
    # published in the period: the 热点问题表 of weekly and monthly digests
    period_posts = (
        store.find_posts(period.start, as_of, closed="left")[::-1] if period.kind != "daily" else []
    )

    events, new_events = _events(store, period, prev, cut, event_posts)
    alerts = _alerts(cfg, store, period, prev, as_of, cut)
    hot = [
        _hot_event(
            e,
            store.find_posts(
                *cur,
                by="event",
                key=e.id,
                axis="collected",
                closed="left",
                order="sentiment",
                limit=EVENT_SAMPLE,
                posted_since=news,
            ),  # fmt: skip
            event_posts.get(e.id, 0),
            hot_trend(e, days),
            store,
            names,
        )
        for e in events[:TOP_EVENTS]
    ]
    _attach_alerts(hot, store, period, cut, names)

    collected = sum(cur_channels.values())
    backfill = collected - _total(_collected(store, "all", cur, posted_since=news))
    headlines = [
        Delta("采集信息", collected, sum(prev_channels.values())),
        Delta("新增事件", new_events[0], new_events[1]),
        Delta("新增预警", alerts.raised, alerts.previous),
        Delta("负面信息", negative[0], negative[1]),
    ]
    channels = [
        ChannelRow(c, CHANNELS.get(c, c), cur_channels[c], prev_channels[c])
        for c in (
            *MAIN_CHANNELS,
            *sorted((set(cur_channels) | set(prev_channels)) - set(MAIN_CHANNELS)),
        )
    ]
    focus = [
        FocusRow(
            fid,
            fname,
            focus_now[fid].posts if fid in focus_now else 0,
            focus_prev.get(fid, 0),
            _mean(focus_now[fid]) if fid in focus_now else None,
            focus_now[fid].negative if fid in focus_now else 0,
            focus_trend.get(fid, [0] * trend_days),
        )
        for fid, fname in names.focus.items()
    ]
    return DigestData(
        period=period,
        generated_at=now,
        as_of=as_of,
        headlines=headlines,
        channels=channels,
        days=days,
        volume=volume,
        hot_events=hot,
        focus=focus,
        alerts=alerts,
        sources=source_issues(cfg, store, as_of, names),
        account_changes=status_changes(cfg, store, period.start, as_of)
        if period.kind == "weekly"
        else [],
        places=_place_rows(*places, collected, sum(prev_channels.values())),
        top_sources=sources.most_common(8),
        notable=[
            PostRef(p.title, p.url, names.source(p.source_id), post_time(p), p.sentiment)
            for p in notable
        ],
        hot_table=_hot_table(cfg, store, period_posts, period.start, as_of),
        backfill=backfill,
        backfill_after=_span_text(cfg.settings.digest.backfill_after),
    )


def _place_rows(
    now: dict[str, int], before: dict[str, int], collected: int, collected_before: int
) -> list[Delta]:
    """The 地区 rows: the TOP_PLACES places with the most posts (then by name), each against
    the previous period; the other places' sum as 其他 N 处; the posts with no place as 未标注."""
    ranked = sorted(now.items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [Delta(name, n, before.get(name, 0)) for name, n in ranked[:TOP_PLACES]]
    if rest := ranked[TOP_PLACES:]:
        rows.append(
            Delta(
                f"其他 {len(rest)} 处",
                sum(n for _, n in rest),
                sum(before.get(name, 0) for name, _ in rest),
            )
        )
    unplaced = collected - sum(now.values())
    if unplaced > 0:
        rows.append(Delta("未标注", unplaced, max(0, collected_before - sum(before.values()))))
    return rows


def _span_text(span: timedelta) -> str:
    """``3 天``, ``36 小时``: a duration as the digest says it."""
    hours = span.total_seconds() / 3600
    return f"{hours / 24:g} 天" if hours % 24 == 0 else f"{hours:g} 小时"


def hot_trend(e: Event, days: list[date]) -> list[float]:
    """The event's hot index (热度指数) at the end of each of ``days``, from its stored
    ``hot_history`` (a step function: a value holds until the next point; 0 before)."""
    points = sorted((date.fromisoformat(d), float(v)) for d, v in e.hot_history)
    out, i, value = [], 0, 0.0
    for day in days:
        while i < len(points) and points[i][0] <= day:
            value = points[i][1]
            i += 1
        out.append(value)
    return out


def _hot_table(cfg, store: Store, posts: list[Post], start: datetime, end: datetime):
    """The 热点问题表 of a weekly or monthly digest (daily digests: none)."""
    if not posts:
        return []
    from yuqing.hotindex import HotIndexWeights

    wanted = {p.event_id for p in posts if p.event_id}
    events = [e for eid in sorted(wanted) if (e := store.get_event(eid)) is not None]
    return hot_rows(
        events,
        posts,
        since=start,
        until=end,
        top=TOP_EVENTS,
        weights=HotIndexWeights.from_settings(cfg.settings.nlp.hotness),
        source_weights={s.id: s.weight for s in cfg.sources.sources},
    )


def _mean(t: Tally) -> float | None:
    return round(t.sentiment_sum / t.scored, 2) if t.scored else None


def _midnight(day: date, period: Period) -> datetime:
    return datetime.combine(day, time(0), period.tz)


def _collected(
    store: Store, by: Dimension, span: tuple[datetime, datetime], **kw
) -> dict[str, Tally]:
    """Counts of the posts collected in ``[start, end)`` (the digest counts by crawl time)."""
    if span[1] <= span[0]:
        return {}
    return store.tally(by, *span, axis="collected", closed="left", **kw)


def _posts(counts: dict[str, Tally]) -> dict[str, int]:
    return {k: t.posts for k, t in counts.items()}


def _total(counts: dict[str, Tally], negative: bool = False) -> int:
    return sum(t.negative if negative else t.posts for t in counts.values())


def _events(
    store: Store, period: Period, prev: Period, cut: datetime, event_posts: dict[str, int]
) -> tuple[list[Event], tuple[int, int]]:
    """Hot events of the period (by hotness, then posts in the period) and the count of new
    events (current, previous). Candidates: the hottest events seen since the period began,
    and the events with the most posts collected in it."""
    new = (store.count_events(period.start, cut), store.count_events(prev.start, prev.end))
    seen: dict[str, Event] = {}
    for e in store.iter_events(since=period.start, order="hotness", limit=CANDIDATES):
        first = e.first_seen or e.last_seen
        if (first is None or first < cut) and (
            (e.last_seen is not None and e.last_seen < cut) or e.id in event_posts
        ):
            seen[e.id] = e
    for eid in sorted(event_posts, key=lambda k: (-event_posts[k], k))[:CANDIDATES]:
        if eid not in seen and (event := store.get_event(eid)) is not None:
            seen[eid] = event
    ranked = sorted(seen.values(), key=lambda e: (-e.hotness, -event_posts.get(e.id, 0), e.id))
    return ranked, new


def _hot_event(
    e: Event, posts: list[Post], period_posts: int, trend: list[float], store: Store, names: _Names
) -> HotEvent:
    """``posts``: the event's most negative posts collected in the period (a sample)."""
    chosen = [p for p in posts if not p.duplicate_of] or list(posts)
    if not chosen:  # nothing collected in the period: show the event's own posts
        for pid in e.post_ids[: POSTS_PER_EVENT * 3]:
            p = store.get_post(pid)
            if p is not None and not p.duplicate_of:
                chosen.append(p)
    chosen.sort(key=lambda p: (p.sentiment if p.sentiment is not None else 0, p.url))
    refs = [
        PostRef(p.title, p.url, names.source(p.source_id), post_time(p), p.sentiment)
        for p in chosen[:POSTS_PER_EVENT]
    ]
    # the places the posts name first (nlp/gazetteer.py), then where their sources are
    named = (p.regions_mentioned[0] for p in posts if p.regions_mentioned)
    regions = [r for r in dict.fromkeys([e.region, *named, *(p.region for p in posts)]) if r]
    srcs = list(
        dict.fromkeys(
            [*(names.source(s) for s in e.sources), *(names.source(p.source_id) for p in posts)]
        )
    )
    # 负面度 0…1, as the event tracker keeps it (mean of max(0, −sentiment) over its posts) and
    # the hot index uses it; from the sampled posts when the event has none stored
    sents = [p.sentiment for p in posts if p.sentiment is not None]
    negativity = e.negativity
    if negativity is None and sents:
        negativity = sum(max(0.0, -s) for s in sents) / len(sents)
    if negativity is not None:
        negativity = round(negativity, 2)
    return HotEvent(
        id=e.id,
        title=e.title,
        hotness=round(e.hotness, 1),
        size=e.size,
        period_posts=period_posts,
        category=names.categories.get(e.category or "", e.category),
        focus=[names.focus.get(f, f) for f in e.focus],
        regions=regions[:5],
        sources=srcs[:5],
        keywords=e.keywords[:6],
        burst=e.burst,
        negativity=negativity,
        trend=trend,
        posts=refs,
    )


def _attach_alerts(
    hot: list[HotEvent], store: Store, period: Period, cut: datetime, names: _Names
) -> None:
    """The most severe (then latest) alert about each hot event, up to the period's end."""
    since = period.start - timedelta(days=30)
    for h in hot:
        top: Alert | None = None
        for a in store.iter_alerts(since=since, event_id=h.id):
            if a.created_at >= cut or a.evidence.get("superseded_by"):
                continue
            if top is None or (rank(a.level), a.created_at) >= (rank(top.level), top.created_at):
                top = a
        if top is not None:
            h.alert_level, h.alert_status = top.level, top.status
            h.departments = [names.depts.get(d, d) for d in top.departments]


def _alerts(
    cfg, store: Store, period: Period, prev: Period, as_of: datetime, cut: datetime
) -> AlertSummary:
    settings = alert_settings(cfg)
    names = {d.id: d.name for d in cfg.departments.departments}
    by_level: dict[str, int] = {lvl: 0 for lvl in reversed(LEVELS)}
    raised = previous = on_time = late = escalated = resolved = manual = 0
    overdue: list[AlertRef] = []
    overdue_resolve: list[AlertRef] = []
    reminders = notices = 0
    changes: list[LevelChange] = []
    read = _period_alerts(store, period, prev)
    for a in read:
        if a.created_at >= cut:
            continue
        changes += _level_changes(a, period, cut)  # a judged alert superseded since too
        if a.evidence.get("superseded_by"):
            continue
        due = deadline(a, settings)
        for h in a.evidence.get("history", []):
            at = parse_iso(h.get("at")) if h.get("action") in ("remind", "overdue") else None
            if at is not None and period.start <= at < period.end:
                reminders += h["action"] == "remind"
                notices += h["action"] == "overdue"
        resolve_due = due_at(a, settings, "resolve")
        if a.status == "acked" and resolve_due < as_of:
            overdue_resolve.append(
                AlertRef(
                    a.id,
                    a.level,
                    a.title or a.rule,
                    a.status,
                    [names.get(d, d) for d in a.departments],
                    a.created_at,
                    resolve_due,
                )
            )
        if a.status in ("open", "escalated") and due < as_of:
            overdue.append(
                AlertRef(
                    a.id,
                    a.level,
                    a.title or a.rule,
                    a.status,
                    [names.get(d, d) for d in a.departments],
                    a.created_at,
                    due,
                )
            )
        if prev.start <= a.created_at < prev.end:
            previous += 1
        if a.created_at < period.start:
            continue
        raised += 1
        manual += a.rule == MANUAL_RULE
        by_level[a.level] = by_level.get(a.level, 0) + 1
        if a.acked_at is not None:
            on_time += a.acked_at <= due
            late += a.acked_at > due
        history = {h.get("action") for h in a.evidence.get("history", [])}
        escalated += a.status == "escalated" or "escalate" in history
        resolved += a.status == "resolved"
    overdue.sort(key=lambda r: (-rank(r.level), r.due_at))
    return AlertSummary(
        raised=raised,
        manual=manual,
        previous=previous,
        by_level=by_level,
        acked_on_time=on_time,
        acked_late=late,
        overdue=overdue[:20],
        escalated=escalated,
        resolved=resolved,
        departments=department_stats(cfg, store, settings, period.start, as_of, read),
        overdue_resolve=sorted(overdue_resolve, key=lambda r: r.due_at)[:20],
        reminders=reminders,
        overdue_notices=notices,
        level_changes=sorted(changes, key=lambda c: (c.at.timestamp(), c.id))[:LEVEL_CHANGES_SHOWN],
        level_change_count=len(changes),
    )


def _level_changes(a: Alert, period: Period, cut: datetime) -> list[LevelChange]:
    """The alert's level changes (研判, ``relevel`` history entries) made in the period."""
    out = []
    for h in a.evidence.get("history", []):
        at = parse_iso(h.get("at")) if h.get("action") == "relevel" else None
        if at is None or not (period.start <= at < min(period.end, cut)):
            continue
        out.append(
            LevelChange(
                a.id,
                shown(a.title or a.rule, TITLE_SHOWN),
                h["from"],
                h["to"],
                shown(h.get("by") or "—", 40),
                at,
                shown(h.get("note") or "", REASON_MAX),
            )
        )
    return out


def _period_alerts(store: Store, period: Period, prev: Period) -> list[Alert]:
    """The alerts the summary can count, without reading 30 days of alerts: those raised in
    the two periods, those still waiting (open, escalated, acked: overdue lists) and those
    changed since the period began (reminders, notices) — within the last 30 days."""
    since = period.start - timedelta(days=30)
    ids = set(store.alert_ids(since=prev.start))  # which ones: ids first, then each read once
    for status in ("open", "escalated", "acked"):
        ids.update(store.alert_ids(since=since, status=status))
    ids.update(store.alert_ids(since=since, updated_since=period.start))
    # by Unix time: comparing datetimes that each carry their own tzinfo is 3x slower
    return sorted(store.get_alerts(ids), key=lambda a: (a.created_at.timestamp(), a.id))


def source_issues(
    cfg, store: Store, as_of: datetime, names: _Names | None = None
) -> list[SourceIssue]:
    """Failing sources (unhealthy or failing crawls) and dormant new-media accounts."""
    names = names or _Names(cfg)
    out: list[SourceIssue] = []
    states = {s.source_id: s for s in store.iter_source_states()}
    for s in sorted(states.values(), key=lambda s: s.source_id):
        if s.healthy and not s.consecutive_failures:
            continue
        src = names.sources.get(s.source_id)
        last_ok = f"{s.last_success_at:%Y-%m-%d %H:%M}" if s.last_success_at else "从未成功"
        out.append(
            SourceIssue(
                s.source_id,
                names.source(s.source_id),
                src.channel if src else "other",
                failing_level(cfg, store, s, as_of),
                "failing",
                f"连续失败 {s.consecutive_failures} 次；最近成功：{last_ok}"
                + (f"；{failure_text(s.last_error)}" if s.last_error else ""),
            )
        )
    policy = dormancy_policy(cfg)  # the dormancy rule's options: one definition
    for src in cfg.sources.sources:
        state = states.get(src.id)
        if (
            src.channel not in policy.channels
            or not src.enabled
            or state is None
            or state.last_success_at is None
        ):
            continue  # never crawled successfully: reported as failing, not as dormant
        last = store.last_post_time(src.id, until=as_of)
        if last is None and store.last_post_time(src.id) is not None:
            continue  # its first post came after the period: not judged in hindsight
        idle = (as_of - last).days if last else None
        if idle is not None and idle < policy.days:
            continue
        zombie = idle is None or idle >= ZOMBIE_DAYS  # the name; the warnings, the level
        detail = (
            f"{idle} 天未更新（最近发布 {last:%Y-%m-%d}）" if last is not None else "从未发布内容"
        )
        out.append(
            SourceIssue(
                src.id,
                names.source(src.id),
                src.channel,
                account_level(cfg, store, src.id, last, as_of),
                "zombie" if zombie else "dormant",
                detail + f"；要求每 {policy.days} 天至少更新一次",
            )
        )
    return out
