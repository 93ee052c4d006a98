"""A message board's own answers are crawled into ``Post.reply``: the json kind maps them
with ``fields.reply/reply_at/reply_by``, the html kind with ``selectors.reply/reply_date``."""

from __future__ import annotations

import json

from tests.conftest import crawl, export, make_config
from yuqing.demo.server import SITES_ROOT, SiteServer


def test_board_replies_from_the_json_api_and_the_html_pages(tmp_path):
    with SiteServer() as server:
        cfg = make_config(tmp_path, server.url)
        crawl(cfg, "demo-board-api", "demo-board-html")
        posts = export(cfg, "posts", "--all-fields")
    api = json.loads((SITES_ROOT / "board" / "api" / "messages.json").read_text("utf-8"))
    answered = {str(m["msgId"]): m["reply"] for m in api if m.get("reply")}
    from_api = [p for p in posts if p["source_id"] == "demo-board-api"]
    assert from_api and answered
    for p in from_api:
        msg_id = p["url"].rsplit("=", 1)[1]
        want = answered.get(msg_id)
        if want is None:
            assert p["reply"] == {}
            continue
        assert p["reply"]["text"] == want["content"] and p["reply"]["by"] == want["dept"]
        assert p["reply"]["at"].startswith(want["replyTime"].replace(" ", "T"))
    from_html = [p for p in posts if p["source_id"] == "demo-board-html" and p["reply"]]
    assert from_html, "no reply crawled from the board's pages"
    assert all(len(p["reply"]["text"]) > 5 for p in from_html)
    assert all(p["reply"].get("at", "").startswith(("20", "19")) for p in from_html)
