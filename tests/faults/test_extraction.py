"""Extraction on pages nobody here wrote: a date-only <meta> beside a visible time, comment
widgets, and a hostile page of 100,000 sibling <span>s that must not stall a crawl."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import crawl, export, make_config
from tests.faults.hostile import HTML, HostileServer, list_page, page
from yuqing.crawlers.extraction import decode_html, extract_article

PAGES = Path(__file__).parent / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_regression_page_extracts_right(name):
    text, _ = decode_html((PAGES / name).read_bytes(), None, None)
    got = extract_article(text, f"http://127.0.0.1/{name}")
    want = EXPECTED[name]
    assert got.published_at.isoformat() == want["published_at"]
    assert got.title == want.get("title", got.title)
    assert got.method == want.get("method", got.method)  # "auto": not rescued by GNE
    assert got.body.split("\n") == want["body"]
    assert not any(c[:12] in got.body for c in want.get("not_in_body", []))


def spans_page(n: int = 100_000) -> bytes:
    head = "<html><head><meta charset='utf-8'><title>敌意页面</title></head><body><h1>敌意页面</h1><div>"
    return (head + "<span>字，</span>" * n + "</div></body></html>").encode()


def normal(prefix: str, n: int = 20) -> dict:
    return {
        f"/{prefix}/{i}.html": (
            200,
            HTML,
            page(f"{prefix}第{i}篇文章", f"第{i}篇文章的正文内容。" * 8),
        )
        for i in range(n)
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    with HostileServer() as srv:
        srv.routes.update(normal("a") | normal("b"))
        srv.routes["/spans.html"] = (200, HTML, spans_page())
        for name in EXPECTED:
            ctype = "text/html" if name.endswith("gbk.html") else HTML["Content-Type"]
            srv.routes[f"/pages/{name}"] = (
                200,
                {"Content-Type": ctype},
                (PAGES / name).read_bytes(),
            )
        srv.routes["/a.html"] = (
            200,
            HTML,
            list_page([f"/a/{i}.html" for i in range(20)] + [f"/pages/{n}" for n in EXPECTED]),
        )
        srv.routes["/b.html"] = (
            200,
            HTML,
            list_page([f"/b/{i}.html" for i in range(20)] + ["/spans.html"]),
        )
        cfg = make_config(tmp_path_factory.mktemp("extract"), srv.url)
        sources = "".join(
            f"""
  - id: x-{k}
    kind: html
    urls: ["{srv.url}/{k}.html"]
    selectors: {{list: "ul.list a"}}
"""
            for k in ("a", "b")
        )
        (cfg / "sources.yaml").write_text("sources:" + sources, encoding="utf-8")
        t0 = time.monotonic()
        a = crawl(cfg, "x-a")
        t1 = time.monotonic()
        b = crawl(cfg, "x-b")
        t2 = time.monotonic()
        posts = {p["url"].split(srv.url)[1]: p for p in export(cfg)}
        yield a["sources"]["x-a"], b["sources"]["x-b"], t1 - t0, t2 - t1, posts


def test_crawled_regression_pages_keep_the_visible_minute(crawled):
    a, _, _, _, posts = crawled
    assert a["new"] == 20 + len(EXPECTED) and a["failed"] == {}
    for name, want in EXPECTED.items():
        post = posts[f"/pages/{name}"]
        assert post["published_at"] == want["published_at"], name
        assert post["text"].split("\n") == want["body"], name
        assert post["title"] == want.get("title", post["title"]), name


def test_a_hostile_page_cannot_stall_the_crawl(crawled):
    """100,000 sibling <span>s plus 20 normal pages finish in about the time of a crawl of
    25 normal pages (side by side in one run); the page is counted ``extract_timeout``."""
    _, b, normal_seconds, hostile_seconds, posts = crawled
    assert b["new"] == 20 and b["failed"] == {"extract_timeout": 1}
    assert "/spans.html" not in posts
    assert hostile_seconds < 1.5 * normal_seconds + 3, (hostile_seconds, normal_seconds)
