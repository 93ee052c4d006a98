"""The 政务新媒体 ledger: updates per week, warnings within a year, status (正常 / 预警 /
建议关停整改 past ``max_warnings``), status changes in the weekly digest, and the export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.alerts.conftest import T0, make_post
from tests.conftest import run_cli
from yuqing.alerts.ledger import ledger, status_changes
from yuqing.models import Alert

SOURCES = [
    {
        "id": sid,
        "kind": "feed",
        "urls": [f"http://127.0.0.1/{sid}.xml"],
        "name": name,
        "channel": ch,
        "owner": "bigdata",
    }
    for sid, name, ch in [
        ("wb-ok", "勤快发布", "weibo"),
        ("wx-quiet", "安静公众号", "wechat"),
        ("wb-zombie", "僵尸微博", "weibo"),
        ("portal", "门户", "portal"),
    ]
]
RULE = {"id": "sleep", "type": "dormancy", "level": "yellow", "options": {"max_warnings": 3}}


@pytest.fixture
def rig(make_rig):
    rig = make_rig([RULE], sources=SOURCES)
    n = 0
    for week in range(8):  # wb-ok: two posts a week
        for d in (1, 4):
            n += 1
            rig.store.upsert_post(
                make_post(
                    n, source_id="wb-ok", channel="weibo", when=T0 - timedelta(weeks=week, days=d)
                )
            )
    rig.store.upsert_post(
        make_post(100, source_id="wx-quiet", channel="wechat", when=T0 - timedelta(days=10))
    )
    for i, days_ago in enumerate((300, 200, 100, 3)):  # wb-zombie: the 4th warning 3 days ago
        rig.store.insert_alert(
            Alert(
                id=f"z{i}",
                level="yellow",
                rule="sleep",
                created_at=T0 - timedelta(days=days_ago),
                source_id="wb-zombie",
                evidence={"reason": "dormant"},
            )
        )
    return rig


def test_ledger_statuses_weekly_updates_and_warnings(rig):
    rows = {a.source_id: a for a in ledger(rig.cfg, rig.store, T0)}
    assert set(rows) == {"wb-ok", "wx-quiet", "wb-zombie"}  # portals are not new media
    ok, quiet, zombie = rows["wb-ok"], rows["wx-quiet"], rows["wb-zombie"]
    assert (ok.status, ok.status_name, ok.weekly, ok.warnings) == ("normal", "正常", [2] * 8, 0)
    assert (quiet.status_name, quiet.warnings) == ("预警", 0)  # silent > 7 days
    assert quiet.weekly == [0] * 6 + [1, 0]
    assert (zombie.status_name, zombie.warnings) == ("建议关停整改", 4)
    assert [a.source_id for a in ledger(rig.cfg, rig.store, T0)][0] == "wb-zombie"


def test_status_changes_over_a_week_reach_the_weekly_digest(rig):
    from yuqing.dashboards.digest import build
    from yuqing.dashboards.period import Period

    changes = status_changes(rig.cfg, rig.store, T0 - timedelta(days=7), T0)
    assert {(a.source_id, was, a.status) for a, was in changes} == {
        ("wx-quiet", "normal", "warned"),
        ("wb-zombie", "warned", "rectify"),
    }
    week = Period("weekly", (T0 - timedelta(days=6)).date(), T0.date(), "Asia/Shanghai")
    text = build(rig.cfg, rig.store, week, T0 + timedelta(hours=1)).text
    assert "政务新媒体账号状态变化" in text
    assert "僵尸微博（政务微博）：预警 → 建议关停整改，近一年提醒 4 次" in text


def test_export_accounts(rig):
    rig.store.close()
    proc = run_cli("--config", str(rig.cdir), "export", "accounts", check=True)
    rows = {r["source_id"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert (
        rows["wb-zombie"]["status"] == "rectify"
        and rows["wb-zombie"]["status_name"] == "建议关停整改"
    )
    assert rows["wb-ok"]["last_post_at"].startswith(str((T0 - timedelta(days=1)).date()))
