"""研判 / 调整等级 in the console over real HTTP: the form, CSRF, the queue's order, the
history, the notices on the real SMTP server, and the liaison's page."""

from __future__ import annotations

import re

import requests

from tests.console.conftest import EVIL, form_csrf
from yuqing.models import Alert

HRSS = "yuqing@hrss.gov.example"


def _queue_ids(text: str) -> list[str]:
    table = text.split('id="queue"', 1)[1]
    return list(dict.fromkeys(re.findall(r'href="/alerts/([0-9a-z]+)"', table)))


def test_staff_raises_an_alert_to_red(rig):
    other = Alert.from_dict(
        {**rig.alert.to_dict(), "id": "0" * 20, "level": "orange", "title": "另一条橙色预警"}
    )
    rig.store.insert_alert(other)
    s = rig.login()
    assert _queue_ids(s.get(f"{rig.base}/").text) == [other.id, rig.alert.id]
    page = s.get(f"{rig.base}/alerts/{rig.alert.id}")
    assert f'action="/alerts/{rig.alert.id}/relevel"' in page.text
    assert 'name="reason" required' in page.text
    before = len(rig.sink.messages)

    # without the form's CSRF token: refused, nothing changes
    r = s.post(
        f"{rig.base}/alerts/{rig.alert.id}/relevel", data={"level": "red", "reason": "事态扩大"}
    )
    assert r.status_code == 400
    r = s.post(
        f"{rig.base}/alerts/{rig.alert.id}/relevel",
        data={"csrf": "forged", "level": "red", "reason": "事态扩大"},
    )
    assert r.status_code == 400
    assert rig.store.get_alert(rig.alert.id).level == "yellow"

    csrf = form_csrf(page.text)
    r = s.post(
        f"{rig.base}/alerts/{rig.alert.id}/relevel",
        data={"csrf": csrf, "level": "yellow", "reason": "x"},
    )
    assert r.status_code == 409 and "已是黄色预警" in r.text
    r = s.post(
        f"{rig.base}/alerts/{rig.alert.id}/relevel",
        data={"csrf": csrf, "level": "red", "reason": " "},
    )
    assert r.status_code == 409 and "研判意见" in r.text

    reason = f"多家媒体转载{EVIL}"
    r = s.post(
        f"{rig.base}/alerts/{rig.alert.id}/relevel",
        data={"csrf": csrf, "level": "red", "reason": reason},
    )
    assert r.status_code == 200 and "已调整等级为红色预警" in r.text
    assert EVIL not in r.text
    history = r.text.split('id="history"', 1)[1]
    assert "多家媒体转载&lt;script&gt;" in history
    assert "等级调整" in history and "黄色预警 → 红色预警" in history and "值班员甲" in history
    a = rig.store.get_alert(rig.alert.id)
    assert a.level == "red" and a.evidence["original_level"] == "yellow"
    assert _queue_ids(s.get(f"{rig.base}/").text) == [rig.alert.id, other.id]

    mails = rig.sink.messages[before:]  # delivered at once, duty office copied (red)
    assert sorted(r[0] for r, _ in mails) == sorted(
        [HRSS, "yuqing@construction.gov.example", "duty@cac.gov.example"]
    )
    for _, m in mails:
        assert m["Subject"].startswith("【红色预警】【等级上调】")
        assert m["X-Yuqing-Alert-Id"] == rig.alert.id
        assert "多家媒体转载" not in m["Subject"]  # the reason stays out of the headers
        body = m.get_body(("html",)).get_content()
        assert EVIL not in body and "多家媒体转载" in body

    # the liaison's signed link shows the current level
    liaison = requests.get(rig.link(HRSS))
    assert liaison.status_code == 200
    assert "红色预警" in liaison.text and 'id="level-note"' in liaison.text
    assert "黄色预警" in liaison.text.split('id="level-note"', 1)[1].split("</p>", 1)[0]
