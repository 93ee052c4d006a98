"""The liaison's loop over real HTTP: the link from the e-mail opens the alert; 签收 → 回应 with
the official reply's URL → 办结 change the stored alert, its history and the metrics."""

from __future__ import annotations

from datetime import timedelta

import requests

from tests.console.conftest import EVIL, form_csrf
from yuqing.alerts.settings import alert_settings
from yuqing.alerts.stats import department_stats

HRSS = "yuqing@hrss.gov.example"


def test_open_ack_respond_resolve_from_the_emailed_link(rig):
    link = rig.link(HRSS)
    page = requests.get(link)
    assert page.status_code == 200
    assert "黄色预警" in page.text and "人力社保局" in page.text
    assert "签收时限" in page.text and "办结时限" in page.text
    assert "工地拖欠工资" in page.text  # the evidence messages
    assert EVIL not in page.text and "&lt;script&gt;" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src" not in page.headers["Content-Security-Policy"]

    csrf = form_csrf(page.text)
    r = requests.post(f"{link}/ack", data={"csrf": csrf}, allow_redirects=False)
    assert r.status_code == 303 and "ok=ack" in r.headers["Location"]
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.status == "acked" and alert.acked_at == rig.clock.at

    rig.clock.at += timedelta(hours=2)
    r = requests.post(
        f"{link}/respond",
        data={"csrf": csrf, "url": "https://gov.example/hf/1.html", "text": "已约谈项目方"},
    )
    assert r.status_code == 200 and "https://gov.example/hf/1.html" in r.text
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.responded_at == rig.clock.at
    assert alert.evidence["responses"][0]["url"] == "https://gov.example/hf/1.html"

    rig.clock.at += timedelta(hours=1)
    r = requests.post(f"{link}/resolve", data={"csrf": csrf, "outcome": "工资已足额发放"})
    assert r.status_code == 200 and "已办结" in r.text
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.status == "resolved" and alert.evidence["outcome"] == "工资已足额发放"
    history = alert.evidence["history"]
    assert [h["action"] for h in history] == ["ack", "respond", "resolve"]
    assert all(
        h["role"] == "liaison"
        and h["by"] == HRSS
        and h["department"] == "hrss"
        and h["address"] == "127.0.0.1"
        for h in history
    )

    (row,) = [
        s
        for s in department_stats(
            rig.cfg,
            rig.store,
            alert_settings(rig.cfg),
            rig.alert.created_at - timedelta(days=1),
            rig.clock.at,
        )
        if s.department == "hrss"
    ]
    assert (row.ack_rate, row.response_rate, row.resolve_rate) == (1.0, 1.0, 1.0)
    assert row.median_ack_minutes == 10.0 and row.median_response_minutes == 130.0

    # the same link after 办结: a clear page, never an action
    again = requests.post(f"{link}/ack", data={"csrf": csrf})
    assert again.status_code == 409 and "已办结" in again.text
    assert "/ack" not in requests.get(link).text


def test_one_tap_ack_link_opens_the_page_and_acknowledges_nothing(rig):
    page = requests.get(rig.link(HRSS) + "?do=ack")
    assert page.status_code == 200 and 'id="ack"' in page.text
    assert rig.store.get_alert(rig.alert.id).status == "open"


def test_extension_and_transfer_requests_wait_for_the_duty_office(rig):
    link = rig.link(HRSS)
    csrf = form_csrf(requests.get(link).text)
    r = requests.post(
        f"{link}/extend",
        data={"csrf": csrf, "until": "2026-12-10T18:00", "reason": "需协调劳动监察大队"},
    )
    assert r.status_code == 200 and "待网信办审核" in r.text
    r = requests.post(
        f"{link}/transfer", data={"csrf": csrf, "to": "construction", "reason": "属工程款纠纷"}
    )
    assert r.status_code == 200 and "待网信办确认" in r.text
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.evidence["extension_request"]["status"] == "pending"
    assert alert.evidence["transfer_request"]["to"] == "construction"
    assert alert.departments == ["hrss", "construction"]  # nothing moves before the decision


def test_liaison_confirms_a_linked_official_reply(rig):
    from tests.alerts.conftest import make_post
    from yuqing.alerts.replies import link_replies

    reply = make_post(
        90,
        title=f"关于某工地欠薪{EVIL}问题的回复",
        text="人社局已督促企业发放工资。",
        when=rig.alert.created_at + timedelta(hours=3),
        channel="portal",
        source_id="gov",
    )
    rig.store.upsert_post(reply)
    assert link_replies(rig.store, rig.clock.at + timedelta(hours=4), timedelta(days=7)) == 1
    link = rig.link(HRSS)
    page = requests.get(link)
    assert "疑似官方回复" in page.text and EVIL not in page.text
    r = requests.post(
        f"{link}/confirm_reply", data={"csrf": form_csrf(page.text), "post_id": reply.id}
    )
    assert r.status_code == 200 and "已确认官方回复" in r.text
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.responded_at == rig.alert.created_at + timedelta(hours=3)
    assert alert.evidence["responses"][0]["post_id"] == reply.id
