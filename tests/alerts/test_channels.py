"""E-mail and robot channels against real loopback servers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

import pytest

from tests.alerts.conftest import T0, load, write_config
from yuqing.alerts.channels import DeliveryError
from yuqing.alerts.channels.dingtalk import DingTalkChannel, sign
from yuqing.alerts.channels.email import EmailChannel
from yuqing.alerts.channels.wecom import WeComChannel
from yuqing.alerts.render import build, view
from yuqing.alerts.settings import AlertSettings
from yuqing.mail import header_safe, message_id
from yuqing.models import Alert

EVIL = "恶意标题\r\nBcc: victim@example.com\x00\x1b<script>alert(1)</script>"


def alert(level="red", title=EVIL) -> Alert:
    return Alert(
        id="abc123def456",
        level=level,
        rule="r",
        created_at=T0,
        title=title,
        summary="<b>摘要</b> & more",
        departments=["emergency", "cac"],
        evidence={"url": "http://x/?a=1&b=<2>"},
    )


def v(a: Alert, names: dict | None = None):
    return view(a, AlertSettings(), names or {}, T0)


def dept(cfg, did):
    return cfg.department(did)


def test_header_safe_strips_crlf_and_controls():
    assert header_safe("a\r\nb\tc\x00d\u200be") == "a b c d e"


@pytest.mark.parametrize(
    "level,tag",
    [
        ("red", "【红色预警】"),
        ("orange", "【橙色预警】"),
        ("yellow", "【黄色预警】"),
        ("blue", "【蓝色提示】"),
    ],
)
def test_email_subject_tag_headers_and_escaping(tmp_path, smtp_sink, level, tag):
    cfg = load(write_config(tmp_path, [], smtp_port=smtp_sink.port))
    ch = EmailChannel(cfg, AlertSettings())
    d = dept(cfg, "emergency")
    msg = build(
        "alert", [v(alert(level), {"emergency": "应急管理局"})], d, d.emails[0], "abc123def456"
    )
    ch.send(msg, d)
    ch.close()
    ((rcpts, got),) = smtp_sink.messages
    assert rcpts == ["yuqing@yjgl.gov.example"]
    assert got["Subject"].startswith(tag)
    assert "\n" not in got["Subject"] and "Bcc" not in got.keys()
    assert got["X-Yuqing-Alert-Id"] == "abc123def456"
    assert got["Message-ID"] == message_id("abc123def456", "yuqing@yjgl.gov.example")
    html = got.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;摘要&lt;/b&gt; &amp; more" in html
    text = got.get_body(("plain",)).get_content()
    assert "<b>摘要</b>" in text and "应急管理局" in text


def test_message_id_is_stable_per_alert_and_recipient():
    assert message_id("a", "x@y") == message_id("a", "x@y")
    assert message_id("a", "x@y") != message_id("a", "z@y")
    assert message_id("a", "x@y") != message_id("b", "x@y")


def test_smtp_down_raises_delivery_error(tmp_path, smtp_sink):
    cfg = load(write_config(tmp_path, [], smtp_port=smtp_sink.port))
    smtp_sink.stop()
    ch = EmailChannel(cfg, AlertSettings())
    d = dept(cfg, "emergency")
    with pytest.raises(DeliveryError):
        ch.send(build("alert", [v(alert())], d, d.emails[0], "k"), d)


DEPTS = [
    {
        "id": "cac",
        "name": "网信办",
        "emails": ["duty@x.example"],
        "duty": True,
        "webhooks": [
            {"kind": "dingtalk", "url_env": "T_DING_URL", "secret_env": "T_DING_SECRET"},
            {"kind": "wecom", "url_env": "T_WECOM_URL"},
        ],
    }
]


def test_dingtalk_signed_markdown(tmp_path, webhook_server, monkeypatch):
    monkeypatch.setenv("T_DING_URL", webhook_server.url + "/robot/send?access_token=t")
    monkeypatch.setenv("T_DING_SECRET", "SEC123")
    cfg = load(write_config(tmp_path, [], departments=DEPTS))
    d = dept(cfg, "cac")
    assert DingTalkChannel.targets(d) == ["T_DING_URL"]
    msg = build("alert", [v(alert())], d, "T_DING_URL", "k")
    DingTalkChannel(cfg, AlertSettings()).send(msg, d)
    (req,) = webhook_server.received
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(req["path"]).query)
    ts = int(q["timestamp"][0])
    expected = base64.b64encode(
        hmac.new(b"SEC123", f"{ts}\nSEC123".encode(), hashlib.sha256).digest()
    ).decode()
    assert q["sign"] == [expected] == [sign("SEC123", ts)] and q["access_token"] == ["t"]
    body = req["json"]
    assert body["msgtype"] == "markdown" and body["markdown"]["title"].startswith("【红色预警】")
    assert "<script>" not in body["markdown"]["text"] and "abc123def456" in body["markdown"]["text"]


def test_dingtalk_error_code_and_missing_env(tmp_path, webhook_server, monkeypatch):
    cfg = load(write_config(tmp_path, [], departments=DEPTS))
    d = dept(cfg, "cac")
    msg = build("alert", [v(alert())], d, "T_DING_URL", "k")
    monkeypatch.delenv("T_DING_URL", raising=False)
    with pytest.raises(DeliveryError, match="T_DING_URL"):
        DingTalkChannel(cfg, AlertSettings()).send(msg, d)
    monkeypatch.setenv("T_DING_URL", webhook_server.url + "/robot")
    monkeypatch.setenv("T_DING_SECRET", "s")
    webhook_server.answer = {"errcode": 310000, "errmsg": "sign not match"}
    with pytest.raises(DeliveryError, match="310000"):
        DingTalkChannel(cfg, AlertSettings()).send(msg, d)


def test_wecom_markdown(tmp_path, webhook_server, monkeypatch):
    monkeypatch.setenv("T_WECOM_URL", webhook_server.url + "/cgi-bin/webhook/send?key=k")
    cfg = load(write_config(tmp_path, [], departments=DEPTS))
    d = dept(cfg, "cac")
    WeComChannel(cfg, AlertSettings()).send(
        build("alert", [v(alert("blue"))], d, "T_WECOM_URL", "k"), d
    )
    (req,) = webhook_server.received
    assert req["path"].startswith("/cgi-bin/webhook/send")
    assert req["json"]["msgtype"] == "markdown"
    assert req["json"]["markdown"]["content"].startswith("### 【蓝色提示】")
