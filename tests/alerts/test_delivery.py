"""Outbox + delivery against a real SMTP server: nothing lost, nothing doubled."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from tests.alerts.conftest import HOT, SAFETY, T0, make_event, make_post
from yuqing.alerts.engine import Engine
from yuqing.alerts.settings import AlertSettings, QuietHours, RateLimit
from yuqing.mail import message_id


def expected_ids(rig) -> set[str]:
    return {
        message_id(r.alert_id if r.kind == "alert" else f"{r.alert_id}:{r.kind}", r.recipient)
        for r in rig.outbox.rows()
        if r.channel == "email"
    }


def test_same_check_twice_delivers_each_alert_exactly_once(make_rig, smtp_sink):
    rig = make_rig([HOT, SAFETY])
    rig.store.upsert_event(make_event("e1", focus=["real_estate_finance"]))
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"]))
    r1, d1 = rig.check_and_deliver(T0)
    r2, d2 = rig.check_and_deliver(T0 + timedelta(minutes=5))
    assert len(r1.created) == 2 and r2.created == [] and d2.sent == 0
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids)) == d1.sent == 5  # 3 departments + emergency + duty
    assert set(ids) == expected_ids(rig)
    assert all(a.delivered_at is not None for a in rig.store.iter_alerts())


def test_smtp_refusing_connections_then_recovering(make_rig, smtp_sink):
    rig = make_rig([HOT, SAFETY])
    rig.store.upsert_event(make_event("e1", focus=["real_estate_finance"]))
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"]))
    smtp_sink.stop()
    _, d1 = rig.check_and_deliver(T0)
    assert d1.sent == 0 and d1.failed == 5
    d2 = rig.deliverer().run_once(T0 + timedelta(seconds=5))  # backoff: not due yet
    assert d2.sent == d2.failed == 0
    d3 = rig.deliverer().run_once(T0 + timedelta(seconds=31))  # due, server still down
    assert d3.failed == 5 and {r.attempts for r in rig.outbox.rows()} == {2}
    smtp_sink.start()
    d4 = rig.deliverer().run_once(T0 + timedelta(minutes=5))
    d5 = rig.deliverer().run_once(T0 + timedelta(minutes=30))
    assert d4.sent == 5 and d5.sent == 0
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids)) == 5 and set(ids) == expected_ids(rig)


def test_stored_alert_without_outbox_rows_is_reconciled(make_rig, smtp_sink):
    rig = make_rig([SAFETY])
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"]))
    Engine(rig.cfg, rig.store, None, rig.settings).check(T0)  # "crash" before enqueue
    assert rig.outbox.rows() == []
    rig.check_and_deliver(T0 + timedelta(days=1, minutes=1))  # new bucket: suppressed ...
    assert len(list(rig.store.iter_alerts())) == 1
    assert len(smtp_sink.messages) == 2  # ... yet delivered, once


def test_realert_suppressed_unless_level_rises(make_rig, smtp_sink):
    rule = {**HOT, "window": "1h"}
    rig = make_rig([rule])
    rig.store.upsert_event(make_event("e1", size=10, focus=["wage_arrears"]))
    r1, _ = rig.check_and_deliver(T0)
    rig.store.upsert_event(
        make_event("e1", size=15, focus=["wage_arrears"], when=T0 + timedelta(hours=2))
    )
    r2, _ = rig.check_and_deliver(T0 + timedelta(hours=2))
    assert len(r1.created) == 1 and r2.created == [] and len(r2.suppressed) == 1
    rig.store.upsert_event(
        make_event("e1", size=25, focus=["wage_arrears"], when=T0 + timedelta(hours=3))
    )
    r3, _ = rig.check_and_deliver(T0 + timedelta(hours=3))
    (grown,) = r3.created
    assert grown.level == "red" and grown.evidence["supersedes"] == r1.created[0].id
    assert rig.store.get_alert(r1.created[0].id).evidence["superseded_by"] == grown.id
    subjects = [m["Subject"] for _, m in smtp_sink.messages]
    assert sum(s.startswith("【橙色预警】") for s in subjects) == 1  # hrss
    assert sum(s.startswith("【红色预警】") for s in subjects) == 2  # hrss + duty copy


def test_a_backfill_joining_an_alerted_event_is_not_growth(make_rig, smtp_sink):
    """Growth counts the posts published since the alert: a board's archive crawled later
    into the event doubles its size without escalating it; new posts still do."""
    rig = make_rig([{**HOT, "window": "1h"}])
    posts = [make_post(i, event_id="e1", when=T0 - timedelta(hours=1)) for i in range(10)]
    rig.store.upsert_posts(posts)
    rig.store.upsert_event(make_event("e1", size=10, focus=["wage_arrears"]))
    (first,) = rig.check_and_deliver(T0)[0].created
    sent = len(smtp_sink.messages)
    old = T0 - timedelta(days=200)  # crawled an hour after the alert
    rig.store.upsert_posts(
        make_post(100 + i, event_id="e1", when=old, crawled_at=T0 + timedelta(hours=1))
        for i in range(10)
    )
    rig.store.upsert_post(make_post(200, event_id="e1", when=T0 + timedelta(hours=2)))
    at = T0 + timedelta(hours=2)
    rig.store.upsert_event(make_event("e1", size=21, focus=["wage_arrears"], when=at))
    result, _ = rig.check_and_deliver(at)  # 21 ≥ 2 × 10, but 11 without the archive
    assert result.created == [] and [d.suppressed_by for d in result.decisions] == [first.id]
    assert len(smtp_sink.messages) == sent
    at = T0 + timedelta(hours=3)  # ten more posts published since the alert: grown
    rig.store.upsert_posts(make_post(300 + i, event_id="e1", when=at) for i in range(10))
    rig.store.upsert_event(make_event("e1", size=31, focus=["wage_arrears"], when=at))
    (grown,) = rig.check_and_deliver(at)[0].created
    assert grown.level == "red" and grown.evidence["supersedes"] == first.id
    assert all(m["Subject"].startswith("【红色预警】") for _, m in smtp_sink.messages[sent:])


def test_rate_limit_aggregates_into_one_message(make_rig, smtp_sink):
    settings = AlertSettings(rate_limit=RateLimit(max_messages=3, per="1h"))
    rig = make_rig([{**HOT, "level": "yellow"}, SAFETY], settings=settings)
    for i in range(8):
        rig.store.upsert_event(make_event(f"e{i}", focus=["wage_arrears"]))
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"]))
    _, d1 = rig.check_and_deliver(T0)
    _, d2 = rig.check_and_deliver(T0 + timedelta(minutes=1))
    to_hrss = [m for rcpts, m in smtp_sink.messages if rcpts == ["yuqing@hrss.gov.example"]]
    assert len(to_hrss) == 3 and d2.sent == 0
    batch = [m for m in to_hrss if "【汇总】" in m["Subject"]]
    assert len(batch) == 1 and len(batch[0]["X-Yuqing-Alert-Id"].split(", ")) == 6
    alert_ids = Counter(i for m in to_hrss for i in m["X-Yuqing-Alert-Id"].split(", "))
    assert len(alert_ids) == 8 and set(alert_ids.values()) == {1}
    assert any(m["Subject"].startswith("【红色预警】") for _, m in smtp_sink.messages)


def test_a_follow_up_answers_the_batch_that_brought_its_alert(make_rig, smtp_sink):
    """An alert that reached a recipient inside a 【汇总】 has no message of its own there: its
    follow-ups (a 研判 level change here) answer the 【汇总】's Message-ID, so the recipient's
    mail client threads them under the message they got; an alert sent alone is answered
    by its own."""
    from yuqing.alerts import handling
    from yuqing.alerts.handling import Actor

    settings = AlertSettings(rate_limit=RateLimit(max_messages=2, per="1h"))
    rig = make_rig([{**HOT, "level": "yellow", "departments": ["hrss"]}], settings=settings)
    for i in range(4):
        rig.store.upsert_event(make_event(f"e{i}", focus=["wage_arrears"]))
    created = rig.check_and_deliver(T0)[0].created
    (batch,) = [m for _, m in smtp_sink.messages if "【汇总】" in m["Subject"]]
    single = next(m for _, m in smtp_sink.messages if m["X-Yuqing-Kind"] == "alert")
    in_batch = [a for a in created if a.id in batch["X-Yuqing-Alert-Id"]]
    alone = next(a for a in created if a.id == single["X-Yuqing-Alert-Id"])
    assert len(in_batch) == 3
    before = len(smtp_sink.messages)
    duty = Actor("王值班", "staff", None, "127.0.0.1")
    at = T0 + timedelta(minutes=10)
    handling.relevel(rig.engine(), in_batch[0], at, duty, "orange", "多家媒体转载")
    handling.relevel(rig.engine(), alone, at, duty, "orange", "多家媒体转载")
    rig.deliverer().run_once(at)
    notices = {m["X-Yuqing-Alert-Id"]: m for _, m in smtp_sink.messages[before:]}
    assert notices[in_batch[0].id]["In-Reply-To"] == batch["Message-ID"]
    assert notices[in_batch[0].id]["References"] == batch["Message-ID"]
    assert notices[alone.id]["In-Reply-To"] == single["Message-ID"]


def test_quiet_hours_hold_non_red_until_morning(make_rig, smtp_sink):
    settings = AlertSettings(quiet_hours=QuietHours(start="22:00", end="07:00"))
    rig = make_rig([{**HOT, "level": "yellow"}, SAFETY], settings=settings)
    night = T0.replace(hour=23)
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"], when=night))
    rig.store.upsert_post(
        make_post(1, focus=["work_safety"], risk_flags=["casualties"], when=night)
    )
    _, d1 = rig.check_and_deliver(night)
    assert d1.sent == 2 and d1.held == 1  # red to emergency + duty
    d2 = rig.deliverer().run_once(night + timedelta(hours=2))
    assert d2.sent == 0
    d3 = rig.deliverer().run_once(night.replace(hour=7, minute=1) + timedelta(days=1))
    assert d3.sent == 1 and len(smtp_sink.messages) == 3


def test_rows_go_dead_after_max_attempts_and_can_be_retried(make_rig, smtp_sink):
    from yuqing.alerts.settings import RetrySettings

    settings = AlertSettings(retry=RetrySettings(max_attempts=2, base="1s"))
    rig = make_rig([SAFETY], settings=settings)
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"]))
    smtp_sink.stop()
    rig.check_and_deliver(T0)
    rig.deliverer().run_once(T0 + timedelta(seconds=10))
    assert rig.outbox.counts() == {"dead": 2}
    smtp_sink.start()
    assert rig.outbox.retry_dead(T0) == 2
    assert rig.deliverer().run_once(T0 + timedelta(seconds=20)).sent == 2


def test_consolidated_event_does_not_realert_and_escalates_when_grown(make_rig, smtp_sink):
    """Consolidation merged fragment f1 into e2 (aliases): the old alert is e2's own."""
    rig = make_rig([{**HOT, "window": "1h"}])
    rig.store.upsert_event(make_event("f1", size=10, focus=["wage_arrears"]))
    r1, _ = rig.check_and_deliver(T0)
    rig.store.delete_events(["f1"])
    merged = make_event("e2", size=12, focus=["wage_arrears"], when=T0 + timedelta(hours=2))
    merged.aliases = ["f1"]
    rig.store.upsert_event(merged)
    r2, _ = rig.check_and_deliver(T0 + timedelta(hours=2))
    assert len(r1.created) == 1 and r2.created == [] and len(r2.suppressed) == 1
    merged.size, merged.last_seen = 25, T0 + timedelta(hours=3)
    rig.store.upsert_event(merged)
    r3, _ = rig.check_and_deliver(T0 + timedelta(hours=3))
    (grown,) = r3.created
    assert grown.event_id == "e2" and grown.level == "red"
    assert grown.evidence["supersedes"] == r1.created[0].id
    subjects = [m["Subject"] for _, m in smtp_sink.messages]
    assert sum(s.startswith("【橙色预警】") for s in subjects) == 1
