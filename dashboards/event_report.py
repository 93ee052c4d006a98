"""舆情专报: one event written up for the leaders the network-information office reports to.

The daily digest lists the day's events in a few lines each; when one matters, the duty office
writes a 专报 about it: what happened and where (事件概况), how it spread day by day and over
which channels and sources (传播态势), what residents say (主要诉求与代表性信息), how negative it
is (情感倾向), what the departments did with its alerts (处置情况: level, lead unit, 签收 / 回应 /
办结 and the replies), and the office's own judgement (研判意见). :func:`build` gathers it from
the store as it is now; it renders as plain text (the CLI, pasted into a document) and as a
self-contained HTML page (the console's 舆情专报 link; printable). Crawled text is escaped in
the HTML and stripped of control characters in both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from yuqing import levels
from yuqing.alerts.engine import MANUAL_RULE
from yuqing.alerts.evidence import Evidence, event_evidence
from yuqing.dashboards.digest import safe_url
from yuqing.mail import header_safe
from yuqing.models import Event, post_time
from yuqing.storage.base import Store
from yuqing.templating import environment
from yuqing.timeutil import now as _now
from yuqing.vocab import NEGATIVE_BELOW, STATUS_NAMES

TEMPLATES = Path(__file__).with_name("templates")
TOP = 10  # representative messages quoted
POSITIVE_ABOVE = 0.3  # the mirror of NEGATIVE_BELOW: a message this positive reads as praise
NOTE_MAX = 2000

_env = environment(TEMPLATES)


@dataclass
class AlertLine:
    """One alert about the event, as 处置情况 shows it."""

    id: str
    level: str
    source: str  # 人工报送 or the rule's id
    created_at: datetime
    status: str  # Chinese
    departments: list[str]  # names, lead first
    acked_at: datetime | None
    resolved_at: datetime | None
    responses: list[dict] = field(default_factory=list)  # {at, by, text, url}
    outcome: str = ""


@dataclass
class EventReport:
    event: Event
    evidence: Evidence
    made_at: datetime
    category: str | None
    focus: list[str]  # Chinese names
    days: list[tuple[date, int]]  # messages per day of publication (of those read)
    negative: int
    neutral: int
    positive: int
    alerts: list[AlertLine]
    note: str = ""  # 研判意见
    read: int = 0  # messages read (an event may hold more than alerts.evidence.MAX_READ)

    @property
    def peak(self) -> tuple[date, int] | None:
        return max(self.days, key=lambda d: (d[1], d[0]), default=None)

    @property
    def subject(self) -> str:
        return header_safe(f"【舆情专报】{self.event.title}")


def build(
    cfg, store: Store, event: Event, now: datetime | None = None, note: str = ""
) -> EventReport:
    """The report on ``event`` as stored at ``now``."""
    now = now or _now(cfg.settings.timezone)
    evidence, posts = event_evidence(store, cfg, event, top=TOP)
    per_day = Counter(post_time(p).astimezone(now.tzinfo).date() for p in posts)
    scores = [p.sentiment for p in posts if p.sentiment is not None]
    negative = sum(s < NEGATIVE_BELOW for s in scores)
    positive = sum(s > POSITIVE_ABOVE for s in scores)
    focus_names = {t.id: t.name for t in cfg.topics.focus}
    return EventReport(
        event=event,
        evidence=evidence,
        made_at=now,
        category=event.category,
        focus=[focus_names.get(f, f) for f in event.focus],
        days=sorted(per_day.items()),
        negative=negative,
        neutral=len(scores) - negative - positive,
        positive=positive,
        alerts=_alerts(cfg, store, event),
        note=(note or "").strip()[:NOTE_MAX],
        read=len(posts),
    )


def _alerts(cfg, store: Store, event: Event) -> list[AlertLine]:
    names = {d.id: d.name for d in cfg.departments.departments}
    heads = sorted(store.iter_alert_heads(event_id=event.id), key=lambda a: a.created_at)
    out = []
    for a in store.get_alerts(h.id for h in heads):
        if a.evidence.get("merged_into"):
            continue  # a duplicate closed into another alert: that one is listed
        out.append(
            AlertLine(
                id=a.id,
                level=a.level,
                source="人工报送" if a.rule == MANUAL_RULE else f"规则 {a.rule}",
                created_at=a.created_at,
                status=STATUS_NAMES.get(a.status, a.status),
                departments=[names.get(d, d) for d in a.departments],
                acked_at=a.acked_at,
                resolved_at=a.resolved_at,
                responses=list(a.evidence.get("responses", [])),
                outcome=a.evidence.get("outcome") or "",
            )
        )
    return out


def _fmt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def _pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _ctx(report: EventReport) -> dict:
    return {
        "r": report,
        "e": report.event,
        "ev": report.evidence,
        "fmt": _fmt,
        "pct": _pct,
        "safe_url": safe_url,
        "one_line": header_safe,
        "level_names": levels.NAMES,
        "level_labels": levels.LABELS,
        "level_colors": levels.COLORS,
    }


def text(report: EventReport) -> str:
    return _env.get_template("event_report.txt").render(_ctx(report))


def html(report: EventReport) -> str:
    return _env.get_template("event_report.html").render(_ctx(report))
