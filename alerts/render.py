"""Alert messages from jinja2 templates (``alerts/templates/``, HTML autoescaped). Header
hygiene and Message-IDs are :mod:`yuqing.mail`'s; robot markdown gets :func:`markdown_safe`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from yuqing.levels import NAMES, TAGS, max_level
from yuqing.mail import header_safe, message_id
from yuqing.models import Alert
from yuqing.templating import environment

TEMPLATES = Path(__file__).with_name("templates")
KIND_LABEL = {
    "alert": "",
    "escalation": "【督办升级】",
    "recheck": "【复查未通过】",
    "batch": "【汇总】",
}

_env = environment(TEMPLATES)


def markdown_safe(value: str, limit: int = 500) -> str:
    """Crawled text inside robot markdown: one line, no link/format syntax."""
    return re.sub(r"[\[\]()<>*_`#!|>~]", " ", header_safe(value, limit))


@dataclass
class OutMessage:
    kind: str  # alert | escalation | recheck | batch
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


def build(
    kind: str,
    alerts: list[Alert],
    department,
    recipient: str,
    dept_names: dict[str, str],
    id_key: str,
    dashboard_url: str | None = None,
) -> OutMessage:
    """Render one message for ``department`` (a config Department) about ``alerts``."""
    level = max_level(*(a.level for a in alerts))
    first = alerts[0]
    label = KIND_LABEL.get(kind, "")
    if kind == "batch":
        head = f"{len(alerts)} 条预警汇总：{first.title}等"
    else:
        head = first.title
    subject = header_safe(f"{TAGS[level]}{label}{head}")
    ctx = {
        "kind": kind,
        "level": level,
        "level_name": NAMES[level],
        "tag": TAGS[level],
        "label": label,
        "alerts": alerts,
        "department": department,
        "dept_names": dept_names,
        "dashboard_url": dashboard_url,
        "subject": subject,
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
    )
