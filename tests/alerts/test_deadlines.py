"""催办 before the time limits and 督办 after the 办结时限, as the escalation job runs them, to a
real SMTP server: each notice once, to the right people, recorded in the history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.conftest import HOT, T0, make_event
from yuqing.alerts import handling
from yuqing.alerts.deadlines import supervise
from yuqing.alerts.workflow import due, escalate_due

WHO = handling.Actor("yuqing@hrss.gov.example", "liaison", "hrss")


@pytest.fixture
def rig(make_rig):
    rig = make_rig([{**HOT, "level": "yellow", "departments": ["hrss"]}])
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"]))
    (rig.alert,) = rig.check_and_deliver(T0)[0].created
    return rig


def _run(rig, at):
    before = len(rig.sink.messages)
    escalate_due(rig.engine(), at)  # what the escalation job runs
    supervise(rig.engine(), at)
    rig.deliverer().run_once(at)
    return [(r, m["Subject"]) for r, m in rig.sink.messages[before:]]


def test_ack_reminder_at_three_quarters_of_the_limit_once(rig):
    assert _run(rig, T0 + timedelta(hours=17)) == []  # yellow: 24h to 签收, reminder at 18h
    sent = _run(rig, T0 + timedelta(hours=18, minutes=5))
    assert sent == [(["yuqing@hrss.gov.example"], sent[0][1])]
    assert sent[0][1].startswith("【黄色预警】【催办】")
    assert _run(rig, T0 + timedelta(hours=20)) == []  # once
    history = rig.store.get_alert(rig.alert.id).evidence["history"]
    assert [(h["action"], h["deadline"]) for h in history] == [("remind", "ack")]


def test_resolve_reminder_then_overdue_notice_copied_to_leaders_and_duty(rig):
    handling.ack(rig.store, rig.alert, T0 + timedelta(hours=1), WHO)
    assert _run(rig, T0 + timedelta(days=5)) == []  # yellow: 7d to 办结, reminder at 5.25d
    sent = _run(rig, T0 + timedelta(days=5, hours=7))
    assert [s for _, s in sent] and all("【催办】" in s for _, s in sent)
    sent = _run(rig, T0 + timedelta(days=7, minutes=1))
    assert sorted(r[0] for r, _ in sent) == [
        "duty@cac.gov.example",
        "office@gov.example",
        "yuqing@hrss.gov.example",
    ]
    assert all("【督办通知】" in s for _, s in sent)
    assert _run(rig, T0 + timedelta(days=8)) == []
    text = rig.sink.messages[-1][1].get_body(("plain",)).get_content()
    assert "已超过办结时限" in text


def test_approved_extension_moves_the_overdue_notice(rig):
    a = handling.ack(rig.store, rig.alert, T0 + timedelta(hours=1), WHO)
    a = handling.request_extension(
        rig.store, a, T0 + timedelta(days=2), WHO, T0 + timedelta(days=20), "需协调"
    )
    staff = handling.Actor("值班员", "staff")
    handling.decide_extension(rig.store, a, T0 + timedelta(days=2, hours=1), staff, True)
    assert not any("督办通知" in s for _, s in _run(rig, T0 + timedelta(days=7, minutes=1)))
    assert any("督办通知" in s for _, s in _run(rig, T0 + timedelta(days=20, minutes=1)))


def test_resolved_alert_gets_no_notice(rig):
    handling.resolve(rig.store, rig.alert, T0 + timedelta(hours=2), WHO, "已办结")
    assert _run(rig, T0 + timedelta(days=30)) == []


def test_digest_counts_reminders_and_lists_overdue(rig):
    from yuqing.dashboards.digest import build
    from yuqing.dashboards.period import daily

    handling.ack(rig.store, rig.alert, T0 + timedelta(hours=1), WHO)
    day = T0 + timedelta(days=7, minutes=1)
    _run(rig, T0 + timedelta(days=5, hours=7))
    _run(rig, day)
    text = build(
        rig.cfg, rig.store, daily(day.date(), "Asia/Shanghai"), day + timedelta(hours=1)
    ).text
    assert "超期未办结 1（督办通知 1）" in text
    assert f"! 超期未办结：[黄色] {rig.alert.title}" in text


def test_dismissed_event_is_silenced_unless_the_level_rises(make_rig):
    rig = make_rig([{**HOT, "level": "yellow", "departments": ["hrss"]}])
    rig.store.upsert_event(make_event("e1", size=10, hotness=80, focus=["wage_arrears"]))
    (first,) = rig.check_and_deliver(T0)[0].created
    handling.dismiss(
        rig.store, first, T0 + timedelta(hours=1), handling.Actor("值班员", "staff"), "已核实为旧闻"
    )
    later = T0 + timedelta(days=2)  # past realert: without 不予关注 it would alert again
    rig.store.upsert_event(
        make_event("e1", size=12, hotness=80, focus=["wage_arrears"], when=later)
    )
    result, _ = rig.check_and_deliver(later)
    assert result.created == [] and [d.suppressed_by for d in result.decisions] == [first.id]
    rig.store.upsert_event(
        make_event("e1", size=30, hotness=80, focus=["wage_arrears"], when=later)
    )
    result, _ = rig.check_and_deliver(later + timedelta(hours=1))  # grew 2×: one level up
    assert [a.level for a in result.created] == ["orange"]


def test_follow_up_mails_are_dated_when_queued_not_at_the_alerts_creation(rig):
    """催办, 督办升级 and 督办通知 carry the time they were decided as their Date — also when
    delivered later (a retry, quiet hours) — under their own stable Message-IDs."""
    dated = {}
    for queued, job in (
        (T0 + timedelta(hours=18, minutes=5), supervise),  # 催办 (签收)
        (T0 + timedelta(hours=24, minutes=1), escalate_due),  # 督办升级
    ):
        before = len(rig.sink.messages)
        job(rig.engine(), queued)
        rig.deliverer().run_once(queued + timedelta(minutes=20))  # delivered later
        for _, m in rig.sink.messages[before:]:
            dated[m["X-Yuqing-Kind"]] = (m["Date"].datetime, m["Message-ID"])
    handling.ack(rig.store, rig.store.get_alert(rig.alert.id), T0 + timedelta(days=1, hours=1), WHO)
    _run(rig, T0 + timedelta(days=7, minutes=1))  # 督办通知, delivered at once
    m = rig.sink.messages[-1][1]
    dated[m["X-Yuqing-Kind"]] = (m["Date"].datetime, m["Message-ID"])
    assert {k: d for k, (d, _) in dated.items()} == {
        "remind_ack": T0 + timedelta(hours=18, minutes=5),
        "escalation": T0 + timedelta(hours=24, minutes=1),
        "overdue": T0 + timedelta(days=7, minutes=1),
    }
    first = next(m for _, m in rig.sink.messages if m["X-Yuqing-Kind"] == "alert")
    assert first["Date"].datetime == rig.alert.created_at == T0
    ids = {i for _, i in dated.values()} | {first["Message-ID"]}
    assert len(ids) == 4  # each its own, stable Message-ID (message_id(alert:kind, recipient))


def test_a_level_change_moving_the_deadline_makes_its_reminder_due_again(rig):
    sent = _run(rig, T0 + timedelta(hours=18, minutes=5))  # yellow: 催办 for 签收时限 T0+24h
    assert [s[:10] for _, s in sent] == ["【黄色预警】【催办】"]
    staff = handling.Actor("王值班", "staff")
    at = T0 + timedelta(hours=20)
    handling.relevel(rig.engine(), rig.store.get_alert(rig.alert.id), at, staff, "red", "扩散")
    _run(rig, at)  # the 【等级上调】 notice: 签收时限 now at+1h
    assert _run(rig, at + timedelta(minutes=30)) == []  # 75 % of the hour from the change
    sent = _run(rig, at + timedelta(minutes=50))
    assert sent and all(s.startswith("【红色预警】【催办】") for _, s in sent)
    mail = rig.sink.messages[-1][1]
    assert mail["X-Yuqing-Kind"] == "remind_ack:2"
    assert "即将超过签收时限" in mail.get_body(("plain",)).get_content()
    assert (at + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M") in mail.get_body(
        ("plain",)
    ).get_content()
    first = [m["Message-ID"] for _, m in rig.sink.messages if m["X-Yuqing-Kind"] == "remind_ack"]
    assert first and mail["Message-ID"] not in first
    assert _run(rig, at + timedelta(minutes=55)) == []  # once for the new deadline too
    history = rig.store.get_alert(rig.alert.id).evidence["history"]
    reminders = [h["until"] for h in history if h["action"] == "remind"]
    assert reminders == [
        (T0 + timedelta(hours=24)).isoformat(),
        (at + timedelta(hours=1)).isoformat(),
    ]


def test_a_level_change_keeping_the_deadline_sends_no_second_reminder(rig):
    _run(rig, T0 + timedelta(hours=18, minutes=5))
    staff = handling.Actor("王值班", "staff")
    at = T0 + timedelta(hours=23, minutes=30)  # orange's now + 4h is later: 签收时限 kept
    a = handling.relevel(rig.engine(), rig.store.get_alert(rig.alert.id), at, staff, "orange", "x")
    assert due(a, rig.settings, "ack") == T0 + timedelta(hours=24)
    sent = _run(rig, at + timedelta(minutes=10))
    assert [s[:12] for _, s in sent] == ["【橙色预警】【等级上调】"]  # the notice, no 催办
