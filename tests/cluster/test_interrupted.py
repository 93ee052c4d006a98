"""A crawl cut short on a cluster is flagged as one cut short on a single machine is: a
`yuqing worker` stopped (SIGTERM, Ctrl-C) mid-crawl prints the line a stopped `yuqing crawl`
prints (``runner.check_interrupted``) as a warning — and exits 0: a requested stop is a worker's
normal end (a deploy, systemd), the rest is back on the frontier — and a crawl no worker finished
afterwards is recorded interrupted — left due, not a failing source — not ``crawl_timeout``.
A worker killed with -9 can say nothing: the reap that puts its requests back marks their
crawls instead."""

from __future__ import annotations

import re
from datetime import timedelta

import redis
from scrapy import Request

from tests.cluster.helpers import Proc, board_cluster, wait_for
from tests.conftest import make_config
from tests.faults.boards import Board, BoardServer
from yuqing.cluster import Keys
from yuqing.config import load_config
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.frontier.enqueue import frontier_pass
from yuqing.crawlers.frontier.ledger import close_finished, open_crawl
from yuqing.crawlers.frontier.queue import FrontierQueue
from yuqing.crawlers.frontier.spider import FrontierSpider
from yuqing.crawlers.runner import due_sources
from yuqing.storage import open_store
from yuqing.timeutil import now

BOARDS = ("b-api", "b-html")


def test_a_worker_stopped_mid_crawl_says_so_and_the_crawl_is_recorded_interrupted(
    tmp_path, es_url, es_prefix, redis_url
):
    with BoardServer(**{b: Board(200) for b in BOARDS}) as srv:  # 20 list pages each
        cfg_dir = board_cluster(tmp_path, srv.url, es_url, redis_url, es_prefix)
        cfg = load_config(cfg_dir)
        r = redis.Redis.from_url(redis_url)
        keys = Keys(es_prefix)
        srv.delay = 0.5  # per list page: the stop lands mid-walk
        worker = Proc(cfg_dir, "worker", "--no-nlp", log=tmp_path / "worker.log")
        try:
            wait_for(lambda: r.zcard(keys.workers), 180, "the worker")
            with open_store(cfg) as store:
                assert set(frontier_pass(cfg, store)["enqueued"]) == set(BOARDS)
            wait_for(
                lambda: sum("/post/" in p for p, _ in srv.requests) >= 5,
                180,
                "the worker to crawl a few messages",
                every=0.05,
            )
        finally:
            status = worker.stop()
        srv.delay = 0
        log = worker.text()
    assert status == 0, log[-2000:]
    (line,) = [x for x in log.splitlines() if x.startswith("warning: crawl: ")]
    m = re.fullmatch(
        r"warning: crawl: interrupted before the end of (\d) source\(s\): ([\w, -]+); (\d+) "
        r"post\(s\) stored, the rest are back on the frontier for the other workers "
        r"\(`yuqing worker`\)",
        line,
    )
    assert m, line
    named = m.group(2).split(", ")
    assert set(named) <= set(BOARDS) and int(m.group(1)) == len(named)
    crawls = {c.decode() for c in r.smembers(keys.crawls)}
    assert {c.rsplit("@", 1)[0] for c in crawls} == set(BOARDS)
    for c in crawls:
        assert r.hget(keys.crawl(c), "interrupted") == b"1", c
    # no worker takes the rest up: at the crawl timeout the leader records the crawls as
    # interrupted - as a stopped single-machine crawl: due at once, not a failure
    with open_store(cfg) as store:
        assert sorted(close_finished(cfg, store, r, keys, timeout=0)) == sorted(crawls)
        states = {b: store.get_source_state(b) for b in BOARDS}
        due, _ = due_sources(cfg, store, now(cfg.settings.timezone))
    for b, state in states.items():
        assert state.last_summary["interrupted"] is True, (b, state.last_summary)
        assert "crawl_timeout" not in state.last_summary["failed"]
        assert state.consecutive_failures == 0 and state.healthy
    assert {s.id for s in due} >= set(BOARDS)


def test_the_crawls_of_a_killed_worker_s_requests_are_marked_when_they_are_put_back(
    tmp_path, redis_url
):
    """kill -9: the worker's in-flight requests wait in Redis until a reap (another worker's,
    or the leader's pass) puts them back; that reap marks their crawls interrupted. A crawl
    whose requests merely wait on the frontier, no worker having stopped in it, still times
    out as a failure."""
    import uuid

    cfg = load_config(make_config(tmp_path, "http://127.0.0.1:9"))
    cut, killed, waiting = (s.id for s in cfg.sources.sources[:3])
    server = redis.Redis.from_url(redis_url)
    keys = Keys(f"t{uuid.uuid4().hex[:8]}")
    at = now(cfg.settings.timezone) - timedelta(hours=2)
    with open_store(cfg) as store:
        ctx = CrawlContext(cfg=cfg, store=store)
        dead = FrontierQueue(server, FrontierSpider(ctx, worker_id="dead"), keys.requests)
        reaper = FrontierQueue(server, FrontierSpider(ctx, worker_id="live"), keys.requests)
        cids = {sid: open_crawl(server, keys, sid, at) for sid in (cut, killed, waiting)}
        for sid in (cut, killed):
            meta = {"crawl": cids[sid], "source_id": sid, "yq_callback": "parse"}
            dead.push(Request(f"http://127.0.0.1:9/{sid}", callback=dead.spider.route, meta=meta))
        dead.heartbeat()
        assert dead.pop() is not None and dead.pop() is not None  # in flight, then kill -9
        meta = {"crawl": cids[waiting], "source_id": waiting, "yq_callback": "parse"}
        reaper.push(Request("http://127.0.0.1:9/w", callback=reaper.spider.route, meta=meta))
        assert reaper.reap(0) == 2
        assert sorted(reaper.interrupted) == sorted((cids[cut], cids[killed]))
        assert close_finished(cfg, store, server, keys, timeout=3 * 3600) == []  # pending
        assert sorted(close_finished(cfg, store, server, keys, timeout=0)) == sorted(cids.values())
        states = {sid: store.get_source_state(sid) for sid in cids}
    for sid in (cut, killed):
        assert states[sid].last_summary["interrupted"] is True, states[sid].last_summary
        assert states[sid].consecutive_failures == 0
    assert "crawl_timeout" in states[waiting].last_summary["failed"]
    assert states[waiting].last_summary["interrupted"] is False
