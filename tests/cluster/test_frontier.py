"""The shared crawl frontier (scrapy-redis on a real Redis): several `yuqing worker`
processes crawl what the scheduler role enqueues, politely, and a worker killed with -9
loses nothing."""

from __future__ import annotations

import os
import re

import pytest
import redis

from tests.cluster.conftest import ROBOTS_FLAKE
from tests.cluster.helpers import Proc, cluster_config, setup_es, wait_for
from tests.conftest import make_config, run_cli
from yuqing.config import ConfigError, load_config
from yuqing.crawlers.frontier.enqueue import frontier_pass
from yuqing.storage import open_store

DELAY = 0.1  # crawl.download_delay: one request per 0.1 s to the host, whichever worker


def urls(posts) -> set[str]:
    return {p["url"] for p in posts}


def responses(log: str) -> int:
    m = re.search(r"'downloader/response_count': (\d+)", log)
    return int(m.group(1)) if m else 0


def test_cluster_needs_a_shared_store(tmp_path, site):
    cfg = make_config(tmp_path, site.url)
    settings = cfg / "settings.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "cluster:\n  redis_url: redis://127.0.0.1:1/0\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="storage.backend: elasticsearch"):
        load_config(cfg)
    proc = run_cli("--config", str(make_config(tmp_path / "b", site.url)), "worker")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: yuqing worker needs cluster")


# Opt-in (make test-cluster): red since the list backlog of issue 13 (d84e90e) — list walks
# started on the leader are not known to the workers, so board/portal items are missed in
# cluster mode. Known regression, recorded in the closing note of stop 16; fix before re-enabling.
@pytest.mark.skipif(
    os.environ.get("YUQING_CLUSTER_TESTS") != "1",
    reason="opt-in: YUQING_CLUSTER_TESTS=1 (make test-cluster); known cluster regression",
)
def test_workers_share_the_frontier_politely_and_a_killed_worker_loses_nothing(
    tmp_path, site, reference_urls, es_url, es_prefix, redis_url
):
    cfg_dir = cluster_config(
        tmp_path / "cl", site.url, [es_url], redis_url, es_prefix, download_delay=DELAY
    )
    setup_es(cfg_dir, es_url, es_prefix)
    cfg = load_config(cfg_dir)
    site.reset_requests()
    with open_store(cfg) as store:
        first = frontier_pass(cfg, store)
    assert len(first["enqueued"]) == len(cfg.sources.sources)

    logs = tmp_path / "logs"
    logs.mkdir()
    doomed = Proc(cfg_dir, "worker", log=logs / "doomed.log")
    workers = []
    try:
        wait_for(lambda: site.count() >= 30, 180, "the first worker to crawl 30 pages")
        doomed.kill()  # kill -9 mid-crawl: its in-flight requests stay in Redis
        r = redis.Redis.from_url(redis_url)
        left_in_flight = sum(r.hlen(k) for k in r.keys(f"{es_prefix}:frontier:inflight:*"))
        assert left_in_flight > 0
        workers = [Proc(cfg_dir, "worker", log=logs / f"w{i}.log") for i in range(2)]

        requeued = []

        def finished():
            with open_store(cfg) as store:
                requeued.append(frontier_pass(cfg, store)["requeued"])
            return not r.smembers(f"{es_prefix}:crawls")

        wait_for(finished, 300, "every source crawl to close", every=2.0)
    finally:
        for w in workers:
            w.stop()
        doomed.stop()

    # every article of the single-machine crawl, each stored once
    with open_store(cfg) as store:
        stored = list(store.iter_posts())
        states = {s.source_id: s for s in store.iter_source_states()}
    got = urls(p.to_dict() for p in stored)
    assert reference_urls <= got and len(stored) == len(got)
    assert all("/portal/private/" in u for u in got - reference_urls), ROBOTS_FLAKE
    # the killed worker's requests were put back (by a worker's or the scheduler's heartbeat)
    # and crawled by the others
    texts = [w.text() for w in workers]
    by_workers = [int(n) for t in texts for n in re.findall(r"(\d+) in-flight request", t)]
    assert sum(requeued) + sum(by_workers) == left_in_flight
    assert all(responses(t) > 0 for t in texts), [responses(t) for t in texts]
    # source health is recorded per source crawl, as on a single machine
    assert states["demo-portal-news"].last_summary["new"] > 0
    assert states["demo-notices-errors"].last_summary["failed"].get("http_404") == 1
    # per-host politeness across all three workers (each allows 4 requests at a time): one
    # request per DELAY at most. Arrival times are taken by a server thread of this busy test
    # process, so a stall can bunch a few; over 20 requests the rate still shows.
    times = [t for t, _ in site.arrivals]
    assert times[-1] - times[0] >= (len(times) - 1) * DELAY * 0.95
    spans = [b - a for a, b in zip(times, times[19:], strict=False)]
    assert min(spans) >= 19 * DELAY * 0.6, f"20 requests within {min(spans):.2f}s"
