"""人工报送: duty staff raise an alert about an event themselves.

The rules raise alerts on counts, hotness and words; the duty office also finds matters the
rules did not (a post that names a known name, a thread the digest shows, a call from a
leader). :func:`raise_alert` turns such an event into an ordinary alert — rule ``manual``,
routed like any event alert (the focus topic's lead unit, the domain's and the region's
co-responsible units) or to the departments the duty officer picks, with the event's messages
as evidence, the officer's note (报送说明) as its summary and the first history entry — so it
is delivered, acknowledged, escalated and counted like the rules' alerts.

One alert per matter: an event with an unresolved alert is refused with that alert's id (change
its level or reassign it there), and while a manual alert stands, a rule's match on the same
event at the same or a lower level is a repeat of it (``Engine._standing``).
"""

from __future__ import annotations

from datetime import datetime

from yuqing.alerts.engine import MANUAL_RULE, Engine, alert_id
from yuqing.alerts.handling import UNRESOLVED, Actor
from yuqing.alerts.rules.base import event_match
from yuqing.alerts.settings import AlertSettings
from yuqing.alerts.workflow import WorkflowError
from yuqing.levels import CHOICES, LABELS, LEVELS, rank
from yuqing.models import Alert, Event
from yuqing.storage.base import Store

__all__ = ["MANUAL_RULE", "raise_alert", "standing_alert"]
NOTE_MAX = 500  # characters of the note kept (it is the alert's summary)


def standing_alert(store: Store, settings: AlertSettings, event_id: str, now: datetime):
    """The most severe unresolved, not superseded alert about ``event_id`` within the
    lookback (an :class:`AlertHead`), or None."""
    heads = [
        a
        for a in store.iter_alert_heads(since=now - settings.lookback, event_id=event_id)
        if a.status in UNRESOLVED and not a.superseded_by
    ]
    return max(heads, key=lambda a: (rank(a.level), a.created_at), default=None)


def raise_alert(
    engine: Engine,
    event: Event,
    now: datetime,
    actor: Actor,
    level: str,
    note: str,
    departments: list[str] | None = None,
) -> Alert:
    """Raise, store and enqueue a manual alert about ``event`` (the caller delivers the
    outbox). ``departments`` (lead first) replace routing when given. Refusals are one
    :class:`WorkflowError` line in Chinese and English."""
    note = (note or "").strip()
    if level not in LEVELS:
        raise WorkflowError(f"未知的等级 {level!r}，可选 {CHOICES} (unknown level {level!r})")
    if not note:
        raise WorkflowError("请填写报送说明（研判意见） (a note is required)")
    chosen = list(dict.fromkeys(d for d in departments or [] if d))
    unknown = [d for d in chosen if d not in engine.depts]
    if unknown:
        raise WorkflowError(
            f"没有这个单位：{'、'.join(unknown)} (unknown department {', '.join(unknown)})"
        )
    standing = standing_alert(engine.store, engine.settings, event.id, now)
    if standing is not None:
        raise WorkflowError(
            f"该事件已有未办结的预警 {standing.id}（{LABELS[standing.level]}），"
            f"请在该预警上研判调整等级或改派 "
            f"(event {event.id} already has unresolved alert {standing.id})"
        )
    note = note[:NOTE_MAX]
    match = event_match(event, summary=f"网信办人工报送：{note}")
    route = engine.router.route(match, level, override=chosen or None)
    reasons = [f"chosen by {actor.name}" if r == "rule override" else r for r in route.reasons]
    minute = now.replace(second=0, microsecond=0)  # a form sent twice is one alert
    alert = Alert(
        id=alert_id(MANUAL_RULE, match.subject, minute, level),
        level=level,
        rule=MANUAL_RULE,
        created_at=now,
        event_id=event.id,
        departments=route.departments,
        title=event.title,
        summary=match.summary,
        evidence={
            "subject": match.subject,
            "size": event.size,
            "hotness": event.hotness,
            "routing": reasons,
            "post_ids": match.post_ids,
            "focus": match.focus,
            "category": match.category,
            "region": match.region,
            "manual": {"by": actor.name, "note": note},
            "history": [{"at": now.isoformat(), "action": "raise", **actor.entry(), "note": note}],
        },
        updated_at=now,
    )
    if not engine.store.insert_alert(alert):
        raise WorkflowError(f"该预警已报送（编号 {alert.id}） (alert {alert.id} exists already)")
    engine.store.flush()  # committed before any delivery
    engine.enqueue(alert, now=now)
    return alert
