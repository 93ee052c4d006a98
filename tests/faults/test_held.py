"""Attacks that already held when issue 13 was filed, kept runnable so they stay held:
a 200 MB body, XXE and billion-laughs feeds, HTML and header injection through a title,
and an SMTP server that dies during delivery (nothing lost, nothing doubled)."""

from __future__ import annotations

import time

import pytest
import yaml

from tests.conftest import ROOT, crawl, export, make_config, run_cli
from tests.faults.hostile import HTML, HostileServer, list_page, page
from tests.servers import smtp_sink  # noqa: F401 - the shared fixture
from yuqing.alerts.render import build, view
from yuqing.alerts.settings import AlertSettings
from yuqing.config import load_config
from yuqing.demo.server import SiteServer
from yuqing.models import Alert

RSS = "application/rss+xml; charset=utf-8"
XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title>
<item><title>外部实体</title><link>{url}/x/1</link>
<description>外部实体测试的正文内容足够长，不需要再去抓取页面，直接保存即可。&xxe;结束</description></item>
</channel></rss>"""
LAUGHS = (
    """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
"""
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";" if i > 1 else "&lol;") * 10}">\n'
        for i in range(1, 10)
    )
    + """]>
<rss version="2.0"><channel><title>t</title>
<item><title>十亿笑声</title><link>{url}/x/2</link>
<description>实体展开测试的正文内容足够长，不需要再去抓取页面，直接保存即可。&lol9;</description></item>
</channel></rss>"""
)


def stream(total: int, chunk: int = 1 << 20):
    block = b"<p>" + b"x" * (chunk - 7) + b"</p>\n"
    for _ in range(total // chunk):
        yield block


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    with HostileServer() as srv:
        srv.routes["/xxe.xml"] = (200, {"Content-Type": RSS}, XXE.format(url=srv.url).encode())
        srv.routes["/laughs.xml"] = (
            200,
            {"Content-Type": RSS},
            LAUGHS.format(url=srv.url).encode(),
        )
        srv.routes["/huge.html"] = (
            200,
            HTML | {"Content-Length": str(200 << 20)},
            stream(200 << 20),
        )
        srv.routes["/ok.html"] = (200, HTML, page("正常文章", "正常文章的正文内容。" * 6))
        srv.routes["/l.html"] = (200, HTML, list_page(["/huge.html", "/ok.html"]))
        cfg = make_config(tmp_path_factory.mktemp("held"), srv.url)
        (cfg / "sources.yaml").write_text(
            f"""sources:
  - {{id: xxe, kind: feed, urls: ["{srv.url}/xxe.xml"]}}
  - {{id: laughs, kind: feed, urls: ["{srv.url}/laughs.xml"]}}
  - {{id: big, kind: html, urls: ["{srv.url}/l.html"], selectors: {{list: "ul.list a"}}}}
""",
            encoding="utf-8",
        )
        t0 = time.monotonic()
        summary = crawl(cfg, "xxe", "laughs", "big")
        yield summary["sources"], export(cfg), time.monotonic() - t0


def test_a_200mb_body_is_cut_and_counted_too_large(held):
    sources, posts, seconds = held
    assert sources["big"]["failed"] == {"too_large": 1} and sources["big"]["new"] == 1
    assert seconds < 120


def test_xxe_and_billion_laughs_are_harmless(held):
    sources, posts, _ = held
    text = "\n".join(p["text"] for p in posts)
    assert "root:" not in text
    assert "lollollol" not in text
    assert all(len(p["text"]) < 1000 for p in posts)


def test_crawled_markup_is_escaped_and_kept_out_of_headers():
    cfg = load_config(ROOT / "config")
    alert = Alert(
        id="b" * 16,
        level="orange",
        rule="keyword",
        created_at=__import__("datetime").datetime.fromisoformat("2026-05-13T08:49:00+08:00"),
        departments=["cac"],
        title="<script>alert(1)</script>\nBcc: evil@x.example",
    )
    shown = view(alert, AlertSettings(), {}, alert.created_at)
    msg = build("alert", [shown], cfg.department("cac"), "duty@cac.example", "k")
    assert "<script>" not in msg.html and "&lt;script&gt;" in msg.html
    assert "\n" not in msg.subject and "\r" not in msg.subject


def test_smtp_dying_during_delivery_loses_and_doubles_nothing(tmp_path, smtp_sink):  # noqa: F811
    with SiteServer() as server:
        cfg = make_config(tmp_path, server.url, smtp_port=smtp_sink.port)
        crawl(cfg, "demo-board-live")
    settings_file = cfg / "settings.yaml"
    settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
    settings.setdefault("alerts", {})["retry"] = {"base": "1s", "max_delay": "1s"}
    settings_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    smtp_sink.stop()  # the relay dies before delivery
    down = run_cli("--config", str(cfg), "alerts", "check")
    assert "Traceback" not in down.stderr
    created = len(export(cfg, "alerts"))
    assert created > 0 and smtp_sink.message_ids() == []
    smtp_sink.start()  # back: the outbox delivers what was held, once
    time.sleep(1.5)  # the retry backoff
    run_cli("--config", str(cfg), "alerts", "check", check=True)
    run_cli("--config", str(cfg), "alerts", "check", check=True)
    ids = smtp_sink.message_ids()
    assert ids and len(ids) == len(set(ids))
    assert {a for a in smtp_sink.alert_ids()} >= {a["id"] for a in export(cfg, "alerts")}


def test_the_daemons_crawl_checks_the_alerts_when_it_stored_posts(tmp_path, smtp_sink):  # noqa: F811
    """The daemon's alerts check skips its turns while a crawl holds the store's lock; a surge
    stored by the crawl waited for the first check after it (up to `schedule.alerts` more).
    The crawl job checks at once when it stored posts."""
    from yuqing.app.jobs import crawl_job

    with SiteServer() as server:
        cfg = make_config(tmp_path, server.url, smtp_port=smtp_sink.port)
        path = cfg / "sources.yaml"
        sources = yaml.safe_load(path.read_text(encoding="utf-8"))
        sources["sources"] = [s for s in sources["sources"] if s["id"] == "demo-board-live"]
        path.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
        out = crawl_job(str(cfg))
    assert out["totals"]["new"] > 0, out
    alerts = export(cfg, "alerts")
    assert alerts and out["alerts"]["created"] == [a["id"] for a in alerts], out.get("alerts")
    assert set(smtp_sink.alert_ids()) == {a["id"] for a in alerts}
