"""A hostile web site on loopback: redirect loops, a gzip bomb, a feed whose item page is
gone, a JSON API with items of every wrong type, and whatever a test adds to ``routes``.

``HostileServer().routes`` maps a path to ``(status, headers, body)``; ``url`` is its base.
"""

from __future__ import annotations

import functools
import gzip
import json

from tests.faults.loopback import LoopbackServer

HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(title: str, body: str, date: str = "2026-05-13 08:49") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<h1>{title}</h1><span class='time'>{date}</span>"
        f"<div class='content'><p>{body}</p></div></body></html>"
    ).encode()


@functools.cache
def gzip_bomb() -> bytes:
    """30 MB of spaces inside an HTML page, gzipped to ~30 KB."""
    return gzip.compress(b"<html><body>" + b" " * 30_000_000 + b"</body></html>", 9)


API_ITEMS = [
    {"id": 1, "title": "正常的留言", "content": "小区门口道路积水，请尽快处理。", "link": "/m/1"},
    {"id": 2, "title": "标题带孤立代理\ud800字符", "content": "正文正常。", "link": "/m/2"},
    {"id": 3, "title": ["列表", "类型"], "content": "标题是列表。", "link": "/m/3"},
    {"id": 4, "title": "正文是布尔值", "content": True, "link": "/m/4"},
    {"id": 5, "title": "点赞是无穷大", "content": "正文。", "likes": float("inf"), "link": "/m/5"},
    {"id": 6, "title": "转发数过大", "content": "正文。", "reposts": 10**30, "link": "/m/6"},
    {"id": 7, "title": "脚本链接", "content": "正文。", "link": "javascript:alert(1)"},
    {"id": 8, "title": "文件链接", "content": "正文。", "link": "file:///etc/passwd"},
    {"id": 9, "title": "控制\x00字符\x07标题\x1b", "content": "正文\x00内容。", "link": "/m/9"},
    "不是对象的条目",
]

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>政务微博</title><link>{url}/</link>
<item><title>页面已删除的通报</title><link>{url}/gone.html</link>
<description>关于道路施工的通报摘要。</description><pubDate>Tue, 12 May 2026 08:00:00 +0800</pubDate></item>
<item><title>脚本链接条目</title><link>javascript:alert(1)</link>
<description>这一条的链接不是网址，它的正文足够长，不需要再去抓取页面，但链接不能作为帖子的地址保存。</description></item>
<item><title>完整的条目</title><link>{url}/ok/2.html</link>
<description>这是一条完整的微博内容，正文足够长，不需要再去抓取页面，直接保存到库中即可，谢谢关注。</description></item>
</channel></rss>
"""


class HostileServer(LoopbackServer):
    def __init__(self):
        super().__init__()
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        u = self.url
        self.routes.update(
            {
                "/list.html": (
                    200,
                    HTML,
                    list_page(["/loop/a", "/loop/self", "/bomb", "/ok/1.html", "/missing.html"]),
                ),
                "/loop/a": (302, {"Location": "/loop/b"}, b""),
                "/loop/b": (302, {"Location": "/loop/a"}, b""),
                "/loop/self": (301, {"Location": "/loop/self"}, b""),
                "/bomb": (200, HTML | {"Content-Encoding": "gzip"}, gzip_bomb()),
                "/ok/1.html": (
                    200,
                    HTML,
                    page("一篇正常的文章", "这是一篇正常的文章正文，内容完整。" * 3),
                ),
                "/ok/2.html": (200, HTML, page("完整的条目", "完整的条目正文。" * 5)),
                "/feed.xml": (
                    200,
                    {"Content-Type": "application/rss+xml; charset=utf-8"},
                    FEED.format(url=u).encode(),
                ),
                "/api.json": (
                    200,
                    {"Content-Type": "application/json; charset=utf-8"},
                    json.dumps({"data": API_ITEMS}, ensure_ascii=True).encode(),
                ),
            }
        )

    def handle(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.routes.get(path, (404, HTML, b"<h1>404 Not Found</h1>"))


def list_page(links: list[str]) -> bytes:
    items = "".join(f'<li><a href="{h}">链接{i}</a></li>' for i, h in enumerate(links))
    return f"<html><head><meta charset='utf-8'><title>列表</title></head><body><ul class='list'>{items}</ul></body></html>".encode()
