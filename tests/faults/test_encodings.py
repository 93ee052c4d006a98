"""A source site that labels its encoding wrongly: the stored posts are still readable Chinese
(Scrapy fetching from a loopback site; the title and body compared after export)."""

from __future__ import annotations

import json

from tests.conftest import make_config, run_cli
from tests.faults.loopback import LoopbackServer

TITLE = "关于开展冬季安全生产大检查的通知"
BODY = "各乡镇、街道：为切实做好冬季安全生产工作，防范化解重大安全风险，现将有关事项通知如下。" * 3
TRAD_TITLE = "臨海市人民政府辦公室關於做好冬季安全生產工作的通知"
TRAD_BODY = (
    "各鄉鎮、街道：為切實做好冬季安全生產工作，防範化解重大安全風險，現將有關事項通知如下。" * 3
)


class MislabelledSite(LoopbackServer):
    """A Tomcat-style site: every answer says ``charset=ISO-8859-1``; the pages are GBK, one
    of them a Big5 page whose <meta> still says gb2312."""

    def handle(self, path: str):
        latin = {"Content-Type": "text/html; charset=ISO-8859-1"}
        if path == "/robots.txt":
            return 404, {"Content-Type": "text/plain"}, b""
        if path == "/list.html":
            links = '<li><a href="/a/1.html">一</a></li><li><a href="/a/2.html">二</a></li>'
            return 200, latin, f"<html><body><ul class='list'>{links}</ul></body></html>".encode()
        if path == "/a/1.html":
            page = (
                f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
                f"<span class='time'>2026-11-20 10:00</span><div class='content'>{BODY}</div>"
                "</body></html>"
            )
            return 200, latin, page.encode("gbk")
        if path == "/a/2.html":
            page = (
                f"<html><head><meta charset='gb2312'><title>{TRAD_TITLE}</title></head><body>"
                f"<h1>{TRAD_TITLE}</h1><span class='time'>2026-11-21 10:00</span>"
                f"<div class='content'>{TRAD_BODY}</div></body></html>"
            )
            return 200, {"Content-Type": "text/html"}, page.encode("big5", "replace")
        return 404, latin, b"not found"


def test_mislabelled_pages_are_stored_as_readable_chinese(tmp_path):
    with MislabelledSite() as site:
        cfg = make_config(tmp_path, site.url)
        (cfg / "sources.yaml").write_text(
            f"""sources:
  - id: tomcat
    kind: html
    channel: portal
    urls: ["{site.url}/list.html"]
    interval: 1m
    selectors: {{list: "ul.list a", title: "h1", body: "div.content", date: "span.time"}}
""",
            encoding="utf-8",
        )
        run_cli("--config", str(cfg), "crawl", "--source", "tomcat", check=True)
    proc = run_cli("--config", str(cfg), "export", "posts", check=True)
    posts = {p["url"]: p for p in map(json.loads, proc.stdout.splitlines())}
    gbk, big5 = posts[site.url + "/a/1.html"], posts[site.url + "/a/2.html"]
    assert gbk["title"] == TITLE and BODY[:40] in gbk["text"], gbk["title"]
    # Traditional is converted to Simplified on the way in
    assert big5["title"] == "临海市人民政府办公室关于做好冬季安全生产工作的通知", big5["title"]
    assert BODY[:40] in big5["text"], big5["text"][:80]
