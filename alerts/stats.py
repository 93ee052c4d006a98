"""Response metrics per department (the lead unit of each alert) over a period:
回应率 (acknowledged within the level's deadline) and 处置有效率 (resolved, and no recheck
found the issue persisting), plus the median time to acknowledge."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from statistics import median

from yuqing.alerts.workflow import deadline
from yuqing.storage.base import Store


@dataclass
class DeptStats:
    department: str
    name: str
    alerts: int = 0
    acked: int = 0
    acked_on_time: int = 0
    resolved: int = 0
    effective: int = 0
    escalated: int = 0
    median_ack_minutes: float | None = None
    response_rate: float | None = None  # 回应率
    effective_rate: float | None = None  # 处置有效率

    def to_dict(self) -> dict:
        return asdict(self)


def department_stats(
    cfg, store: Store, settings, since: datetime, until: datetime
) -> list[DeptStats]:
    names = {d.id: d.name for d in cfg.departments.departments}
    table: dict[str, DeptStats] = {}
    waits: dict[str, list[float]] = {}
    for a in store.iter_alerts(since=since):
        if a.created_at > until or not a.departments or a.evidence.get("superseded_by"):
            continue
        lead = a.departments[0]
        s = table.setdefault(lead, DeptStats(lead, names.get(lead, lead)))
        s.alerts += 1
        history = [h.get("action") for h in a.evidence.get("history", [])]
        s.escalated += "escalate" in history
        if a.acked_at:
            s.acked += 1
            s.acked_on_time += a.acked_at <= deadline(a, settings)
            waits.setdefault(lead, []).append(
                (a.acked_at - (a.delivered_at or a.created_at)).total_seconds() / 60
            )
        if a.status == "resolved":
            s.resolved += 1
            s.effective += a.evidence.get("recheck", {}).get("result") != "persisting"
    for lead, s in table.items():
        if waits.get(lead):
            s.median_ack_minutes = round(median(waits[lead]), 1)
        s.response_rate = round(s.acked_on_time / s.alerts, 3)
        s.effective_rate = round(s.effective / s.alerts, 3)
    return sorted(table.values(), key=lambda s: (-s.alerts, s.department))
