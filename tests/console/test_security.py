"""Attacks on the console over real HTTP: tampered, expired and foreign links, a liaison
reaching another department's alert, CSRF, session fixation and expiry, brute-force
sign-in, and script injection through crawled text."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from tests.console.conftest import EVIL, PASSWORD, SECRET, form_csrf
from yuqing.alerts.links import LinkSigner

HRSS = "yuqing@hrss.gov.example"


def _split(link: str) -> tuple[str, str, str]:
    base, alert_id, token = re.match(r"(.*)/r/(\w+)/([\w.-]+)$", link).groups()
    return base, alert_id, token


def test_tampered_token_is_refused_and_acts_on_nothing(rig):
    base, alert_id, token = _split(rig.link(HRSS))
    bad = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    page = requests.get(f"{base}/r/{alert_id}/{bad}")
    assert page.status_code == 403 and 'data-reason="tampered"' in page.text
    r = requests.post(f"{base}/r/{alert_id}/{bad}/ack", data={"csrf": "x"})
    assert r.status_code == 403
    assert rig.store.get_alert(alert_id).status == "open"


def test_expired_link(rig):
    link = rig.link(HRSS)
    csrf = form_csrf(requests.get(link).text)
    rig.clock.at += timedelta(days=31)  # console.link_ttl 30d
    page = requests.get(link)
    assert page.status_code == 403 and 'data-reason="expired"' in page.text
    assert requests.post(f"{link}/ack", data={"csrf": csrf}).status_code == 403
    assert rig.store.get_alert(rig.alert.id).status == "open"


def test_link_on_another_alerts_url_is_foreign(rig):
    from tests.alerts.conftest import make_event

    rig.store.upsert_event(make_event("e2", size=3, focus=["wage_arrears"], title="另一事件"))
    other = [a for a in rig.engine.check(rig.alert.created_at).created if a.id != rig.alert.id]
    assert other
    base, _, token = _split(rig.link(HRSS))
    page = requests.get(f"{base}/r/{other[0].id}/{token}")
    assert page.status_code == 403 and 'data-reason="foreign"' in page.text


def test_liaison_cannot_open_another_departments_alert(rig):
    # a validly signed link for a department the alert is not routed to
    signer = LinkSigner(SECRET, 86400)
    token = signer.sign(rig.alert.id, "police", "yuqing@police.gov.example", rig.clock.at)
    page = requests.get(f"{rig.base}/r/{rig.alert.id}/{token}")
    assert page.status_code == 403 and 'data-reason="moved"' in page.text
    r = requests.post(f"{rig.base}/r/{rig.alert.id}/{token}/ack", data={"csrf": "x"})
    assert r.status_code == 403 and rig.store.get_alert(rig.alert.id).status == "open"


def test_link_signed_with_another_secret_is_tampered(rig):
    token = LinkSigner("another-secret-0123456789", 86400).sign(
        rig.alert.id, "hrss", HRSS, rig.clock.at
    )
    assert requests.get(f"{rig.base}/r/{rig.alert.id}/{token}").status_code == 403


def test_liaison_post_without_or_with_wrong_csrf_is_rejected(rig):
    link = rig.link(HRSS)
    refused = requests.post(f"{link}/ack")
    assert refused.status_code == 400
    # a page in Chinese that says nothing was done (Flask's own is an English "Bad Request")
    assert "请求无效" in refused.text and "未做任何操作" in refused.text
    assert "Bad Request" not in refused.text
    other_link = rig.link("yuqing@construction.gov.example")
    other_csrf = form_csrf(requests.get(other_link).text)
    assert requests.post(f"{link}/ack", data={"csrf": other_csrf}).status_code == 400
    assert rig.store.get_alert(rig.alert.id).status == "open"


def test_staff_pages_need_sign_in_and_csrf(rig):
    r = requests.get(f"{rig.base}/", allow_redirects=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = requests.post(f"{rig.base}/alerts/{rig.alert.id}/escalate", allow_redirects=False)
    assert r.status_code == 302 and rig.store.get_alert(rig.alert.id).status == "open"
    s = rig.login()
    r = s.post(f"{rig.base}/alerts/{rig.alert.id}/escalate", data={"note": "x"})
    assert r.status_code == 400
    r = s.post(f"{rig.base}/alerts/{rig.alert.id}/escalate", data={"csrf": "forged"})
    assert r.status_code == 400
    assert rig.store.get_alert(rig.alert.id).status == "open"


def test_login_form_needs_its_csrf_cookie(rig):
    r = requests.post(
        f"{rig.base}/login",
        data={"csrf": "x", "username": "duty", "password": PASSWORD},
        allow_redirects=False,
    )
    assert r.status_code == 400 and "yuqing_session" not in r.cookies


def test_session_fixation_a_planted_cookie_is_never_adopted(rig):
    s = requests.Session()
    s.cookies.set("yuqing_session", "attacker-chosen-id", domain="127.0.0.1")
    page = s.get(f"{rig.base}/login")
    s.post(
        f"{rig.base}/login",
        data={"csrf": form_csrf(page.text), "username": "duty", "password": PASSWORD},
    )
    issued = s.cookies.get("yuqing_session")
    assert issued and issued != "attacker-chosen-id"
    attacker = requests.Session()
    attacker.cookies.set("yuqing_session", "attacker-chosen-id", domain="127.0.0.1")
    assert attacker.get(f"{rig.base}/", allow_redirects=False).status_code == 302
    # and a new sign-in from the same browser gets yet another id
    first = issued
    s2 = rig.login()
    assert s2.cookies.get("yuqing_session") != first


def test_session_cookie_flags_expiry_and_logout(rig):
    s = rig.login()
    cookie = s.last.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert s.get(f"{rig.base}/", allow_redirects=False).status_code == 200
    rig.clock.at += timedelta(minutes=59)
    assert s.get(f"{rig.base}/", allow_redirects=False).status_code == 200
    rig.clock.at += timedelta(minutes=61)  # idle past console.session_idle (1h)
    assert s.get(f"{rig.base}/", allow_redirects=False).status_code == 302
    s = rig.login()
    for _ in range(9):  # active, but past console.session_ttl (8h) from sign-in
        rig.clock.at += timedelta(minutes=55)
        status = s.get(f"{rig.base}/", allow_redirects=False).status_code
    assert status == 302
    s = rig.login()
    page = s.get(f"{rig.base}/")
    kept = s.cookies.get("yuqing_session")
    s.post(f"{rig.base}/logout", data={"csrf": form_csrf(page.text)})
    replay = requests.Session()
    replay.cookies.set("yuqing_session", kept, domain="127.0.0.1")
    assert replay.get(f"{rig.base}/", allow_redirects=False).status_code == 302


def test_brute_force_sign_in_is_throttled(rig):
    for _ in range(5):
        assert rig.login(password="wrong-password").last.status_code == 401
    blocked = rig.login()  # the right password, but too many failures
    assert blocked.last.status_code == 429 and "次数过多" in blocked.last.text
    rig.clock.at += timedelta(minutes=16)
    assert rig.login().last.status_code == 303


def test_unknown_user_and_wrong_password_look_the_same(rig):
    a = rig.login(username="nobody", password="whatever-123")
    b = rig.login(password="whatever-123")
    assert a.last.status_code == b.last.status_code == 401
    assert "用户名或密码错误" in a.last.text and "用户名或密码错误" in b.last.text


@pytest.mark.parametrize("path", ["/", "/alerts/{id}", "/events/e1"])
def test_crawled_text_is_escaped_on_staff_pages(rig, path):
    s = rig.login()
    page = s.get(rig.base + path.format(id=rig.alert.id) + ("?status=open" if path == "/" else ""))
    assert page.status_code == 200
    assert EVIL not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text


def test_response_text_and_url_are_escaped(rig):
    link = rig.link(HRSS)
    csrf = form_csrf(requests.get(link).text)
    r = requests.post(f"{link}/respond", data={"csrf": csrf, "text": EVIL, "url": ""})
    assert r.status_code == 200 and EVIL not in r.text
    r = requests.post(
        f"{link}/respond", data={"csrf": csrf, "text": "x", "url": "javascript:alert(1)"}
    )
    assert r.status_code == 409 and "http" in r.text


def test_an_unexpected_error_is_a_chinese_page(rig, monkeypatch):
    def broken(alert_id):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(rig.store, "get_alert", broken)
    page = requests.get(rig.link(HRSS))
    assert page.status_code == 500
    assert "系统出错" in page.text and "Internal Server Error" not in page.text
    assert "disk on fire" not in page.text  # no internals shown
