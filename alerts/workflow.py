"""Alert workflow: open -> acked -> resolved, with escalated (unacked past its deadline).

Every transition is a compare-and-set on the store (``update_alert(expect=...)``), so the
daemon and a liaison running ``yuqing alerts ack`` at the same moment cannot both win. Each
transition is appended to ``evidence["history"]``. Rechecks (复查) re-run the alert's rule
for its subject: red the next day, yellow the next week (``alerts.recheck_after``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from yuqing.alerts.rules import build_rules
from yuqing.config.loader import ConfigError
from yuqing.errors import YuqingError
from yuqing.models import Alert
from yuqing.storage.base import Store
from yuqing.timeutil import parse_iso

log = logging.getLogger(__name__)
STATUSES = ("open", "acked", "resolved", "escalated")


class WorkflowError(YuqingError):
    """A transition that is not allowed (unknown id, already resolved, …)."""


def find(store: Store, ref: str) -> Alert:
    """An alert by id or by a unique id prefix (at least 6 characters)."""
    alert = store.get_alert(ref)
    if alert is not None:
        return alert
    if len(ref) >= 6:
        hits = [a for a in store.iter_alerts() if a.id.startswith(ref)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise WorkflowError(f"alert id prefix {ref!r} is ambiguous ({len(hits)} alerts)")
    raise WorkflowError(f"no alert with id {ref!r} (see `yuqing alerts list`)")


def _history(alert: Alert, action: str, now: datetime, **extra) -> dict:
    entry = {"at": now.isoformat(), "action": action, **{k: v for k, v in extra.items() if v}}
    return {**alert.evidence, "history": [*alert.evidence.get("history", []), entry]}


def ack(store: Store, ref: str, now: datetime, by: str | None = None) -> Alert:
    alert = find(store, ref)
    if alert.status == "acked":
        raise WorkflowError(f"alert {alert.id} was already acknowledged at {alert.acked_at}")
    if alert.status == "resolved":
        raise WorkflowError(f"alert {alert.id} is already resolved")
    if not store.update_alert(
        alert.id,
        expect={"status": ("open", "escalated")},
        status="acked",
        acked_at=now,
        updated_at=now,
        evidence=_history(alert, "ack", now, by=by),
    ):
        raise WorkflowError(f"alert {alert.id} changed meanwhile; run the command again")
    return current(store, alert.id)


def current(store: Store, alert_id: str) -> Alert:
    """The alert as stored now (after a transition)."""
    alert = store.get_alert(alert_id)
    if alert is None:  # removed between the write and this read (index retention)
        raise WorkflowError(f"alert {alert_id} is no longer in the store")
    return alert


def resolve(
    store: Store, ref: str, now: datetime, note: str | None = None, by: str | None = None
) -> Alert:
    alert = find(store, ref)
    if alert.status == "resolved":
        raise WorkflowError(f"alert {alert.id} was already resolved at {alert.resolved_at}")
    if not store.update_alert(
        alert.id,
        expect={"status": ("open", "acked", "escalated")},
        status="resolved",
        resolved_at=now,
        updated_at=now,
        evidence=_history(alert, "resolve", now, by=by, note=note),
    ):
        raise WorkflowError(f"alert {alert.id} changed meanwhile; run the command again")
    return current(store, alert.id)


def due(alert: Alert, settings, kind: str = "ack") -> datetime:
    """签收时限 (``kind="ack"``) or 办结时限 (``"resolve"``): the level's limit counted from
    delivery (creation until delivered); an approved 延期 sets the 办结时限 itself, and a
    level change (研判) may have fixed either (``evidence.relevel_due``, see
    :func:`relevel_due`)."""
    extended = parse_iso(alert.evidence.get("extended_until"))
    if kind == "resolve" and extended is not None:
        return extended
    fixed = parse_iso((alert.evidence.get("relevel_due") or {}).get(kind))
    if fixed is not None:
        return fixed
    limits = settings.ack_deadline if kind == "ack" else settings.resolve_deadline
    start = alert.delivered_at or alert.created_at
    return start + limits[alert.level]


def relevel_due(alert: Alert, level: str, settings, now: datetime) -> dict[str, str]:
    """The deadlines an alert keeps when its level becomes ``level`` (研判), as the
    ``evidence.relevel_due`` to store: ``{"at": now, "ack"?: ISO, "resolve"?: ISO}``; a
    deadline not in it is the new level's limit counted from delivery (:func:`due`).

    * The new level's limit from delivery applies when that moment is still ahead.
    * When it would already have passed, a deadline still running is not moved into the
      past: it becomes ``now`` + the new level's limit (counted from the level-change
      notice the departments receive), but never later than it was — a raise shortens
      a deadline, it never lengthens it. A deadline already missed stays missed.
    * The 签收时限 of an acknowledged alert stays what it was when it was acknowledged (so
      按时签收率 does not change after the fact); an approved 延期 stays the 办结时限.
    """
    out = {"at": now.isoformat()}
    start = alert.delivered_at or alert.created_at
    for kind, limits in (("ack", settings.ack_deadline), ("resolve", settings.resolve_deadline)):
        old = due(alert, settings, kind)
        if kind == "ack" and alert.acked_at is not None:
            out[kind] = old.isoformat()
            continue
        if kind == "resolve" and alert.evidence.get("extended_until"):
            continue
        if start + limits[level] > now or old <= now:
            continue
        out[kind] = min(old, now + limits[level]).isoformat()
    return out


def deadline(alert: Alert, settings) -> datetime:
    """The 签收时限 (see :func:`due`)."""
    return due(alert, settings, "ack")


def escalation_targets(engine, alert: Alert) -> list[str]:
    out: list[str] = []
    for dept_id in alert.departments:
        dept = engine.depts.get(dept_id)
        if dept and dept.escalate_to and dept.escalate_to not in out:
            out.append(dept.escalate_to)
    for d in engine.depts.values():
        if d.duty and d.id not in out:
            out.append(d.id)
    return out


def escalate_due(engine, now: datetime) -> list[Alert]:
    """Open alerts past their level's ack deadline -> escalated, and a 督办 message to each
    routed department's ``escalate_to`` plus the duty office. (The escalation job then sends
    the 催办 / 督办 notices around the time limits: ``alerts/deadlines.py``.)"""
    store, settings = engine.store, engine.settings
    done = []
    since = now - settings.lookback * 4
    for alert in store.iter_alerts(since=since, status="open"):
        if alert.evidence.get("superseded_by") or now < deadline(alert, settings):
            continue
        if store.update_alert(
            alert.id,
            expect={"status": "open"},
            status="escalated",
            updated_at=now,
            evidence=_history(alert, "escalate", now, to=escalation_targets(engine, alert)),
        ):
            done.append(store.get_alert(alert.id))
    # enqueue after the transition; also repairs a crash between the two writes
    for alert in store.iter_alerts(since=since, status="escalated"):
        if engine.outbox is not None and not engine.outbox.is_enqueued(alert.id, "escalation"):
            engine.enqueue(
                alert, kind="escalation", departments=escalation_targets(engine, alert), now=now
            )
    return done


def recheck_due(engine, now: datetime) -> list[tuple[Alert, str]]:
    """复查: re-run each due alert's rule; record ``persisting`` / ``cleared`` in
    ``evidence["recheck"]``; a persisting issue sends a 复查未通过 notice to its departments."""
    store, settings, cfg = engine.store, engine.settings, engine.cfg
    delays = settings.recheck_after
    if not delays:
        return []
    since = now - (max(delays.values()) + settings.lookback)
    due: dict[str, list[Alert]] = defaultdict(list)
    for alert in store.iter_alerts(since=since):
        delay = delays.get(alert.level)
        if delay is None or "recheck" in alert.evidence or alert.evidence.get("superseded_by"):
            continue
        if now >= alert.created_at + delay:
            due[alert.rule].append(alert)
    snap = engine.snapshot(now)
    results = []
    for rule_id, alerts in due.items():
        try:
            rule = build_rules(cfg, only=[rule_id])[0]
            subjects = {m.subject for m in rule.evaluate(snap)}
        except ConfigError:
            subjects = None
        for alert in alerts:
            subject = alert.evidence.get("subject")
            result = (
                "rule_removed"
                if subjects is None
                else ("persisting" if subject in subjects else "cleared")
            )
            evidence = {
                **_history(alert, "recheck", now, result=result),
                "recheck": {"at": now.isoformat(), "result": result},
            }
            if not store.update_alert(
                alert.id,
                expect={"status": alert.status, "updated_at": alert.updated_at},
                evidence=evidence,
                updated_at=now,
            ):
                continue
            if result == "persisting" and engine.outbox is not None:
                engine.enqueue(alert, kind="recheck", now=now)
            results.append((store.get_alert(alert.id), result))
    return results
