"""The issue's "done when", end to end through the CLI: `yuqing demo` mails an alert to the
local SMTP sink; its link, opened on `yuqing serve`, takes 签收 → 回应 with a URL → 办结; the
change shows in `alerts list`, `alerts stats`, the next digest and the console's department
metrics, and the demo's printed sign-in works."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys

import pytest
import requests

from tests.conftest import ROOT, run_cli
from tests.console.conftest import form_csrf


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "run"
    env = {"YUQING_CONSOLE_SECRET": "", "YUQING_DEMO_PASSWORD": ""}
    proc = run_cli("--config", str(ROOT / "config"), "demo", "--out", str(out), env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, proc.stdout


@pytest.fixture
def served(demo):
    out, printed = demo
    secret = (out / "console.env").read_text().strip().split("=", 1)[1]
    env = {**os.environ, "YUQING_CONSOLE_SECRET": secret}
    server = subprocess.Popen(
        [sys.executable, "-m", "yuqing", "--config", str(out / "config"), "serve"],
        cwd=ROOT,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = re.search(r"console:\s+(\S+)/", printed).group(1)
    # `serve` prints its URL once it listens; wait for that line from *this* process, so a
    # server another run left on the demo's port is never the one answering
    first = server.stdout.readline()
    if not first.startswith(f"console: {url}/"):
        server.kill()
        pytest.fail(f"yuqing serve did not listen on {url}: {first}{server.stderr.read()}")
    yield url, env
    server.terminate()
    server.wait(timeout=20)


def _wage_mail(out):
    for path in sorted((out / "mail").glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if "工资拖欠" in msg["Subject"]:
            return msg
    raise AssertionError("no wage-arrears alert mail")


def test_demo_prints_the_console_and_a_generated_sign_in(demo):
    out, printed = demo
    assert re.search(r"console:\s+http://127\.0\.0\.1:\d+/", printed)
    assert re.search(r"sign in:\s+duty / \S{8,}\s+\(generated for this run\)", printed)
    assert "liaison link:" in printed
    assert (out / "console.env").stat().st_mode & 0o077 == 0


def test_demo_alert_email_carries_evidence_links_and_deadlines(demo):
    msg = _wage_mail(demo[0])
    text = msg.get_body(("plain",)).get_content()
    assert "级别：黄色预警" in text and "签收时限：" in text and "办结时限：" in text
    assert "主要信息：" in text and re.search(r"原文：http://127\.0\.0\.1:\d+/board/", text)
    assert "yuqing alerts" not in text
    html = msg.get_body(("html",)).get_content()
    assert re.search(r'<a href="http://127\.0\.0\.1:\d+/board/', html)


def test_link_ack_respond_resolve_shows_everywhere(demo, served):
    out, printed = demo
    url, env = served
    cfg = str(out / "config")
    text = _wage_mail(out).get_body(("plain",)).get_content()
    link = re.search(r"处置页面[^：]*：(\S+)", text).group(1)
    alert_id = re.search(r"/r/(\w+)/", link).group(1)
    page = requests.get(link)
    assert page.status_code == 200 and "人力社保局" in page.text
    csrf = form_csrf(page.text)
    assert requests.post(f"{link}/ack", data={"csrf": csrf}).status_code == 200
    reply = "http://127.0.0.1/gov/reply/2020079003.html"
    r = requests.post(f"{link}/respond", data={"csrf": csrf, "url": reply, "text": "已督促结算"})
    assert r.status_code == 200
    r = requests.post(f"{link}/resolve", data={"csrf": csrf, "outcome": "欠款已结清"})
    assert r.status_code == 200 and "已办结" in r.text

    listed = run_cli("--config", cfg, "alerts", "list", "--json", check=True, env=env)
    (row,) = [json.loads(x) for x in listed.stdout.splitlines() if alert_id in x]
    assert row["status"] == "resolved" and row["acked_at"] and row["resolved_at"]

    stats = run_cli("--config", cfg, "alerts", "stats", "--json", check=True, env=env)
    (hrss,) = [s for s in json.loads(stats.stdout) if s["department"] == "hrss"]
    assert (hrss["acked"], hrss["responded"], hrss["resolved"]) == (1, 1, 1)
    assert hrss["response_rate"] == hrss["resolve_rate"] == 1.0

    digest = out / "next-digest.html"
    run_cli("--config", cfg, "digest", "--out", str(digest), check=True, env=env)
    digest_text = digest.with_suffix(".txt").read_text(encoding="utf-8")
    assert re.search(r"已办结 1", digest_text), digest_text
    assert re.search(
        r"人力社保局：预警 1，签收率 100%.*回应率 100%，回应精准率 100%，办结率 100%", digest_text
    )

    password = re.search(r"sign in:\s+duty / (\S+)", printed).group(1)
    s = requests.Session()
    login = s.get(f"{url}/login")
    r = s.post(
        f"{url}/login",
        data={"csrf": form_csrf(login.text), "username": "duty", "password": password},
    )
    assert r.status_code == 200 and "待办预警" in r.text
    metrics = s.get(f"{url}/departments")
    assert re.search(
        r'data-department="hrss">.*?<td class="ack-rate">100%</td>.*?'
        r'<td class="response-rate">100%</td><td class="precision-rate">100%</td>'
        r'<td class="resolve-rate">100%</td>',
        metrics.text,
        re.S,
    )
