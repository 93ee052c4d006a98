"""The NLP state carries over from one crawl process to the next without replaying the store."""

from __future__ import annotations

import json

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
