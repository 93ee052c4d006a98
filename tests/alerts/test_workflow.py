"""ack / resolve / escalate / recheck / stats on a real store and SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.conftest import T0, make_event
from yuqing.alerts.stats import department_stats
from yuqing.alerts.workflow import WorkflowError, ack, escalate_due, find, recheck_due, resolve


@pytest.fixture
def rig(red_and_yellow):
    return red_and_yellow


def test_ack_then_resolve_with_history(rig):
    a = ack(rig.store, rig.red.id[:8], T0 + timedelta(minutes=10), by="张三")
    assert a.status == "acked" and a.acked_at == T0 + timedelta(minutes=10)
    with pytest.raises(WorkflowError, match="already acknowledged"):
        ack(rig.store, rig.red.id, T0)
    r = resolve(rig.store, rig.red.id, T0 + timedelta(hours=2), note="已处置")
    assert r.status == "resolved"
    assert [h["action"] for h in r.evidence["history"]] == ["ack", "resolve"]
    with pytest.raises(WorkflowError, match="already resolved"):
        resolve(rig.store, rig.red.id, T0)
    with pytest.raises(WorkflowError, match="no alert"):
        find(rig.store, "zzzzzzzz")


def test_unacked_red_escalates_to_escalate_to_and_duty_once(rig, smtp_sink):
    before = len(smtp_sink.messages)
    assert escalate_due(rig.engine(), T0 + timedelta(minutes=30)) == []
    done = escalate_due(rig.engine(), T0 + timedelta(hours=1, minutes=1))
    assert [a.id for a in done] == [rig.red.id]  # red: 1h; yellow: 24h
    assert escalate_due(rig.engine(), T0 + timedelta(hours=2)) == []
    rig.deliverer().run_once(T0 + timedelta(hours=2))
    new = smtp_sink.messages[before:]
    assert sorted(r[0] for r, _ in new) == ["duty@cac.gov.example", "office@gov.example"]
    assert all(
        "【督办升级】" in m["Subject"] and m["Subject"].startswith("【红色预警】") for _, m in new
    )
    assert rig.store.get_alert(rig.red.id).status == "escalated"
    ack(rig.store, rig.red.id, T0 + timedelta(hours=3))  # escalated can still be acked


def test_rechecks_red_next_day_yellow_next_week(rig, smtp_sink):
    ack(rig.store, rig.red.id, T0 + timedelta(minutes=5))
    assert recheck_due(rig.engine(), T0 + timedelta(hours=12)) == []
    res = recheck_due(rig.engine(), T0 + timedelta(days=1, minutes=1))
    # the casualty post is outside the 24h window by then: cleared
    assert [(a.id, r) for a, r in res] == [(rig.red.id, "cleared")]
    assert recheck_due(rig.engine(), T0 + timedelta(days=2)) == []  # recorded once
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"], when=T0 + timedelta(days=7)))
    before = len(smtp_sink.messages)
    res = recheck_due(rig.engine(), T0 + timedelta(days=7, minutes=1))
    assert [(a.id, r) for a, r in res] == [(rig.yellow.id, "persisting")]
    rig.deliverer().run_once(T0 + timedelta(days=7, minutes=2))
    failed = [m for _, m in smtp_sink.messages[before:] if "【复查未通过】" in m["Subject"]]
    # dated at the recheck, not at the alert's creation a week before
    assert failed and all(m["Date"].datetime == T0 + timedelta(days=7, minutes=1) for m in failed)
    assert rig.store.get_alert(rig.yellow.id).evidence["recheck"]["result"] == "persisting"


def test_stats_response_and_effectiveness(rig):
    ack(rig.store, rig.red.id, T0 + timedelta(minutes=20))
    resolve(rig.store, rig.red.id, T0 + timedelta(hours=1))
    ack(rig.store, rig.yellow.id, T0 + timedelta(days=2))  # late (deadline 24h)
    rows = {
        s.department: s
        for s in department_stats(
            rig.cfg, rig.store, rig.settings, T0 - timedelta(days=1), T0 + timedelta(days=3)
        )
    }
    em, hr = rows["emergency"], rows["hrss"]
    assert (em.alerts, em.acked_on_time, em.resolved, em.ack_on_time_rate, em.effective_rate) == (
        1,
        1,
        1,
        1.0,
        1.0,
    )
    assert (em.resolve_rate, em.median_resolve_minutes) == (1.0, 60.0)
    assert em.response_rate == 0.0  # acknowledged and resolved, but no 回应 recorded
    assert em.median_ack_minutes == 20.0
    assert (hr.alerts, hr.acked, hr.acked_on_time, hr.ack_on_time_rate, hr.ack_rate) == (
        1,
        1,
        0,
        0.0,
        1.0,
    )


def test_stats_response_precision(rig, smtp_sink):
    """回应精准率 (DOMAIN.md: the response reached the right department) was computed nowhere:
    an alert whose lead unit a 改派 (or an approved 转办) replaced did not reach it directly;
    adding a co-responsible unit under the same lead does not count against routing."""
    from yuqing.alerts.handling import Actor, reassign

    staff = Actor("值班员", "staff")
    red = rig.store.get_alert(rig.red.id)
    reassign(rig.engine(), red, T0 + timedelta(minutes=5), staff, [red.departments[0], "hrss"])
    yellow = rig.store.get_alert(rig.yellow.id)
    reassign(rig.engine(), yellow, T0 + timedelta(minutes=6), staff, ["civil_affairs"])
    rows = {
        s.department: s
        for s in department_stats(
            rig.cfg, rig.store, rig.settings, T0 - timedelta(days=1), T0 + timedelta(days=3)
        )
    }
    assert (rows["emergency"].routed_right, rows["emergency"].precision_rate) == (1, 1.0)
    ca = rows["civil_affairs"]
    assert (ca.alerts, ca.routed_right, ca.precision_rate) == (1, 0, 0.0)
    assert "hrss" not in rows  # its alert now belongs to its new lead
