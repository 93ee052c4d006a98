"""A source crawl on the frontier is open exactly as long as it has work: a callback's
requests are pushed before the callback is acknowledged, so the crawl's pending count never
touches 0 before its last request is done — however long a worker blocks in between (the
scheduler role closes a crawl at 0 after a 2 s grace; a worker busy longer than that had its
crawl closed early, and its health recorded with part of the crawl missing)."""

from __future__ import annotations

import json
from collections import Counter

import redis

from tests.cluster.helpers import Proc, board_cluster, wait_for
from tests.faults.boards import Board, BoardServer
from yuqing.config import load_config
from yuqing.crawlers.frontier.enqueue import frontier_pass
from yuqing.storage import open_store


def test_a_crawl_has_pending_work_until_its_last_request_is_done(
    tmp_path, es_url, es_prefix, redis_url
):
    with BoardServer(**{"b-api": Board(50), "b-html": Board(50)}) as srv:  # 5 list pages each
        cfg_dir = board_cluster(tmp_path, srv.url, es_url, redis_url, es_prefix)
        cfg = load_config(cfg_dir)
        r = redis.Redis.from_url(redis_url)
        events = tmp_path / "frontier-events.jsonl"
        worker = Proc(
            cfg_dir,
            "worker",
            "--no-nlp",
            log=tmp_path / "worker.log",
            env={"FRONTIER_EVENTS": str(events)},
            module="tests.cluster.observe_frontier",
        )
        try:
            wait_for(lambda: r.zcard(f"{es_prefix}:frontier:workers"), 180, "the worker")
            with open_store(cfg) as store:
                enqueued = frontier_pass(cfg, store)["enqueued"]
            assert enqueued == {"b-api": 1, "b-html": 1}

            def closed() -> bool:
                with open_store(cfg) as store:
                    frontier_pass(cfg, store)
                return not r.smembers(f"{es_prefix}:crawls")

            wait_for(closed, 300, "both source crawls to close", every=1.0)
        finally:
            assert worker.stop() is not None
        log = worker.text()

    # replay the crawls' pending counts in the order the worker changed them
    pending: Counter = Counter()
    started: set[str] = set()
    zero_at: dict[str, list[int]] = {}
    lines = events.read_text(encoding="utf-8").splitlines()
    assert lines, f"no frontier events recorded; worker log:\n{log[-2000:]}"
    for n, line in enumerate(lines):
        kind, crawl, token, url = json.loads(line)
        if crawl not in started:  # the start request, pushed by the scheduler role
            started.add(crawl)
            pending[crawl] += 1
        if kind == "push":
            pending[crawl] += 0 if token else 1  # a retry/redirect replaces its request
        else:
            pending[crawl] -= 1
        if pending[crawl] == 0:
            zero_at.setdefault(crawl, []).append(n)
    assert {c.split("@")[0] for c in started} == {"b-api", "b-html"}
    for crawl in started:
        last = max(n for n, line in enumerate(lines) if json.loads(line)[1] == crawl)
        assert zero_at.get(crawl) == [last], (
            f"{crawl}: nothing pending after event(s) {zero_at.get(crawl)} while the crawl "
            f"went on to event {last} (a callback acknowledged before its requests were pushed)"
        )
    pages = Counter(json.loads(line)[1].split("@")[0] for line in lines if "/post/" not in line)
    assert pages["b-api"] >= 9 and pages["b-html"] >= 9  # 5 list pages each: ack, push+ack
