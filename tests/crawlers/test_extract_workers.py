"""Detail pages extracted in the analysis workers (crawlers/pipelines/extract.py): a real crawl
of the demo html sources on a loopback server, in a child process (Scrapy's reactor starts once
per process), against the same crawl extracting in the crawl process."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, make_config

SOURCES = ["demo-portal-news", "demo-portal-tw", "demo-news-reposts", "demo-notices-errors"]

CHILD = r"""
import json, os, signal, sys
import yuqing.crawlers.runner as runner
import yuqing.crawlers.spiders.html as html
from yuqing.config import load_config
from yuqing.storage import open_store

mode = sys.argv[2]
if mode != "inline":  # the crawl process must not extract: its workers do
    def refuse(*args, **kwargs):
        raise AssertionError("extracted in the crawl process")
    html.extract_article = refuse
if mode == "dead":  # the worker dies as the crawl begins
    start = runner.start_pool
    def start_and_kill(*args):
        pool = start(*args)
        for proc in list(pool._processes.values()):
            os.kill(proc.pid, signal.SIGKILL)
        return pool
    runner.start_pool = start_and_kill
cfg = load_config(sys.argv[1])
with open_store(cfg) as store:
    summary = runner.crawl(cfg, store, sys.argv[3:])
    posts = sorted(
        [p.id, p.url, p.title, p.text, p.title_orig, p.text_orig, str(p.published_at), p.author,
         "not_analysed" in p.notes]
        for p in store.iter_posts()
    )
print(json.dumps({"posts": posts, "failed": summary.failed_by_reason(),
                  "not_analysed": sum(s.not_analysed for s in summary.sources.values())}))
"""


def crawled(tmp_path, site_server, mode: str, workers: int) -> dict:
    cfg = make_config(tmp_path / mode, site_server.url, nlp_workers=workers)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(cfg), mode, *SOURCES],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_crawl_with_workers_extracts_its_pages_there_and_stores_the_same(site_server, tmp_path):
    here = crawled(tmp_path, site_server, "inline", 0)
    there = crawled(tmp_path, site_server, "worker", 1)
    assert len(here["posts"]) >= 10
    assert there["posts"] == here["posts"]
    assert there["failed"] == here["failed"]  # empty pages, pages without content: the same
    assert here["failed"]
    assert there["not_analysed"] == here["not_analysed"] == 0


def test_a_worker_that_dies_loses_no_page(site_server, tmp_path):
    """Its pages are extracted in the crawl process instead; its posts are stored, noted
    not analysed (the next crawl analyses them)."""
    here = crawled(tmp_path, site_server, "inline", 0)
    dead = crawled(tmp_path, site_server, "dead", 1)
    assert [p[:8] for p in dead["posts"]] == [p[:8] for p in here["posts"]]
    assert all(p[8] for p in dead["posts"])  # noted not_analysed
    assert dead["not_analysed"] >= len(here["posts"])  # and said so in the summary
