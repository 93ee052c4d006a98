"""Response metrics per department (the lead unit of each alert) over a period, the numbers
the seeds judge an office by:

* 签收率 (acked / alerts), 按时签收率 (acked within the 签收时限 / alerts),
* 回应率 (a 回应 recorded — response text, official reply URL or a confirmed linked reply —
  / alerts),
* 回应精准率 (the alert reached its lead unit directly: no 改派 or approved 转办 changed the
  lead routing chose / alerts — DOMAIN.md: the response reached the right department),
* 办结率 (resolved / alerts), 处置有效率 (resolved, and the 回访 found the concern resolved —
  or, without a 回访, no recheck found it persisting — / alerts),
* median minutes from delivery to 签收, 回应 and 办结.

Merged duplicates and alerts marked 不予关注 are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from statistics import median

from yuqing.alerts.workflow import deadline
from yuqing.models import Alert
from yuqing.storage.base import Store


@dataclass
class DeptStats:
    department: str
    name: str
    alerts: int = 0
    acked: int = 0
    acked_on_time: int = 0
    responded: int = 0
    resolved: int = 0
    effective: int = 0
    escalated: int = 0
    routed_right: int = 0  # the lead routing chose kept it (no 改派 / 转办 of the lead)
    median_ack_minutes: float | None = None
    median_response_minutes: float | None = None
    median_resolve_minutes: float | None = None
    ack_rate: float | None = None  # 签收率
    ack_on_time_rate: float | None = None  # 按时签收率
    response_rate: float | None = None  # 回应率
    precision_rate: float | None = None  # 回应精准率
    resolve_rate: float | None = None  # 办结率
    effective_rate: float | None = None  # 处置有效率

    def to_dict(self) -> dict:
        return asdict(self)


def counted(alert: Alert) -> bool:
    """Whether an alert counts in the metrics (not merged away, not 不予关注)."""
    return not (alert.evidence.get("superseded_by") or alert.evidence.get("dismissed"))


def effective(alert: Alert) -> bool:
    if alert.status != "resolved":
        return False
    followup = alert.evidence.get("followup")
    if followup is not None:
        return bool(followup.get("satisfied"))
    return alert.evidence.get("recheck", {}).get("result") != "persisting"


def routed_right(alert: Alert) -> bool:
    """Whether the alert reached its lead unit directly: no 改派 (or approved 转办) moved the
    lead away from the one routing chose."""
    return not any(
        h.get("action") == "reassign" and (h.get("from") or [None])[0] != (h.get("to") or [None])[0]
        for h in alert.evidence.get("history", [])
    )


def _minutes(alert: Alert, at: datetime) -> float:
    return (at - (alert.delivered_at or alert.created_at)).total_seconds() / 60


def department_stats(
    cfg,
    store: Store,
    settings,
    since: datetime,
    until: datetime,
    alerts: Iterable[Alert] | None = None,
) -> list[DeptStats]:
    """Per lead department, the alerts created in ``[since, until]``; ``alerts``: those
    alerts read already (any superset, oldest first), not read again."""
    names = {d.id: d.name for d in cfg.departments.departments}
    table: dict[str, DeptStats] = {}
    waits: dict[str, dict[str, list[float]]] = {}
    if alerts is None:
        alerts = store.iter_alerts(since=since)
    for a in alerts:
        if a.created_at < since or a.created_at > until or not a.departments or not counted(a):
            continue
        lead = a.departments[0]
        s = table.setdefault(lead, DeptStats(lead, names.get(lead, lead)))
        w = waits.setdefault(lead, {"ack": [], "response": [], "resolve": []})
        s.alerts += 1
        history = [h.get("action") for h in a.evidence.get("history", [])]
        s.escalated += "escalate" in history
        s.routed_right += routed_right(a)
        if a.acked_at:
            s.acked += 1
            s.acked_on_time += a.acked_at <= deadline(a, settings)
            w["ack"].append(_minutes(a, a.acked_at))
        if a.responded_at:
            s.responded += 1
            w["response"].append(_minutes(a, a.responded_at))
        if a.status == "resolved":
            s.resolved += 1
            if a.resolved_at:
                w["resolve"].append(_minutes(a, a.resolved_at))
        s.effective += effective(a)
    for lead, s in table.items():
        w = waits[lead]
        s.median_ack_minutes = round(median(w["ack"]), 1) if w["ack"] else None
        s.median_response_minutes = round(median(w["response"]), 1) if w["response"] else None
        s.median_resolve_minutes = round(median(w["resolve"]), 1) if w["resolve"] else None
        s.ack_rate = round(s.acked / s.alerts, 3)
        s.ack_on_time_rate = round(s.acked_on_time / s.alerts, 3)
        s.response_rate = round(s.responded / s.alerts, 3)
        s.precision_rate = round(s.routed_right / s.alerts, 3)
        s.resolve_rate = round(s.resolved / s.alerts, 3)
        s.effective_rate = round(s.effective / s.alerts, 3)
    return sorted(table.values(), key=lambda s: (-s.alerts, s.department))
