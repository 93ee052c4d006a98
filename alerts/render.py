"""Alert messages from jinja2 templates (``alerts/templates/``, HTML autoescaped). Header
hygiene and Message-IDs are :mod:`yuqing.mail`'s; robot markdown gets :func:`markdown_safe`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from yuqing.alerts.evidence import Evidence
from yuqing.levels import LABELS, TAGS, max_level, rank
from yuqing.mail import header_safe, message_id
from yuqing.models import Alert
from yuqing.templating import environment
from yuqing.timeutil import parse_iso

TEMPLATES = Path(__file__).with_name("templates")
KIND_LABEL = {
    "alert": "",
    "escalation": "【督办升级】",
    "recheck": "【复查未通过】",
    "batch": "【汇总】",
    "remind_ack": "【催办】",
    "remind_resolve": "【催办】",
    "overdue": "【督办通知】",
}

#: Longest value a template prints (a crawled title or summary: alert mails stay small).
FIELD_MAX = 1000

_env = environment(TEMPLATES, limit=FIELD_MAX)


def markdown_safe(value: str, limit: int = 500) -> str:
    """Crawled text inside robot markdown: one line, no link/format syntax."""
    return re.sub(r"[\[\]()<>*_`#!|>~]", " ", header_safe(value, limit))


@dataclass
class AlertView:
    """One alert as a message shows it: Chinese names, deadlines, evidence and links."""

    alert: Alert
    level_label: str  # 黄色预警
    lead: str  # 牵头单位
    partners: list[str]  # 配合单位
    ack_due: datetime  # 签收时限
    resolve_due: datetime  # 办结时限
    evidence: Evidence | None = None
    link: str | None = None  # the recipient's signed link to the alert page
    ack_link: str | None = None  # the same page with 签收 ready to press


def view(
    alert: Alert,
    settings,
    dept_names: dict[str, str],
    now: datetime,
    evidence: Evidence | None = None,
    link: str | None = None,
    ack_link: str | None = None,
) -> AlertView:
    from yuqing.alerts.workflow import due

    if alert.delivered_at is None:  # deadlines run from delivery, which is now
        alert = Alert.from_dict({**alert.to_dict(), "delivered_at": now.isoformat()})
    names = [dept_names.get(d, d) for d in alert.departments]
    return AlertView(
        alert=alert,
        level_label=LABELS[alert.level],
        lead=names[0] if names else "—",
        partners=names[1:],
        ack_due=due(alert, settings, "ack"),
        resolve_due=due(alert, settings, "resolve"),
        evidence=evidence,
        link=link,
        ack_link=ack_link,
    )


@dataclass
class OutMessage:
    kind: str  # alert | escalation | recheck | batch | remind_* | overdue | relevel:N
    level: str
    alerts: list[Alert]
    department: str
    recipient: str
    message_id: str
    subject: str
    text: str
    html: str
    markdown: str
    alert_ids: list[str] = field(default_factory=list)
    #: the message's Date: when it was queued — the alert's creation for its first message,
    #: the change for a level change notice, the 督办 / 复查 / 催办 itself for those (a notice
    #: sent hours or days later must not sort among the alert's old mail); stable on retry
    date: datetime | None = None
    #: a follow-up (催办, 督办升级, 复查, 等级调整 …) answers the alert's own message to the same
    #: recipient (In-Reply-To / References), so mail clients thread it under the alert
    in_reply_to: str | None = None


def build(
    kind: str,
    views: list[AlertView],
    department,
    recipient: str,
    id_key: str,
    dashboard_url: str | None = None,
    queued: datetime | None = None,
    thread_key: str | None = None,
) -> OutMessage:
    """Render one message for ``department`` (a config Department) about ``views``;
    ``queued`` is when its outbox rows were written (its ``Date``; the alert's creation
    without it). A follow-up answers the message that brought the alert to ``recipient``:
    ``thread_key`` is that message's key (``batch:<id>`` when the alert came in a
    【汇总】), the alert's id by default."""
    alerts = [v.alert for v in views]
    level = max_level(*(a.level for a in alerts))
    first = alerts[0]
    base = kind.partition(":")[0]  # remind_ack:2, a later 催办, reads as the first
    label = KIND_LABEL.get(base, "")
    change = level_change(first, kind)
    if change is not None:  # the level the change set, whatever happened since
        level = change["to"]
        label = "【等级上调】" if change["raised"] else "【等级下调】"
    if kind == "batch":
        head = f"{len(alerts)} 条预警汇总：{first.title}等"
    else:
        head = first.title
    subject = header_safe(f"{TAGS[level]}{label}{head}")
    ctx = {
        "kind": base,
        "level": level,
        "level_label": LABELS[level],
        "tag": TAGS[level],
        "label": label,
        "views": views,
        "department": department,
        "dashboard_url": dashboard_url,
        "subject": subject,
        "fmt": _fmt,
        "href": href,
        "change": change,
    }
    return OutMessage(
        kind=kind,
        level=level,
        alerts=alerts,
        department=department.id,
        recipient=recipient,
        message_id=message_id(id_key, recipient),
        subject=subject,
        text=_env.get_template("alert.txt").render(ctx),
        html=_env.get_template("alert.html").render(ctx),
        markdown=_env.get_template("alert.md").render(
            {**ctx, "md": markdown_safe, "title": markdown_safe(subject, 120)}
        ),
        alert_ids=[a.id for a in alerts],
        in_reply_to=(
            message_id(thread_key or first.id, recipient)
            if kind not in ("alert", "batch")
            else None
        ),
        date=parse_iso(change["at"]) if change else (queued or first.created_at),
    )


def level_change(alert: Alert, kind: str) -> dict | None:
    """For a level change notice (kind ``relevel:N``): the alert's N-th ``relevel`` history
    entry with the level labels and the direction, else None."""
    if not kind.startswith("relevel:"):
        return None
    n = int(kind.partition(":")[2])
    for h in alert.evidence.get("history", []):
        if h.get("action") == "relevel" and h.get("n") == n:
            return {
                **h,
                "from_label": LABELS[h["from"]],
                "to_label": LABELS[h["to"]],
                "raised": rank(h["to"]) > rank(h["from"]),
            }
    raise ValueError(f"alert {alert.id} has no level change #{n}")


def href(url: str | None) -> str:
    """A crawled URL fit for an ``href``: http(s) only (no ``javascript:``), else ``#``."""
    return url if url and re.match(r"^https?://", url, re.IGNORECASE) else "#"


def _fmt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"
