"""Never drop an item without counting it: every item a hostile site serves is stored or
counted under a reason (docs/crawling.md, failure reasons)."""

from __future__ import annotations

import pytest

from tests.conftest import crawl, export, make_config
from tests.faults.hostile import API_ITEMS, HostileServer

ITEM_REASONS = ("bad_item", "redirect_loop", "too_large", "http_404", "too_many_redirects")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with HostileServer() as srv:
        cfg = make_config(tmp_path_factory.mktemp("hostile"), srv.url)
        (cfg / "sources.yaml").write_text(
            f"""
sources:
  - id: h-html
    kind: html
    urls: ["{srv.url}/list.html"]
    selectors: {{list: "ul.list a", title: "h1", body: "div.content", date: "span.time"}}
  - id: h-feed
    kind: feed
    channel: weibo
    urls: ["{srv.url}/feed.xml"]
  - id: h-api
    kind: json
    channel: message_board
    urls: ["{srv.url}/api.json"]
    fields: {{items: data, id: id, title: title, text: content, url: link, likes: likes, reposts: reposts}}
""",
            encoding="utf-8",
        )
        summary = crawl(cfg, "h-html", "h-feed", "h-api")
        posts = {p["url"]: p for p in export(cfg, "posts", "--all-fields")}
        yield srv, summary["sources"], posts


def test_redirect_loops_and_gzip_bombs_are_counted(hostile):
    _, s, _ = hostile
    html = s["h-html"]
    assert html["failed"] == {"redirect_loop": 2, "too_large": 1, "http_404": 1}
    assert html["new"] == 1


def test_feed_item_whose_page_is_gone_keeps_the_feed_text(hostile):
    srv, s, posts = hostile
    feed = s["h-feed"]
    assert feed["failed"] == {"http_404": 1, "bad_item": 1}
    assert feed["new"] == 2
    gone = posts[f"{srv.url}/gone.html"]
    assert gone["text"] == "关于道路施工的通报摘要。" and gone["notes"] == ["feed_text_only"]
    assert not any(u.startswith("javascript:") for u in posts)


def test_json_items_are_coerced_by_type_or_rejected(hostile):
    srv, s, posts = hostile
    api = s["h-api"]
    assert api["failed"] == {"bad_item": 5, "bad_field": 2}  # 3, 4, 7, 8 and the string
    assert api["new"] == 5
    by_id = {p["url"].rsplit("/", 1)[1]: p for p in posts.values() if p["source_id"] == "h-api"}
    assert by_id["2"]["title"] == "标题带孤立代理\ufffd字符"
    assert by_id["9"]["title"] == "控制字符标题" and by_id["9"]["text"] == "正文内容。"
    assert by_id["5"]["engagement"] == {} and by_id["6"]["engagement"] == {}
    assert set(by_id) == {"1", "2", "5", "6", "9"}
    assert all(p["url"].startswith("http://127.0.0.1:") for p in posts.values())


def test_every_served_item_is_stored_or_counted(hostile):
    """served = stored + counted under a reason that drops it (a feed item whose page
    failed is stored from the feed, so its http_404 is counted beside it)."""
    _, s, posts = hostile
    served = {"h-html": 5, "h-feed": 3, "h-api": len(API_ITEMS)}
    kept = {
        sid: sum(p["source_id"] == sid and "feed_text_only" in p["notes"] for p in posts.values())
        for sid in served
    }
    for sid, n in served.items():
        dropped = sum(v for r, v in s[sid]["failed"].items() if r in ITEM_REASONS) - kept[sid]
        assert s[sid]["new"] + s[sid]["unchanged"] + dropped == n, (sid, s[sid])
