"""The response loop beyond ack/resolve, modelled on the 12345 hotline loop (国办发〔2020〕53号):
签收 → 回应 → 办结 → 回访, with 申请延期 / 申请转办 decided by the duty office, and the duty
office's own moves (督办升级, 改派, 合并, 不予关注).

Every action is a compare-and-set on the alert (``Store.update_alert(expect=...)``) and is
appended to ``evidence["history"]`` with who did it, in which role, from which department and
address. State kept on the alert (all in ``evidence`` unless noted):

* ``responses``: ``[{at, by, text, url}]`` — 回应 (``Alert.responded_at`` = the first)
* ``outcome``: what 办结 said; ``followup``: ``{at, by, satisfied, note}`` — 回访
* ``extension_request`` / ``transfer_request``: ``{at, by, department, reason, until|to,
  status: pending|approved|rejected, decided_by}``; an approved extension sets
  ``extended_until`` (the new 办结时限)
* ``merged_into`` (a duplicate closed into another alert), ``dismissed`` (不予关注)
* ``original_level`` (the level the alert was raised at, once its level was changed),
  ``highest_level`` (the highest level it has held: the rules' matches up to it join the
  alert after a lowering, see ``Engine.decide``) and ``relevel_due`` (deadlines a level change fixed, see ``workflow.relevel_due``); ``Alert.level``
  is always the current level

Status stays the export contract's ``open | acked | resolved | escalated``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from yuqing.alerts.workflow import WorkflowError, current, escalation_targets, relevel_due
from yuqing.levels import CHOICES, LABELS, LEVELS, max_level, rank
from yuqing.models import Alert
from yuqing.storage.base import Store

UNRESOLVED = ("open", "acked", "escalated")
ACTION_NAMES = {
    "ack": "签收",
    "respond": "回应",
    "resolve": "办结",
    "request_extension": "申请延期",
    "approve_extension": "同意延期",
    "reject_extension": "不同意延期",
    "request_transfer": "申请转办",
    "reassign": "改派",
    "reject_transfer": "不同意转办",
    "escalate": "督办升级",
    "merge": "合并",
    "dismiss": "不予关注",
    "followup": "回访",
    "reopen": "退回重办",
    "remind": "催办",
    "recheck": "复查",
    "confirm_reply": "确认官方回复",
    "relevel": "等级调整",
    "raise": "人工报送",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a liaison through a signed link, duty staff signed in, the CLI, the system."""

    name: str
    role: str  # liaison | staff | cli | system
    department: str | None = None
    address: str | None = None  # the client's IP address (console)

    def entry(self) -> dict[str, Any]:
        out = {"by": self.name, "role": self.role}
        if self.department:
            out["department"] = self.department
        if self.address:
            out["address"] = self.address
        return out


def _apply(
    store: Store,
    alert: Alert,
    action: str,
    now: datetime,
    actor: Actor,
    statuses: tuple[str, ...],
    evidence: dict[str, Any] | None = None,
    note: dict[str, Any] | None = None,
    **changes: Any,
) -> Alert:
    if alert.status not in statuses:
        raise WorkflowError(_refusal(alert, action))
    entry = {"at": now.isoformat(), "action": action, **actor.entry()}
    entry.update({k: v for k, v in (note or {}).items() if v not in (None, "", [])})
    new_evidence = {
        **alert.evidence,
        **(evidence or {}),
        "history": [*alert.evidence.get("history", []), entry],
    }
    if not store.update_alert(
        alert.id,
        expect={"status": alert.status, "updated_at": alert.updated_at},
        evidence=new_evidence,
        updated_at=now,
        **changes,
    ):
        raise WorkflowError(f"预警 {alert.id} 刚被他人更新，请刷新后重试")
    return current(store, alert.id)


def _refusal(alert: Alert, action: str) -> str:
    name = ACTION_NAMES.get(action, action)
    if alert.status == "resolved":
        return f"该预警已办结，不能再{name}"
    return f"该预警当前状态下不能{name}"


def ack(store: Store, alert: Alert, now: datetime, actor: Actor) -> Alert:
    return _apply(
        store, alert, "ack", now, actor, ("open", "escalated"), status="acked", acked_at=now
    )


def respond(
    store: Store, alert: Alert, now: datetime, actor: Actor, text: str, url: str | None
) -> Alert:
    """回应: what was said to the public, and/or the URL of the official reply. Implies 签收."""
    text, url = (text or "").strip(), (url or "").strip() or None
    if not text and not url:
        raise WorkflowError("请填写回应内容或官方回复链接")
    if url and not url.lower().startswith(("http://", "https://")):
        raise WorkflowError("官方回复链接须以 http:// 或 https:// 开头")
    response = {"at": now.isoformat(), "by": actor.name, "text": text[:2000], "url": url}
    changes: dict[str, Any] = {"status": "acked"}
    if alert.acked_at is None:
        changes["acked_at"] = now
    if alert.responded_at is None:
        changes["responded_at"] = now
    return _apply(
        store,
        alert,
        "respond",
        now,
        actor,
        UNRESOLVED,
        evidence={"responses": [*alert.evidence.get("responses", []), response]},
        note={"text": text[:200], "url": url},
        **changes,
    )


def resolve(store: Store, alert: Alert, now: datetime, actor: Actor, outcome: str) -> Alert:
    """办结, with what was done (处置情况)."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise WorkflowError("请填写办结情况")
    changes: dict[str, Any] = {"status": "resolved", "resolved_at": now}
    if alert.acked_at is None:
        changes["acked_at"] = now
    return _apply(
        store,
        alert,
        "resolve",
        now,
        actor,
        UNRESOLVED,
        evidence={"outcome": outcome[:2000]},
        note={"note": outcome[:200]},
        **changes,
    )


def request_extension(
    store: Store, alert: Alert, now: datetime, actor: Actor, until: datetime, reason: str
) -> Alert:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("请说明延期理由")
    if until <= now:
        raise WorkflowError("延期后的办结时间须晚于现在")
    pending = alert.evidence.get("extension_request", {})
    if pending.get("status") == "pending":
        raise WorkflowError("已有延期申请待网信办审核")
    request = {
        "at": now.isoformat(),
        "by": actor.name,
        "department": actor.department,
        "until": until.isoformat(),
        "reason": reason[:1000],
        "status": "pending",
    }
    return _apply(
        store,
        alert,
        "request_extension",
        now,
        actor,
        UNRESOLVED,
        evidence={"extension_request": request},
        note={"until": until.isoformat(), "note": reason[:200]},
    )


def decide_extension(
    store: Store, alert: Alert, now: datetime, actor: Actor, approve: bool, note: str = ""
) -> Alert:
    request = dict(alert.evidence.get("extension_request") or {})
    if request.get("status") != "pending":
        raise WorkflowError("没有待审核的延期申请")
    request.update(status="approved" if approve else "rejected", decided_by=actor.name)
    evidence: dict[str, Any] = {"extension_request": request}
    if approve:
        evidence["extended_until"] = request["until"]
    action = "approve_extension" if approve else "reject_extension"
    return _apply(
        store, alert, action, now, actor, UNRESOLVED, evidence=evidence, note={"note": note}
    )


def request_transfer(
    store: Store, alert: Alert, now: datetime, actor: Actor, to: str, reason: str
) -> Alert:
    """申请转办: the liaison says another department is responsible; the duty office decides."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("请说明转办理由")
    request = {
        "at": now.isoformat(),
        "by": actor.name,
        "department": actor.department,
        "to": to,
        "reason": reason[:1000],
        "status": "pending",
    }
    return _apply(
        store,
        alert,
        "request_transfer",
        now,
        actor,
        UNRESOLVED,
        evidence={"transfer_request": request},
        note={"to": to, "note": reason[:200]},
    )


def reassign(
    engine, alert: Alert, now: datetime, actor: Actor, departments: list[str], note: str = ""
) -> Alert:
    """改派 (also how a 转办 request is approved): the alert's departments become
    ``departments`` (lead first), it is open again for them, and each new one gets the
    alert message through the outbox."""
    departments = [d for d in dict.fromkeys(departments) if d]
    unknown = [d for d in departments if d not in engine.depts]
    if not departments or unknown:
        raise WorkflowError(f"未知的单位：{'、'.join(unknown) or '（空）'}")
    evidence: dict[str, Any] = {}
    request = dict(alert.evidence.get("transfer_request") or {})
    if request.get("status") == "pending":
        request.update(status="approved", decided_by=actor.name)
        evidence["transfer_request"] = request
    done = _apply(
        engine.store,
        alert,
        "reassign",
        now,
        actor,
        UNRESOLVED,
        evidence=evidence,
        note={"to": departments, "from": alert.departments, "note": note},
        departments=departments,
        status="open",
        acked_at=None,
    )
    engine.enqueue(done, kind="alert", departments=departments, now=now)
    return done


def reject_transfer(store: Store, alert: Alert, now: datetime, actor: Actor, note: str) -> Alert:
    request = dict(alert.evidence.get("transfer_request") or {})
    if request.get("status") != "pending":
        raise WorkflowError("没有待审核的转办申请")
    request.update(status="rejected", decided_by=actor.name)
    return _apply(
        store,
        alert,
        "reject_transfer",
        now,
        actor,
        UNRESOLVED,
        evidence={"transfer_request": request},
        note={"note": note},
    )


def escalate(engine, alert: Alert, now: datetime, actor: Actor, note: str = "") -> Alert:
    """督办升级 by the duty office: escalated now, and a 督办 message to each routed
    department's ``escalate_to`` and the duty office."""
    targets = escalation_targets(engine, alert)
    done = _apply(
        engine.store,
        alert,
        "escalate",
        now,
        actor,
        ("open", "acked"),
        note={"to": targets, "note": note},
        status="escalated",
    )
    engine.enqueue(done, kind="escalation", departments=targets, now=now)
    return done


def merge(store: Store, alert: Alert, now: datetime, actor: Actor, into: Alert) -> Alert:
    """合并: a duplicate is closed into ``into`` (it no longer counts in statistics)."""
    if into.id == alert.id:
        raise WorkflowError("不能与自身合并")
    return _apply(
        store,
        alert,
        "merge",
        now,
        actor,
        UNRESOLVED,
        evidence={"merged_into": into.id, "superseded_by": into.id, "outcome": f"合并至 {into.id}"},
        note={"to": into.id},
        status="resolved",
        resolved_at=now,
    )


def dismiss(store: Store, alert: Alert, now: datetime, actor: Actor, reason: str) -> Alert:
    """不予关注: the duty office judges the matter needs no handling. For an event alert the
    event stays silenced for ``alerts.lookback``: further alerts about it at or below this
    level are suppressed (``Engine.decide``); a higher level still alerts."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError("请说明不予关注的理由")
    return _apply(
        store,
        alert,
        "dismiss",
        now,
        actor,
        UNRESOLVED,
        evidence={"dismissed": True, "outcome": f"不予关注：{reason[:500]}"},
        note={"note": reason[:200]},
        status="resolved",
        resolved_at=now,
    )


def followup(
    store: Store, alert: Alert, now: datetime, actor: Actor, satisfied: bool, note: str = ""
) -> Alert:
    """回访: did the public concern actually get resolved? Not satisfied → 退回重办 (the alert
    is open again for its departments). 处置有效率 counts satisfied 回访."""
    record = {"at": now.isoformat(), "by": actor.name, "satisfied": satisfied, "note": note[:1000]}
    evidence = {"followup": record}
    if satisfied:
        return _apply(
            store, alert, "followup", now, actor, ("resolved",), evidence=evidence, note=record
        )
    return _apply(
        store,
        alert,
        "reopen",
        now,
        actor,
        ("resolved",),
        evidence=evidence,
        note={"note": note[:200]},
        status="acked",
        resolved_at=None,
    )


def confirm_reply(store: Store, alert: Alert, now: datetime, actor: Actor, post_id: str) -> Alert:
    """A linked official reply (``evidence.reply_candidates``) confirmed as this alert's
    回应: it becomes a response; ``responded_at`` is when the reply was published (the public
    had its answer then), unless a 回应 was recorded earlier."""
    from yuqing.timeutil import parse_iso

    candidates = alert.evidence.get("reply_candidates", [])
    found = next((c for c in candidates if c["post_id"] == post_id), None)
    if found is None:
        raise WorkflowError("没有这条候选回复")
    published = parse_iso(found["at"]) or now
    response = {
        "at": found["at"],
        "by": actor.name,
        "text": found["title"],
        "url": found["url"],
        "post_id": post_id,
        "confirmed_at": now.isoformat(),
    }
    changes: dict[str, Any] = {}
    if alert.responded_at is None or published < alert.responded_at:
        changes["responded_at"] = published
    return _apply(
        store,
        alert,
        "confirm_reply",
        now,
        actor,
        ("open", "acked", "escalated", "resolved"),
        evidence={
            "responses": [*alert.evidence.get("responses", []), response],
            "reply_candidates": [c for c in candidates if c["post_id"] != post_id],
        },
        note={"url": found["url"], "note": found["title"][:200]},
        **changes,
    )


def relevel_kind(n: int) -> str:
    """The outbox kind of an alert's ``n``-th level change notice (its own rows and
    Message-ID: a retry is never a second message, a later change is a new one)."""
    return f"relevel:{n}"


def relevel(engine, alert: Alert, now: datetime, actor: Actor, level: str, reason: str) -> Alert:
    """研判 — 调整等级: the duty office raises an alert whose matter grew, or lowers an
    over-rated one. ``level`` becomes the alert's level; the history records who, when, from,
    to and the reason (研判意见), the first change also keeps ``original_level``. The
    deadlines are the new level's (``workflow.relevel_due``: a running deadline is shortened,
    never moved into the past). A raise into ``alerts.copy_duty_levels`` (red) adds the duty
    office to the departments, as routing does for a red alert. Every routed department is
    told through the outbox (kind ``relevel:N``): a raise with the full alert message under
    the new level's tag, a lowering with a short notice."""
    reason = (reason or "").strip()
    if level not in LEVELS:
        raise WorkflowError(f"未知的等级 {level!r}，可选 {CHOICES} (unknown level {level!r})")
    if alert.status == "resolved":
        raise WorkflowError(f"该预警已办结，不能再调整等级 (alert {alert.id} is resolved)")
    if level == alert.level:
        raise WorkflowError(
            f"该预警已是{LABELS[level]}，等级未改变 (alert {alert.id} is already {level})"
        )
    if not reason:
        raise WorkflowError("请填写研判意见（调整等级的理由） (a reason is required)")
    n = 1 + sum(h.get("action") == "relevel" for h in alert.evidence.get("history", []))
    departments = list(alert.departments)
    if rank(level) > rank(alert.level) and level in engine.settings.copy_duty_levels:
        departments += [d for d in engine.router.duty if d not in departments]
    done = _apply(
        engine.store,
        alert,
        "relevel",
        now,
        actor,
        UNRESOLVED,
        evidence={
            "original_level": alert.evidence.get("original_level", alert.level),
            "highest_level": max_level(
                alert.evidence.get("highest_level", alert.level), alert.level, level
            ),
            "relevel_due": relevel_due(alert, level, engine.settings, now),
        },
        note={"from": alert.level, "to": level, "n": n, "note": reason[:500]},
        level=level,
        departments=departments,
    )
    engine.enqueue(done, kind=relevel_kind(n), departments=departments, now=now)
    return done
