"""研判 — changing an alert's level (``handling.relevel``) on a real store, outbox and SMTP
server: history, deadlines, the notices and their Message-IDs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.alerts.conftest import HOT, T0, make_event
from yuqing.alerts import handling
from yuqing.alerts.deadlines import pending_notice
from yuqing.alerts.handling import Actor
from yuqing.alerts.stats import department_stats
from yuqing.alerts.workflow import WorkflowError, due, escalate_due

DUTY = Actor("王值班", "staff", None, "127.0.0.1")


@pytest.fixture
def rig(red_and_yellow):
    return red_and_yellow


def _new(sink, before):
    return [m for _, m in sink.messages[before:]]


def test_raise_to_red_records_history_shortens_deadlines_and_tells_departments(rig, smtp_sink):
    y = rig.yellow
    assert "cac" not in y.departments  # yellow: the duty office is not copied
    before = len(smtp_sink.messages)
    at = T0 + timedelta(hours=5)
    a = handling.relevel(rig.engine(), y, at, DUTY, "red", "事态扩大，多家媒体转载")
    assert a.level == "red" and a.status == "open"
    assert a.evidence["original_level"] == "yellow"
    entry = a.evidence["history"][-1]
    assert entry["action"] == "relevel" and entry["by"] == "王值班" and entry["role"] == "staff"
    assert (entry["at"], entry["from"], entry["to"], entry["n"]) == (
        at.isoformat(),
        "yellow",
        "red",
        1,
    )
    assert entry["note"] == "事态扩大，多家媒体转载"
    # red's 1h from delivery is past: the running 签收时限 becomes 1h from the change
    assert due(a, rig.settings, "ack") == at + timedelta(hours=1)
    # red's 24h from delivery is still ahead: that is the 办结时限
    assert due(a, rig.settings, "resolve") == T0 + timedelta(hours=24)
    # copy_duty_levels (red): the duty office is added, as routing does for a red alert
    assert a.departments == [*y.departments, "cac"]

    report = rig.deliverer().run_once(at)
    mails = _new(smtp_sink, before)
    assert report.sent == len(mails) >= 2
    assert "duty@cac.gov.example" in {str(m["To"]) for m in mails}
    for m in mails:
        assert m["Subject"].startswith("【红色预警】【等级上调】")
        assert m["X-Yuqing-Alert-Id"] == y.id and m["X-Yuqing-Level"] == "red"
        text = m.get_body(("plain",)).get_content()
        assert "由黄色预警上调为红色预警" in text and "事态扩大，多家媒体转载" in text
        assert (at + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M") in text
        assert m["Date"].datetime == at  # dated at the change, not at the alert's creation
    first_ids = {m["Message-ID"] for m in mails}
    assert not first_ids & set(smtp_sink.message_ids()[:before])

    # a retry re-sends the same Message-IDs; enqueueing again adds nothing
    assert rig.engine().enqueue(a, kind=handling.relevel_kind(1), now=at) == 0
    assert rig.deliverer().run_once(at + timedelta(minutes=1)).sent == 0

    # the shortened deadline drives escalation
    early = escalate_due(rig.engine(), at + timedelta(minutes=59))
    assert y.id not in [x.id for x in early]  # (the red alert of the fixture escalates)
    assert [x.id for x in escalate_due(rig.engine(), at + timedelta(hours=1, minutes=1))] == [y.id]


def test_raise_early_counts_the_new_limit_from_delivery(rig):
    a = handling.relevel(rig.engine(), rig.yellow, T0 + timedelta(minutes=10), DUTY, "orange", "x")
    assert due(a, rig.settings, "ack") == T0 + timedelta(hours=4)
    assert due(a, rig.settings, "resolve") == T0 + timedelta(days=3)
    assert "cac" not in a.departments  # orange is not in copy_duty_levels


def test_raise_never_lengthens_a_running_deadline(rig):
    at = T0 + timedelta(hours=23, minutes=30)  # yellow's 签收时限 is 30 minutes away
    a = handling.relevel(rig.engine(), rig.yellow, at, DUTY, "red", "紧急")
    assert due(a, rig.settings, "ack") == T0 + timedelta(hours=24)


def test_lowering_sends_a_short_notice_and_lengthens_deadlines(rig, smtp_sink):
    before = len(smtp_sink.messages)
    at = T0 + timedelta(minutes=30)
    a = handling.relevel(rig.engine(), rig.red, at, DUTY, "blue", "经核实为个案，已平息")
    assert a.level == "blue" and a.departments == rig.red.departments
    assert due(a, rig.settings, "ack") == T0 + timedelta(hours=72)
    assert due(a, rig.settings, "resolve") == T0 + timedelta(days=15)
    rig.deliverer().run_once(at)
    mails = _new(smtp_sink, before)
    assert mails and all(m["Subject"].startswith("【蓝色提示】【等级下调】") for m in mails)
    text = mails[0].get_body(("plain",)).get_content()
    assert "由红色预警下调为蓝色提示" in text and "经核实为个案，已平息" in text
    assert "主要信息" not in text  # a short notice (the alert message had them)
    original = [m for _, m in smtp_sink.messages[:before] if m["X-Yuqing-Alert-Id"] == a.id]
    assert "主要信息" in original[0].get_body(("plain",)).get_content()
    assert escalate_due(rig.engine(), T0 + timedelta(hours=2)) == []  # no longer due


def test_each_change_is_its_own_message(rig, smtp_sink):
    e = rig.engine()
    a = handling.relevel(e, rig.yellow, T0 + timedelta(hours=1), DUTY, "orange", "扩散")
    rig.deliverer().run_once(T0 + timedelta(hours=1))
    first = set(smtp_sink.message_ids())
    a = handling.relevel(e, a, T0 + timedelta(hours=2), DUTY, "red", "继续扩散")
    assert a.evidence["original_level"] == "yellow"
    assert [h["n"] for h in a.evidence["history"] if h["action"] == "relevel"] == [1, 2]
    rig.deliverer().run_once(T0 + timedelta(hours=2))
    second = [m for m in smtp_sink.message_ids() if m not in first]
    assert second and len(second) == len(set(second))
    assert all(
        m["Subject"].startswith("【红色预警】")
        for _, m in smtp_sink.messages
        if m["Message-ID"] in second
    )


def test_refusals(rig):
    e = rig.engine()
    with pytest.raises(WorkflowError, match="已是黄色预警.*already yellow"):
        handling.relevel(e, rig.yellow, T0, DUTY, "yellow", "x")
    with pytest.raises(WorkflowError, match="研判意见"):
        handling.relevel(e, rig.yellow, T0, DUTY, "red", "  ")
    with pytest.raises(WorkflowError, match="unknown level 'purple'"):
        handling.relevel(e, rig.yellow, T0, DUTY, "purple", "x")
    done = handling.resolve(rig.store, rig.yellow, T0, DUTY, "已处置")
    with pytest.raises(WorkflowError, match="已办结.*resolved"):
        handling.relevel(e, done, T0, DUTY, "red", "x")
    assert rig.store.get_alert(rig.yellow.id).level == "yellow"


def test_acknowledged_alert_keeps_its_ack_deadline_and_on_time_count(rig):
    acked = handling.ack(rig.store, rig.yellow, T0 + timedelta(hours=5), DUTY)
    a = handling.relevel(rig.engine(), acked, T0 + timedelta(hours=6), DUTY, "red", "升级")
    assert due(a, rig.settings, "ack") == T0 + timedelta(hours=24)  # as when acknowledged
    assert due(a, rig.settings, "resolve") == T0 + timedelta(hours=24)
    rows = department_stats(
        rig.cfg, rig.store, rig.settings, T0 - timedelta(days=1), T0 + timedelta(days=1)
    )
    lead = next(r for r in rows if r.department == a.departments[0])
    assert lead.acked_on_time == lead.acked >= 1


def test_reminder_of_a_fixed_deadline_runs_from_the_change(rig):
    at = T0 + timedelta(hours=5)
    a = handling.relevel(rig.engine(), rig.yellow, at, DUTY, "red", "升级")
    # 签收时限 at+1h: 75 % of the hour from the change, not of the time since delivery
    assert pending_notice(a, rig.settings, at + timedelta(minutes=30)) is None
    assert pending_notice(a, rig.settings, at + timedelta(minutes=46)) == ("remind_ack", "ack")


def test_notices_are_not_folded_or_held_by_the_rate_limit(make_rig, smtp_sink):
    from yuqing.alerts.settings import AlertSettings, RateLimit

    settings = AlertSettings(rate_limit=RateLimit(max_messages=1, per="1h"))
    rig = make_rig([{**HOT, "level": "yellow", "departments": ["hrss"]}], settings=settings)
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"]))
    (alert,) = rig.check_and_deliver(T0)[0].created  # the hour's one message for hrss
    e = rig.engine()
    alert = handling.relevel(e, alert, T0 + timedelta(minutes=5), DUTY, "orange", "扩散")
    alert = handling.relevel(e, alert, T0 + timedelta(minutes=6), DUTY, "blue", "误判")
    report = rig.deliverer().run_once(T0 + timedelta(minutes=7))
    assert (report.sent, report.held, report.batched) == (2, 0, 0)
    subjects = [m["Subject"] for _, m in smtp_sink.messages[1:]]
    assert [s[:12] for s in subjects] == ["【橙色预警】【等级上调】", "【蓝色提示】【等级下调】"]


def test_a_lowered_alert_takes_the_rules_matches_up_to_its_former_level(make_rig, smtp_sink):
    rig = make_rig([{**HOT, "window": "1h"}])  # orange
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"]))
    (alert,) = rig.check_and_deliver(T0)[0].created
    assert alert.level == "orange"
    at = T0 + timedelta(minutes=30)
    lowered = handling.relevel(rig.engine(), alert, at, DUTY, "blue", "经核实为个案，已平息")
    assert lowered.evidence["highest_level"] == "orange"
    rig.deliverer().run_once(at)
    sent = len(smtp_sink.messages)

    # two windows on, the event as hot and as large as when alerted: the matter the duty
    # office judged, not a new alert at the rule's orange
    at = T0 + timedelta(hours=2)
    rig.store.upsert_event(make_event("e1", when=at, focus=["wage_arrears"]))
    result, report = rig.check_and_deliver(at)
    assert result.created == [] and report.sent == 0
    assert [d.suppressed_by for d in result.decisions] == [alert.id]
    kept = rig.store.get_alert(alert.id)
    assert kept.level == "blue" and "superseded_by" not in kept.evidence
    assert len(smtp_sink.messages) == sent

    # the event doubled since its alert: growth escalates one level from the judged level
    at = T0 + timedelta(hours=3)
    rig.store.upsert_event(make_event("e1", size=20, when=at, focus=["wage_arrears"]))
    result, _ = rig.check_and_deliver(at)
    (grown,) = result.created
    assert grown.level == "yellow" and grown.evidence["escalated_from"] == "blue"
    assert grown.evidence["supersedes"] == alert.id
    assert all(m["Subject"].startswith("【黄色预警】") for _, m in smtp_sink.messages[sent:])


def test_a_lowered_alert_stays_quiet_for_realert_from_the_judgement(make_rig):
    rig = make_rig([{**HOT, "window": "1h"}])
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"]))
    (alert,) = rig.check_and_deliver(T0)[0].created
    judged = T0 + timedelta(hours=20)
    handling.relevel(rig.engine(), alert, judged, DUTY, "yellow", "影响有限")
    for hours, quiet in ((23, True), (44, False)):  # realert 24h counted from the 研判
        at = judged + timedelta(hours=hours)
        rig.store.upsert_event(make_event("e1", when=at, focus=["wage_arrears"]))
        (d,) = rig.engine().check(at).decisions
        assert (d.suppressed_by == alert.id) is quiet
        assert quiet or (d.created and d.level == "orange")


def test_follow_ups_thread_under_the_alerts_own_message(rig, smtp_sink):
    """A level change notice (as every follow-up) answers the alert's message to the same
    recipient: In-Reply-To and References carry its Message-ID; the alert's own has none."""
    y = rig.yellow
    first = {
        rcpts[0]: m
        for rcpts, m in smtp_sink.messages
        if m["X-Yuqing-Alert-Id"] == y.id and m["X-Yuqing-Kind"] == "alert"
    }
    assert first and all(m["In-Reply-To"] is None for m in first.values())
    before = len(smtp_sink.messages)
    at = T0 + timedelta(hours=2)
    handling.relevel(rig.engine(), y, at, DUTY, "orange", "多家媒体转载")
    rig.deliverer().run_once(at)
    notices = smtp_sink.messages[before:]
    assert {r[0] for r, _ in notices} == set(first)
    for rcpts, m in notices:
        assert m["In-Reply-To"] == m["References"] == first[rcpts[0]]["Message-ID"]
        assert m["Message-ID"] != first[rcpts[0]]["Message-ID"]
