"""人工报送 in the console over real HTTP: the event page's form, CSRF, refusals, the alert it
raises (its page, history and the e-mail on the real SMTP server), escaping."""

from __future__ import annotations

import requests

from tests.console.conftest import EVIL, form_csrf, quiet_event


def test_staff_raise_an_alert_from_an_event_page(rig):
    event = quiet_event(rig)
    s = rig.login()
    page = s.get(f"{rig.base}/events/e2")
    assert page.status_code == 200
    assert 'action="/events/e2/raise"' in page.text and 'name="note" required' in page.text
    assert EVIL not in page.text
    before = len(rig.sink.messages)

    # without the form's token, or with a forged one: refused, nothing raised
    for data in ({"level": "orange", "note": "x"}, {"csrf": "forged", "level": "orange"}):
        assert s.post(f"{rig.base}/events/e2/raise", data=data).status_code == 400
    assert [a.event_id for a in rig.store.iter_alerts()] == ["e1"]

    csrf = form_csrf(page.text)
    r = s.post(f"{rig.base}/events/e2/raise", data={"csrf": csrf, "level": "orange", "note": " "})
    assert r.status_code == 409 and "报送说明" in r.text

    note = f"油烟扰民持续多日{EVIL}"
    r = s.post(
        f"{rig.base}/events/e2/raise",
        data={"csrf": csrf, "level": "orange", "note": note, "departments": ["", ""]},
    )
    assert r.status_code == 200 and "已报送橙色预警" in r.text
    assert EVIL not in r.text
    history = r.text.split('id="history"', 1)[1]
    assert (
        "人工报送" in history
        and "值班员甲" in history
        and "油烟扰民持续多日&lt;script&gt;" in history
    )
    (a,) = [a for a in rig.store.iter_alerts() if a.event_id == "e2"]
    assert a.rule == "manual" and a.level == "orange" and a.title == event.title
    assert a.departments[0] == "ecology"  # routed by the event's focus topic

    mails = rig.sink.messages[before:]  # delivered at once
    assert len(mails) == len(a.departments)
    for _, m in mails:
        assert m["X-Yuqing-Alert-Id"] == a.id and m["Subject"].startswith("【橙色预警】夜市油烟")
        assert "油烟扰民持续多日" not in m["Subject"]
        body = m.get_body(("html",)).get_content()
        assert EVIL not in body and "油烟扰民持续多日" in body

    # the event page now points at the alert instead of offering a second one
    page = s.get(f"{rig.base}/events/e2")
    assert f'href="/alerts/{a.id}"' in page.text and 'action="/events/e2/raise"' not in page.text
    r = s.post(f"{rig.base}/events/e2/raise", data={"csrf": csrf, "level": "red", "note": "x"})
    assert r.status_code == 409 and a.id in r.text


def test_staff_choose_the_lead_unit(rig):
    quiet_event(rig)
    s = rig.login()
    csrf = form_csrf(s.get(f"{rig.base}/events/e2").text)
    r = s.post(
        f"{rig.base}/events/e2/raise",
        data={"csrf": csrf, "level": "yellow", "note": "请人社局牵头", "departments": ["hrss", ""]},
    )
    assert r.status_code == 200
    (a,) = [a for a in rig.store.iter_alerts() if a.event_id == "e2"]
    assert a.departments == ["hrss"]


def test_without_signing_in_nothing_is_raised(rig):
    quiet_event(rig)
    s = rig.login(password="wrong")  # the sign-in fails: no session
    r = s.post(
        f"{rig.base}/events/e2/raise", data={"level": "red", "note": "x"}, allow_redirects=False
    )
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert [a.event_id for a in rig.store.iter_alerts()] == ["e1"]


def test_staff_open_the_report_on_an_event(rig):
    """舆情专报 from the event page: a GET with the 研判意见, escaped; sign-in required."""
    s = rig.login()
    page = s.get(f"{rig.base}/events/e1")
    assert 'action="/events/e1/report"' in page.text and 'method="get"' in page.text
    r = s.get(f"{rig.base}/events/e1/report", params={"note": f"建议约谈{EVIL}"})
    assert r.status_code == 200 and r.text.startswith("<!DOCTYPE html>")
    assert "【舆情专报】某工地欠薪" in r.text and EVIL not in r.text
    assert "建议约谈&lt;script&gt;" in r.text
    assert f"编号 {rig.alert.id}" in r.text  # the event's alert under 处置情况
    assert s.get(f"{rig.base}/events/nope/report").status_code == 404
    anon = requests.get(f"{rig.base}/events/e1/report", allow_redirects=False)
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]


def test_the_events_list_shows_each_events_alert(rig):
    quiet_event(rig)
    s = rig.login()

    def row(text: str, event_id: str) -> str:
        table = text.split('id="events"', 1)[1]
        return next(r for r in table.split("<tr>") if f'href="/events/{event_id}"' in r)

    page = s.get(f"{rig.base}/events").text
    assert f'href="/alerts/{rig.alert.id}"' in row(page, "e1") and "待签收" in row(page, "e1")
    assert "未预警" in row(page, "e2")
    csrf = form_csrf(s.get(f"{rig.base}/events/e2").text)
    s.post(f"{rig.base}/events/e2/raise", data={"csrf": csrf, "level": "red", "note": "紧急"})
    (a,) = [a for a in rig.store.iter_alerts() if a.event_id == "e2"]
    page = s.get(f"{rig.base}/events").text
    assert f'href="/alerts/{a.id}"' in row(page, "e2") and "红色预警" in row(page, "e2")
