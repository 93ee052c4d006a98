"""Duty staff over real HTTP: sign in, the queue, decisions (延期, 转办/改派, 督办), 回访,
department metrics, events, sources and the digest archive."""

from __future__ import annotations

import re
from datetime import timedelta

import requests

from tests.alerts.conftest import make_post
from tests.console.conftest import EVIL, SECRET, ConsoleRig, form_csrf
from yuqing.storage.base import SourceState

HRSS = "yuqing@hrss.gov.example"


def _post(s, rig, path, **data):
    page = s.get(f"{rig.base}{path.rsplit('/', 1)[0]}")
    return s.post(f"{rig.base}{path}", data={"csrf": form_csrf(page.text), **data})


def test_queue_shows_open_alerts_with_deadlines_and_overdue(rig):
    s = rig.login()
    assert s.last.status_code == 303
    page = s.get(f"{rig.base}/")
    assert page.status_code == 200 and rig.alert.id in page.text
    assert "黄色预警" in page.text and "签收" in page.text and "已超时" not in page.text
    assert EVIL not in page.text
    # an unknown filter is the default view, not a heading "<filter>预警" over nothing
    bogus = s.get(f"{rig.base}/?status=bogus").text
    assert "bogus" not in bogus and "<h1>待办预警</h1>" in bogus and rig.alert.id in bogus
    rig.clock.at += timedelta(days=2)  # past the 24h 签收时限 (and the session's life)
    assert "已超时" in rig.login().get(f"{rig.base}/").text


def test_reassign_sends_the_alert_to_the_new_department(rig):
    s = rig.login()
    before = len(rig.sink.messages)
    r = _post(
        s, rig, f"/alerts/{rig.alert.id}/reassign", departments=["construction"], note="工程款"
    )
    assert r.status_code == 200 and "已改派" in r.text
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.departments == ["construction"] and alert.status == "open"
    new = rig.sink.messages[before:]
    assert [r for r, _ in new] == []  # construction was already routed: no second message
    # the old lead's link no longer works
    page = requests.get(rig.link(HRSS))
    assert page.status_code == 403 and "改派" in page.text
    r = _post(s, rig, f"/alerts/{rig.alert.id}/reassign", departments=["emergency"])
    assert [rc for rc, _ in rig.sink.messages[before:]] == [["yuqing@yjgl.gov.example"]]


def test_transfer_request_approved_by_staff(rig):
    link = rig.link(HRSS)
    csrf = form_csrf(requests.get(link).text)
    requests.post(f"{link}/transfer", data={"csrf": csrf, "to": "emergency", "reason": "安全事故"})
    s = rig.login()
    page = s.get(f"{rig.base}/alerts/{rig.alert.id}")
    assert "申请转办至 应急管理局" in page.text
    r = _post(s, rig, f"/alerts/{rig.alert.id}/reassign", departments="emergency")
    alert = rig.store.get_alert(rig.alert.id)
    assert r.status_code == 200 and alert.departments == ["emergency"]
    assert alert.evidence["transfer_request"]["status"] == "approved"


def test_extension_approved_moves_the_resolve_deadline(rig):
    link = rig.link(HRSS)
    csrf = form_csrf(requests.get(link).text)
    requests.post(
        f"{link}/extend", data={"csrf": csrf, "until": "2026-12-30T18:00", "reason": "需协调"}
    )
    s = rig.login()
    _post(s, rig, f"/alerts/{rig.alert.id}/approve_extension", note="同意")
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.evidence["extended_until"].startswith("2026-12-30T18:00")
    assert "2026-12-30 18:00" in requests.get(link).text


def test_escalate_sends_a_supervision_notice(rig):
    s = rig.login()
    before = len(rig.sink.messages)
    r = _post(s, rig, f"/alerts/{rig.alert.id}/escalate", note="请立即处置")
    assert r.status_code == 200
    assert rig.store.get_alert(rig.alert.id).status == "escalated"
    subjects = [m["Subject"] for _, m in rig.sink.messages[before:]]
    assert subjects and all("【督办升级】" in x for x in subjects)


def test_followup_unsatisfied_reopens(rig):
    link = rig.link(HRSS)
    csrf = form_csrf(requests.get(link).text)
    requests.post(f"{link}/resolve", data={"csrf": csrf, "outcome": "已处理"})
    s = rig.login()
    _post(s, rig, f"/alerts/{rig.alert.id}/followup", satisfied="no", note="群众反映仍未发放")
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.status == "acked" and alert.resolved_at is None
    assert alert.evidence["followup"]["satisfied"] is False


def test_department_metrics_events_sources_digests(rig):
    link = rig.link(HRSS)
    csrf = form_csrf(requests.get(link).text)
    requests.post(f"{link}/ack", data={"csrf": csrf})
    s = rig.login()
    page = s.get(f"{rig.base}/departments")
    assert page.status_code == 200 and "人力社保局" in page.text
    assert '<td class="ack-rate">100%</td>' in page.text
    assert '<td class="resolve-rate">0%</td>' in page.text
    event = rig.store.get_event("e1")
    event.region = "白水洋镇"
    rig.store.upsert_event(event)
    rig.store.flush()
    events = s.get(f"{rig.base}/events?days=3650")
    assert "某工地欠薪" in events.text and EVIL not in events.text
    assert '<th class="hide-narrow">地区</th>' in events.text  # each event's region column
    assert '<td class="hide-narrow">白水洋镇</td>' in events.text
    event = s.get(f"{rig.base}/events/e1")
    assert event.status_code == 200 and "工地拖欠工资" in event.text and EVIL not in event.text
    assert s.get(f"{rig.base}/sources").status_code == 200
    ledger = s.get(f"{rig.base}/ledger")
    assert ledger.status_code == 200 and "政务新媒体台账" in ledger.text
    folder = rig.cfg.path("var/digests")
    folder.mkdir(parents=True)
    (folder / "2026-11-20.html").write_text("<p>日报</p>", encoding="utf-8")
    listing = s.get(f"{rig.base}/digests")
    assert "【舆情日报】2026-11-20" in listing.text
    assert s.get(f"{rig.base}/digests/2026-11-20.html").text == "<p>日报</p>"
    assert s.get(f"{rig.base}/digests/..%2Fconfig%2Fsettings.yaml").status_code == 404


def test_sources_page_says_which_sources_fail_and_why(tmp_path, smtp_sink, monkeypatch):
    """A source whose last crawl failed is not shown as 正常 while it is still under
    `crawl.unhealthy_after`; the crawl's reason (`bad_feed <url>`) is shown in Chinese."""
    monkeypatch.setenv("YUQING_CONSOLE_SECRET", SECRET)
    feed = {"kind": "feed", "channel": "wechat", "owner": "cac"}
    sources = [
        {"id": "ok", "name": "正常的源", "urls": ["http://127.0.0.1:9/ok.xml"], **feed},
        {"id": "once", "name": "失败一次", "urls": ["http://127.0.0.1:9/b.xml"], **feed},
        {"id": "down", "name": "持续失败", "urls": ["http://127.0.0.1:9/d.xml"], **feed},
        {"id": "new", "name": "尚未采集", "urls": ["http://127.0.0.1:9/n.xml"], **feed},
    ]
    rig = ConsoleRig(tmp_path, smtp_sink, sources=sources)
    try:
        rig.store.save_source_state(
            SourceState("ok", last_crawl_at=rig.clock(), last_new_at=rig.clock())
        )
        old = rig.clock().replace(year=2019, month=12, day=25, hour=23, minute=7)
        rig.store.upsert_post(
            make_post(1, source_id="ok", channel="wechat", title="最后一条", when=old)
        )
        rig.store.save_source_state(
            SourceState(
                "once", consecutive_failures=1, last_error="bad_feed http://127.0.0.1:9/b.xml"
            )
        )
        rig.store.save_source_state(
            SourceState(
                "down", consecutive_failures=3, healthy=False, last_error=f"http_503 {EVIL}"
            )
        )
        page = rig.start().login().get(f"{rig.base}/sources").text
        rows = dict(re.findall(r"<tr><td>([^<]+)</td>.*?</td>\s*<td[^>]*>([^<]*)</td>", page, re.S))
        assert rows["正常的源"] == "正常"
        assert (
            rows["失败一次"] == "采集失败 1 次：订阅源格式错误（bad_feed）http://127.0.0.1:9/b.xml"
        )
        assert rows["持续失败"].startswith("异常：HTTP 503 错误（http_503）")
        assert rows["尚未采集"] == "未采集"
        # when it last published, not only when posts were last collected (today)
        published = re.findall(r'<td class="published">([^<]*)</td>', page)
        assert published == ["2019-12-25 23:07", "—", "—", "—"], published
        assert EVIL not in page
    finally:
        rig.close()
