"""The NLP state carries over from one crawl process to the next without replaying the store."""

from __future__ import annotations

import json

import yaml

from tests.conftest import export, make_config, run_cli
from yuqing.demo.server import SITES_ROOT, SiteServer

GOLDEN = json.loads((SITES_ROOT / "golden.json").read_text(encoding="utf-8"))


def _crawl(cfg, source: str) -> str:
    proc = run_cli("-v", "--config", str(cfg), "crawl", "--source", source, check=True)
    return proc.stderr


def test_reposts_found_across_crawls_from_the_saved_state(tmp_path):
    with SiteServer() as server:
        cfg = make_config(tmp_path, server.url)
        first = _crawl(cfg, "demo-portal-news")
        assert "NLP state rebuilt from 0 stored posts" in first
        assert (tmp_path / "store.nlp-state.db").exists()
        second = _crawl(cfg, "demo-news-reposts")
        assert "NLP state restored" in second, second[-2000:]
        posts = {p["url"].split(server.url)[1]: p for p in export(cfg, "posts", "--all-fields")}
    reposts = [g for g in GOLDEN if g.get("repost_of") and g["path"] in posts]
    assert reposts
    for g in reposts:
        assert posts[g["path"]]["duplicate_of"] == posts[g["repost_of"]]["id"], g["path"]


def _feed(items: list[tuple[str, str]]) -> bytes:
    """An RSS feed of (guid, complaint) items without titles, half an hour apart."""
    rows = "".join(
        f"<item><title></title><description>{text}</description>"
        f"<pubDate>Sun, 01 Nov 2026 {8 + k // 2:02d}:{30 * (k % 2):02d}:00 +0800</pubDate>"
        f'<guid isPermaLink="false">{guid}</guid>'
        f"<link>http://127.0.0.1:{{{{PORT}}}}/media/weibo/{guid}.html</link></item>"
        for k, (guid, text) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>A7县发布</title><link>http://127.0.0.1/</link><description>d</description>"
        f"{rows}</channel></rss>"
    ).encode()


#: one estate's lift: the first complaint does not name a danger the focus model knows, the
#: next two do (on their own words: a feed item without a title gets its text as title)
LIFT = [
    "翠湖苑小区电梯门关不上，夹了好几次人，物业说等配件",
    "翠湖苑小区的电梯按钮失灵，经常停在半层不动",
    "翠湖苑小区电梯下坠了一下，吓得孩子哭了",
]


def test_an_event_gaining_a_topic_tags_its_members_stored_by_an_earlier_crawl(tmp_path):
    """The first crawl stores two complaints of one event (too small to share); the next
    crawl brings a third, two of three now carry work_safety, and the member stored before
    takes it too (nlp/retro.py, through the crawl's NLP pipeline into the store)."""
    items = [(f"lift-{k}", text) for k, text in enumerate(LIFT)]
    with SiteServer() as server:
        cfg = make_config(tmp_path, server.url)
        path = cfg / "settings.yaml"  # share work_safety back (the default: ecology only)
        settings = yaml.safe_load(path.read_text(encoding="utf-8"))
        settings.setdefault("nlp", {})["focus_share_retro"] = ["work_safety"]
        path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        server.set_override("/media/weibo.xml", _feed(items[:2]), "application/rss+xml")
        _crawl(cfg, "demo-weibo")
        first = {p["url"].rsplit("/", 1)[1]: p for p in export(cfg, "posts", "--all-fields")}
        server.set_override("/media/weibo.xml", _feed(items), "application/rss+xml")
        second = _crawl(cfg, "demo-weibo")
        after = {p["url"].rsplit("/", 1)[1]: p for p in export(cfg, "posts", "--all-fields")}
    assert "NLP state restored" in second, second[-2000:]
    assert "work_safety" not in first["lift-0.html"]["focus"]
    assert "work_safety" in first["lift-1.html"]["focus"]  # on its own words
    eid = after["lift-2.html"]["event_id"]
    assert {p["event_id"] for p in after.values()} == {eid}
    assert "work_safety" in after["lift-2.html"]["focus"]
    assert after["lift-0.html"]["focus_evidence"]["work_safety"] == [f"event:{eid}"]
    assert after["lift-0.html"]["updated_at"] == first["lift-0.html"]["updated_at"]
