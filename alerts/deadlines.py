"""催办 and 督办 around the time limits (the 12345 loop's reminders and overdue notices).

Run by the escalation job after ``workflow.escalate_due`` (``yuqing.app.jobs``):

* **催办 before a deadline**: once ``alerts.remind_at`` (75 %) of a time limit has passed —
  签收时限 for an alert not yet acknowledged, 办结时限 for one acknowledged but not resolved —
  a 【催办】 message goes to its departments, once per deadline (``kind`` ``remind_ack`` /
  ``remind_resolve``: outbox rows are keyed by kind, so a rerun sends nothing twice).
* **督办 after the 办结时限**: an unresolved alert past its 办结时限 (extension included) gets a
  【督办通知】 message to its departments, their ``escalate_to`` (the leaders) and the duty
  office, once (``kind`` ``overdue``). (Past the 签收时限, ``escalate_due`` already moves it to
  ``escalated`` with a 【督办升级】.)

Each notice is recorded in ``evidence.history`` (``remind`` / ``overdue``) and listed by the
digest. Superseded, merged and dismissed alerts get none. A deadline a level change (研判,
``handling.relevel``) fixed is reminded of at ``remind_at`` of the time from that change to
it. A 催办 is recorded with the deadline it was for (``until``): when a level change has
moved that deadline since, a 催办 for the new one is due (kind ``remind_ack:2`` …, its own
Message-ID); a deadline the change left as it was is not reminded of twice.
"""

from __future__ import annotations

from datetime import datetime

from yuqing.alerts.workflow import due, escalation_targets
from yuqing.models import Alert
from yuqing.timeutil import parse_iso


def _history(alert: Alert, action: str, now: datetime, **extra) -> dict:
    entry = {"at": now.isoformat(), "action": action, "by": "系统", "role": "system", **extra}
    return {**alert.evidence, "history": [*alert.evidence.get("history", []), entry]}


def _noted(alert: Alert, action: str, which: str) -> list[dict]:
    """The history entries of ``action`` notices about deadline ``which``."""
    return [
        h
        for h in alert.evidence.get("history", [])
        if h.get("action") == action and h.get("deadline") == which
    ]


def _reminded(alert: Alert, which: str, limit: datetime) -> bool:
    """Whether a 催办 went out for the deadline as it is now: one recorded for another
    deadline (``until``, one a level change has moved since) does not count; one recorded
    before ``until`` was kept counts for whatever the deadline is."""
    return any(
        (parse_iso(h.get("until")) or limit) == limit for h in _noted(alert, "remind", which)
    )


def remind_kind(which: str, n: int) -> str:
    """The outbox kind of the ``n``-th 催办 of deadline ``which``: ``remind_ack`` first, then
    ``remind_ack:2`` … after level changes moved it (their own rows and Message-ID)."""
    return f"remind_{which}" if n == 1 else f"remind_{which}:{n}"


def pending_notice(alert: Alert, settings, now: datetime) -> tuple[str, str] | None:
    """(kind, deadline) of the notice an alert is due now, or None."""
    if alert.status == "resolved" or alert.evidence.get("superseded_by"):
        return None
    which = "ack" if alert.status in ("open", "escalated") else "resolve"
    limit = due(alert, settings, which)
    fixed = alert.evidence.get("relevel_due") or {}
    # a deadline a level change fixed runs from that change (the notice said so)
    start = parse_iso(fixed["at"]) if which in fixed else None
    start = start or alert.delivered_at or alert.created_at
    if which == "resolve" and now >= limit:
        return None if _noted(alert, "overdue", "resolve") else ("overdue", "resolve")
    remind = start + (limit - start) * settings.remind_at
    if remind <= now < limit and not _reminded(alert, which, limit):
        return remind_kind(which, 1 + len(_noted(alert, "remind", which))), which
    return None


def supervise(engine, now: datetime) -> list[tuple[Alert, str]]:
    """Send the due 催办 / 督办 notices; returns (alert, kind) for each one sent."""
    store, settings = engine.store, engine.settings
    since = now - (max(settings.resolve_deadline.values()) + settings.lookback)
    done = []
    for alert in store.iter_alerts(since=since):
        notice = pending_notice(alert, settings, now)
        if notice is None or engine.outbox is None:
            continue
        kind, which = notice
        action = "overdue" if kind == "overdue" else "remind"
        targets = list(alert.departments)
        extra: dict = {"deadline": which, "to": targets}
        if kind == "overdue":
            targets += [d for d in escalation_targets(engine, alert) if d not in targets]
        else:  # the deadline reminded of: a level change moving it makes the next one due
            extra["until"] = due(alert, settings, which).isoformat()
        if not store.update_alert(
            alert.id,
            expect={"status": alert.status, "updated_at": alert.updated_at},
            evidence=_history(alert, action, now, **extra),
            updated_at=now,
        ):
            continue  # changed meanwhile: the next run looks again
        engine.enqueue(store.get_alert(alert.id), kind=kind, departments=targets, now=now)
        done.append((alert, kind))
    return done
