"""A source site that labels its encoding wrongly, or a feed in GBK or Big5: the stored posts
are still readable Chinese (Scrapy fetching from a loopback site; titles compared after
export)."""

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


FEED_TITLE = "朱镕基同志视察瓯海区安全生产工作"
FEED_TEXT = "关于开展冬季安全生产大检查的通知，各乡镇街道认真落实，确保群众生命财产安全。"
BIG5_TITLE = "臨海市人民政府辦公室關於做好冬季安全生產工作的通知"


def rss(declaration: str, title: str, link: str) -> str:
    return (
        f"{declaration}<rss version='2.0'><channel><title>发布</title><item><title>{title}</title>"
        f"<link>{link}</link><description>{FEED_TEXT}</description>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 +0800</pubDate></item></channel></rss>"
    )


class FeedSite(LoopbackServer):
    """A GBK feed without an XML declaration, its charset only in the HTTP header (feedparser
    alone, given the bytes, read it as windows-1252), and a Big5 feed that declares big5."""

    def handle(self, path: str):
        if path == "/robots.txt":
            return 404, {"Content-Type": "text/plain"}, b""
        if path == "/gbk.xml":
            body = rss("", FEED_TITLE, self.url + "/a/1.html").encode("gbk")
            return 200, {"Content-Type": "application/rss+xml; charset=GBK"}, body
        if path == "/big5.xml":
            feed = rss("<?xml version='1.0' encoding='big5'?>", BIG5_TITLE, self.url + "/a/2.html")
            return 200, {"Content-Type": "application/rss+xml"}, feed.encode("big5", "replace")
        return 404, {"Content-Type": "text/plain"}, b"not found"


def test_feeds_in_gbk_and_big5_are_stored_as_readable_chinese(tmp_path):
    with FeedSite() as site:
        cfg = make_config(tmp_path, site.url)
        (cfg / "sources.yaml").write_text(
            f"""sources:
  - {{id: gbk-feed, kind: feed, channel: weibo, urls: ["{site.url}/gbk.xml"]}}
  - {{id: big5-feed, kind: feed, channel: wechat, urls: ["{site.url}/big5.xml"]}}
""",
            encoding="utf-8",
        )
        run_cli("--config", str(cfg), "crawl", check=True)
    proc = run_cli("--config", str(cfg), "export", "posts", check=True)
    titles = {p["source_id"]: p["title"] for p in map(json.loads, proc.stdout.splitlines())}
    assert titles["gbk-feed"] == FEED_TITLE, titles
    assert titles["big5-feed"].startswith("临海市人民政府办公室关于做好冬季安全"), titles
