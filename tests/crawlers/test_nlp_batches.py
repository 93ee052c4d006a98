"""The crawl feeds the NLP stage in batches shared by its sources (crawlers/pipelines/nlp.py):
a real crawl of several demo sources on a loopback server, in a child process (Scrapy's
reactor starts once per process), recording each ``NLPStage.process_many`` call's posts."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, export, make_config
from yuqing.crawlers.pipelines.nlp import BATCH_SIZE
from yuqing.demo.server import SiteServer

SOURCES = ["demo-portal-news", "demo-board-api", "demo-weibo", "demo-wechat"]

CHILD = r"""
import json, sys
from yuqing.config import load_config
from yuqing.crawlers.runner import crawl
from yuqing.nlp.pipeline import NLPStage
from yuqing.storage import open_store

calls = []
real = NLPStage.process_many
def recording(self, posts, analyses=None):
    posts = list(posts)
    calls.append([p.source_id for p in posts])
    return real(self, posts, analyses)
NLPStage.process_many = recording
cfg = load_config(sys.argv[1])
commits = []
with open_store(cfg) as store:
    store.db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    summary = crawl(cfg, store, sys.argv[2:])
print(json.dumps({"calls": calls, "new": summary.total("new"), "commits": len(commits)}))
"""


def test_the_sources_of_a_crawl_share_the_nlp_batches(tmp_path):
    with SiteServer() as server:
        cfg = make_config(tmp_path, server.url)
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(cfg), *SOURCES],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    calls = out["calls"]
    posts = [p for call in calls for p in call]
    assert len(posts) == out["new"] > 40
    # batches, not one post at a time, and never more than the batch size
    assert len(calls) < len(posts) / 4
    assert max(map(len, calls)) <= BATCH_SIZE
    # one batch holds posts of several sources (each source is its own Scrapy crawler)
    assert max(len(set(call)) for call in calls) >= 2
    # every stored post was analysed
    stored = export(cfg)
    assert len(stored) == len(posts)
    assert all(p["category"] and p["event_id"] for p in stored)
    # the posts of a batch, with their URL states and events, are stored in one transaction
    # (crawlers/pipelines/store.py), not one a post
    assert out["commits"] < len(posts) / 4
