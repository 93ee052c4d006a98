"""人工报送 — duty staff raise an alert about an event by hand (``alerts/manual.py``) on a real
store, outbox and SMTP server: routing, evidence, refusals, the rules' repeats, the CLI."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from tests.alerts.conftest import HOT, T0, make_event, make_post
from yuqing.alerts import handling
from yuqing.alerts.handling import Actor
from yuqing.alerts.manual import MANUAL_RULE, raise_alert
from yuqing.alerts.workflow import WorkflowError, due
from yuqing.cli import cli

DUTY = Actor("王值班", "staff", None, "127.0.0.1")
NOTE = "涉及群体讨薪，已有转发扩散迹象，请核实处置"


@pytest.fixture
def rig(make_rig):
    """Hotness rules (yellow from 50, red from 100) and a wage-arrears event under them
    (hotness 30), with its four messages stored: no rule alerts it."""
    rig = make_rig(
        [
            {**HOT, "level": "yellow"},
            {**HOT, "id": "hot_red", "level": "red", "options": {"threshold": 100}},
        ]
    )
    posts = [
        make_post(
            i,
            title=f"某工地拖欠农民工工资第{i}条",
            text=f"包工头拖欠工资 {i} 个月，多次讨要无果。",
            when=T0 - timedelta(hours=4 - i),
            event_id="e1",
            sentiment=-0.8,
        )
        for i in range(4)
    ]
    for p in posts:
        rig.store.upsert_post(p)
    event = make_event("e1", size=4, hotness=30.0, focus=["wage_arrears"], title="某工地拖欠工资")
    event.post_ids = [p.id for p in posts]
    rig.store.upsert_event(event)
    rig.event = event
    return rig


def test_a_manual_alert_is_routed_stored_and_delivered_like_a_rules_alert(rig, smtp_sink):
    assert rig.engine().check(T0).created == []  # the rules see nothing to alert
    a = raise_alert(rig.engine(), rig.event, T0, DUTY, "orange", NOTE)
    assert a.rule == MANUAL_RULE and a.level == "orange" and a.status == "open"
    assert a.event_id == "e1" and a.title == "某工地拖欠工资"
    assert a.departments[0] == "hrss"  # wage_arrears' lead unit, as routing does
    assert a.summary == f"网信办人工报送：{NOTE}"
    assert a.evidence["manual"] == {"by": "王值班", "note": NOTE}
    (entry,) = a.evidence["history"]
    assert (entry["action"], entry["by"], entry["role"], entry["at"]) == (
        "raise",
        "王值班",
        "staff",
        T0.isoformat(),
    )
    assert rig.store.get_alert(a.id) == a

    report = rig.deliverer().run_once(T0)
    assert report.sent == len(smtp_sink.messages) == len(a.departments)
    for _, m in smtp_sink.messages:
        assert m["Subject"] == "【橙色预警】某工地拖欠工资"
        assert m["X-Yuqing-Alert-Id"] == a.id
        assert NOTE not in m["Subject"]
        text = m.get_body(("plain",)).get_content()
        assert NOTE in text and "某工地拖欠农民工工资第3条" in text  # note and evidence
        assert "以下舆情经网信办值班人员研判后报送贵单位，请核实处置。" in text
        assert 'id="manual"' in m.get_body(("html",)).get_content()
        assert "相关信息：4 条" in text
    # deadlines are the level's, from delivery, as for any alert
    delivered = rig.store.get_alert(a.id)
    assert due(delivered, rig.settings, "ack") == T0 + timedelta(hours=4)


def test_chosen_departments_replace_routing(rig):
    a = raise_alert(rig.engine(), rig.event, T0, DUTY, "yellow", NOTE, ["construction", "", "hrss"])
    assert a.departments == ["construction", "hrss"]
    assert a.evidence["routing"] == ["chosen by 王值班"]


@pytest.mark.parametrize(
    ("level", "note", "departments", "says"),
    [
        ("purple", NOTE, None, "未知的等级"),
        ("yellow", "  ", None, "报送说明"),
        ("yellow", NOTE, ["nowhere"], "没有这个单位：nowhere"),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(rig, level, note, departments, says):
    with pytest.raises(WorkflowError, match=says):
        raise_alert(rig.engine(), rig.event, T0, DUTY, level, note, departments)
    assert list(rig.store.iter_alerts()) == []


def test_one_unresolved_alert_per_event(rig):
    a = raise_alert(rig.engine(), rig.event, T0, DUTY, "yellow", NOTE)
    later = T0 + timedelta(minutes=5)
    with pytest.raises(WorkflowError, match=f"已有未办结的预警 {a.id}"):
        raise_alert(rig.engine(), rig.event, later, DUTY, "red", "再报一次")
    handling.resolve(rig.store, rig.store.get_alert(a.id), later, DUTY, "已协调发放")
    b = raise_alert(rig.engine(), rig.event, later + timedelta(hours=1), DUTY, "yellow", "又有反映")
    assert b.id != a.id


def test_a_rules_match_on_the_event_is_a_repeat_of_the_manual_alert(rig):
    a = raise_alert(rig.engine(), rig.event, T0, DUTY, "orange", NOTE)
    hotter = make_event("e1", size=5, hotness=60.0, focus=["wage_arrears"], title="某工地拖欠工资")
    hotter.post_ids = rig.event.post_ids
    rig.store.upsert_event(hotter)  # the hotness rule (yellow) now matches the event
    result = rig.engine().check(T0 + timedelta(hours=1))
    assert result.created == []
    (d,) = result.decisions
    assert d.suppressed_by == a.id

    # a match above the manual alert's level is a new alert that supersedes it
    hottest = make_event(
        "e1", size=5, hotness=120.0, focus=["wage_arrears"], title="某工地拖欠工资"
    )
    hottest.post_ids = rig.event.post_ids
    rig.store.upsert_event(hottest)
    (b,) = rig.engine().check(T0 + timedelta(hours=2)).created
    assert b.rule == "hot_red" and b.evidence["supersedes"] == a.id
    assert rig.store.get_alert(a.id).evidence["superseded_by"] == b.id


def test_cli_raises_about_a_posts_event_and_refuses_a_second(rig, smtp_sink):
    post_id = rig.store.get_event("e1").post_ids[0]

    def yq(*args):
        return CliRunner().invoke(cli, ["--config", str(rig.cdir), *args])

    r = yq("alerts", "raise", post_id, "--level", "orange", "--note", NOTE, "--by", "李值班")
    assert r.exit_code == 0, r.output
    assert "manual" in r.output and "message(s) sent, 0 failed" in r.output
    (a,) = rig.store.iter_alerts()
    assert a.event_id == "e1" and a.evidence["manual"]["by"] == "李值班"
    assert len(smtp_sink.messages) == len(a.departments)
    r = yq("alerts", "raise", "e1", "--level", "red", "--note", "x")
    assert r.exit_code != 0 and f"已有未办结的预警 {a.id}" in r.output
    r = yq("alerts", "raise", "nope", "--level", "red", "--note", "x")
    assert r.exit_code != 0 and "no event or post 'nope'" in r.output
    r = yq("alerts", "raise", "e1", "--level", "purple", "--note", "x")
    assert r.exit_code != 0 and "--level: unknown level 'purple'" in r.output
