"""End-to-end crawls with Scrapy against the demo sites on a real loopback HTTP server."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml

from tests.conftest import crawl, export, make_config, run_cli
from yuqing.demo.server import SITES_ROOT, SiteServer
from yuqing.models import POST_CONTRACT_FIELDS

GOLDEN = json.loads((SITES_ROOT / "golden.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server():
    with SiteServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def first(server, tmp_path_factory):
    """A config pointing at the server and the summary of a first full crawl."""
    cfg = make_config(tmp_path_factory.mktemp("crawl"), server.url)
    server.reset_requests()
    summary = crawl(cfg, *[s for s in SOURCE_IDS])
    return cfg, summary, list(server.requests)


SOURCE_IDS = [
    "demo-portal-news",
    "demo-portal-tw",
    "demo-board-html",
    "demo-board-api",
    "demo-board-live",
    "demo-weibo",
    "demo-wechat",
    "demo-news-reposts",
    "demo-notices-errors",
    "demo-broken-feed",
]


def by_url(posts):
    return {p["url"].split("127.0.0.1:")[1].split("/", 1)[1]: p for p in posts}


def test_first_crawl_stores_every_site_with_contract_fields(first):
    cfg, summary, _ = first
    s = summary["sources"]
    # one portal article is also reached through /redirect/once by another source in the same
    # run; whichever source stores it first owns it, the other sees it unchanged
    portal = s["demo-portal-news"]
    assert portal["new"] + portal["unchanged"] == sum(g["site"] == "portal" for g in GOLDEN)
    assert s["demo-board-api"]["new"] == 25  # 3 API pages of 10, 10, 5
    assert s["demo-weibo"]["new"] == 8 and s["demo-wechat"]["new"] == 8
    assert s["demo-portal-tw"]["new"] == sum(g["site"] == "tw" for g in GOLDEN)
    posts = export(cfg)
    assert len(posts) == summary["totals"]["new"]
    for post in posts:
        assert tuple(post) == (*POST_CONTRACT_FIELDS, "place")  # + where it is about
        assert post["crawled_at"][-6:] == "+08:00"


def test_gbk_and_big5_pages_decode_to_golden_titles(first):
    cfg, _, _ = first
    stored = by_url(export(cfg))
    for g in GOLDEN:
        if g["site"] in ("portal", "tw"):
            post = stored[g["path"].lstrip("/")]
            assert post["title"] == g["title"], g["path"]
            assert post["published_at"] == g["published_at"], g["path"]


def test_traditional_pages_are_simplified_with_original_kept(first):
    cfg, _, _ = first
    stored = by_url(export(cfg, "posts", "--all-fields"))
    tw = [g for g in GOLDEN if g["site"] == "tw"]
    assert tw
    for g in tw:
        post = stored[g["path"].lstrip("/")]
        assert post["title"] == g["title"]
        assert post["title_orig"] == g["title_orig"] and post["title_orig"] != post["title"]
        assert post["text_orig"]


def test_bad_input_is_counted_by_reason_and_never_stops_the_crawl(first):
    _, summary, requests = first
    failed = summary["sources"]["demo-notices-errors"]["failed"]
    for reason in (
        "http_404",
        "http_500",
        "too_large",
        "too_many_redirects",
        "empty_body",
        "timeout",
        "offsite_redirect",
    ):
        assert failed.get(reason), f"{reason} not counted: {failed}"
    assert summary["sources"]["demo-broken-feed"]["failed"] == {"bad_feed": 1}
    # the redirect that stays on the site still delivered its article
    assert (
        summary["sources"]["demo-notices-errors"]["new"]
        + summary["sources"]["demo-notices-errors"]["unchanged"]
        >= 1
    )


def test_robots_txt_is_obeyed(first):
    _, summary, requests = first
    assert summary["sources"]["demo-portal-news"]["failed"] == {"robots": 1}
    assert not [r for r in requests if "/portal/private/" in r[1]]
    assert [r for r in requests if r[1] == "/robots.txt"]


def test_json_api_maps_fields_and_engagement(first):
    cfg, _, _ = first
    api = [p for p in export(cfg, "posts", "--all-fields") if p["source_id"] == "demo-board-api"]
    assert len(api) == 25
    assert all(p["published_at"] and p["title"] and p["text"] for p in api)
    assert any(p["engagement"].get("likes") for p in api)
    assert all(p["author"] and p["author"].startswith("网友") for p in api)  # fields.author
    assert len({p["id"] for p in api}) == 25


def test_export_since_filters_by_change_time(first):
    cfg, _, _ = first
    assert export(cfg, "posts", "--since", "2999-01-01T00:00:00+08:00") == []
    assert len(export(cfg, "posts", "--since", "2000-01-01")) > 0
    bad = run_cli("--config", str(cfg), "export", "posts", "--since", "yesterday")
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0
    assert "--since" in bad.stderr


def test_recrawl_is_incremental_and_changed_articles_update_in_place(server, tmp_path):
    cfg = make_config(tmp_path, server.url)
    crawl(cfg, "demo-portal-news", "demo-weibo")
    before = export(cfg)
    server.reset_requests()
    again = crawl(cfg, "demo-portal-news", "demo-weibo")
    assert again["totals"]["new"] == 0 and again["totals"]["updated"] == 0
    # conditional GETs: every article and the feed answered 304, and pagination stopped early
    statuses = [r[2] for r in server.requests if r[1] != "/robots.txt"]
    assert statuses.count(304) >= 10
    list_pages = [r for r in server.requests if "/xwdt/index" in r[1]]
    assert len(list_pages) == 1
    # an article listed on the first page changes: the next crawl updates it in place
    first_page = (SITES_ROOT / "portal/xwdt/index.html").read_bytes().decode("gb18030")
    article = next(
        g for g in GOLDEN if g["site"] == "portal" and g["path"].rsplit("/", 1)[1] in first_page
    )
    raw = (SITES_ROOT / article["path"].lstrip("/")).read_bytes()
    changed = raw.replace(article["body"][:8].encode("gb18030"), "【更新】".encode("gb18030"), 1)
    assert changed != raw
    server.set_override(article["path"], changed)
    try:
        third = crawl(cfg, "demo-portal-news")
    finally:
        server.clear_overrides()
    assert third["totals"]["updated"] == 1 and third["totals"]["new"] == 0
    after = export(cfg)
    assert len(after) == len(before)
    post = by_url(after)[article["path"].lstrip("/")]
    assert post["text"].startswith("【更新】")


def test_only_due_sources_are_crawled(server, tmp_path):
    cfg = make_config(tmp_path, server.url)
    first_run = crawl(cfg)  # nothing crawled yet: everything is due
    assert set(first_run["sources"]) == set(SOURCE_IDS)
    second = crawl(cfg)  # intervals (15m..1h) have not passed
    assert second["sources"] == {} and sorted(second["skipped"]) == sorted(SOURCE_IDS)
    forced = crawl(cfg, "demo-weibo")
    assert list(forced["sources"]) == ["demo-weibo"]


def test_failing_source_is_marked_unhealthy(server, tmp_path):
    cfg = make_config(tmp_path, server.url)  # unhealthy_after: 2
    crawl(cfg, "demo-broken-feed")
    crawl(cfg, "demo-broken-feed")
    db = sqlite3.connect(tmp_path / "store.db")
    doc = json.loads(
        db.execute(
            "SELECT doc FROM source_state WHERE source_id=?", ("demo-broken-feed",)
        ).fetchone()[0]
    )
    assert doc["consecutive_failures"] == 2 and doc["healthy"] is False
    assert "bad_feed" in doc["last_error"]


def test_unknown_source_is_a_one_line_error(server, tmp_path):
    cfg = make_config(tmp_path, server.url)
    proc = run_cli("--config", str(cfg), "crawl", "--source", "no-such-source")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"error: crawl: unknown source(s): no-such-source (see sources.yaml in {cfg})"
    )


def test_server_errors_are_retried_then_counted_once(first):
    _, summary, requests = first
    attempts = [r for r in requests if r[1] == "/error/500"]
    assert len(attempts) == 2  # crawl.retries: 1 in the test settings
    assert summary["sources"]["demo-notices-errors"]["failed"]["http_500"] == 1
    assert len([r for r in requests if r[1] == "/error/404"]) == 1  # 404 is not retried


def test_progress_display_names_each_source(server, tmp_path):
    cfg = make_config(tmp_path, server.url)
    proc = run_cli(
        "--config",
        str(cfg),
        "crawl",
        "--progress",
        "--source",
        "demo-weibo",
        "--source",
        "demo-wechat",
        check=True,
    )
    done = [line.split("\r")[-1] for line in proc.stderr.splitlines() if line.endswith("done")]
    assert sorted(d.split()[0].replace("\x1b[K", "") for d in done) == ["demo-wechat", "demo-weibo"]
    assert all("new    8" in d for d in done)


def test_configured_selectors_override_automatic_extraction(server, tmp_path):
    cfg = make_config(tmp_path, server.url)
    (cfg / "sources.yaml").write_text(
        f"""
sources:
  - id: news-selectors
    kind: html
    channel: news
    urls: ["{server.url}/news/index.html"]
    selectors:
      list: "ul.news-list a"
      title: "//div[@class='byline']/span[@class='source']/text()"
      body: "div.article-body"
      date: "div.byline time"
""",
        encoding="utf-8",
    )
    summary = crawl(cfg)
    assert summary["sources"]["news-selectors"]["new"] == 5
    posts = export(cfg)
    reposts = [g for g in GOLDEN if g["site"] == "news"]
    for post in posts:
        # the (deliberately odd) title selector wins over the automatic headline
        assert post["title"] == "来源：A7县人民政府网站"
        path = post["url"].split(server.url)[1]
        golden = next(g for g in reposts if g["path"] == path)
        assert post["published_at"] == golden["published_at"]
        assert golden["body"].split("\n")[0] in post["text"]


def test_posts_are_analysed_in_the_crawl_and_in_worker_processes(server, tmp_path):
    for workers in (0, 1):
        cfg = make_config(tmp_path / f"w{workers}", server.url, nlp_workers=workers)
        crawl(cfg, "demo-board-live", "demo-news-reposts")
        posts = export(cfg, "posts", "--all-fields")
        assert len(posts) == 17  # 12 live wage-arrears messages + 5 reposts
        assert all(p["category"] and p["tokens"] and p["event_id"] for p in posts), workers
        wage = [p for p in posts if p["source_id"] == "demo-board-live"]
        assert sum("wage_arrears" in p["focus"] for p in wage) >= 8, workers


def test_redirected_links_do_not_look_new_on_the_next_crawl(server, tmp_path):
    cfg = make_config(tmp_path, server.url)
    crawl(cfg, "demo-notices-errors")
    db = sqlite3.connect(tmp_path / "store.db")
    seen = {row[0].split(server.url)[1] for row in db.execute("SELECT url FROM url_state")}
    assert "/redirect/once" in seen  # stored under the article's final URL
    assert "/error/404" in seen  # failed links are remembered too


def test_nlp_that_cannot_load_is_in_the_summary_and_fails_the_crawl(server, tmp_path):
    """Posts are still stored (nothing fetched is lost), the summary says why they carry no
    analysis, and the exit status says the run failed."""
    cfg = make_config(tmp_path, server.url)
    settings = yaml.safe_load((cfg / "settings.yaml").read_text(encoding="utf-8"))
    missing = tmp_path / "no-such-model.joblib"
    settings["model"] = {"path": str(missing)}
    (cfg / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True))
    proc = run_cli("--config", str(cfg), "crawl", "--source", "demo-weibo", "--json-summary", "-")
    assert proc.returncode == 1
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["nlp_error"] == f"nlp: {missing}: no such model file"
    assert summary["sources"]["demo-weibo"]["new"] == 8
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == (
        "error: crawl: the NLP stage could not be loaded, 8 post(s) stored without analysis "
        f"(analysed by the next crawl, or `yuqing reanalyze`): nlp: {missing}: no such model file"
    )
    assert f"NLP not loaded, posts stored without analysis: nlp: {missing}" in proc.stderr
    posts = export(cfg)
    assert len(posts) == 8 and {p["category"] for p in posts} == {None}
