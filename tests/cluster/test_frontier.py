"""The shared crawl frontier (scrapy-redis on a real Redis): several `yuqing worker`
processes crawl what the scheduler role enqueues, politely, and a worker killed with -9
loses nothing."""

from __future__ import annotations

import re

import pytest
import redis

from tests.cluster.helpers import Proc, cluster_config, comparable, setup_es, wait_for
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


def test_workers_share_the_frontier_politely_and_a_killed_worker_loses_nothing(
    tmp_path, site, reference_urls, es_url, es_prefix, redis_url
):
    cfg_dir = cluster_config(
        tmp_path / "cl",
        site.url,
        [es_url],
        redis_url,
        es_prefix,
        download_delay=DELAY,
        # each worker holds at most 4 requests (the default 16 let the first worker to ask take
        # a list page's whole batch of article requests while they waited for the host's
        # polite slots; an idle worker asks the frontier every 5 s (Scrapy's heartbeat), so on
        # a quiet machine the other could find the frontier empty for the whole crawl)
        concurrent_requests=4,
        # a loaded machine can starve a live worker's heartbeat for seconds: only the killed
        # worker may look stopped, or the re-queue count below would include a live one's
        cluster={"worker_timeout": "15s"},
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
    r = redis.Redis.from_url(redis_url)

    def in_flight() -> int:
        return sum(r.hlen(k) for k in r.keys(f"{es_prefix}:frontier:inflight:*"))

    try:
        wait_for(
            lambda: site.count() >= 30 and in_flight() > 0,
            300,
            "the first worker to crawl 30 pages with requests in flight",
            every=0.05,
        )
        doomed.kill()  # kill -9 mid-crawl: its in-flight requests stay in Redis
        left_in_flight = in_flight()
        assert left_in_flight > 0, "the kill found no request in flight"
        workers = [Proc(cfg_dir, "worker", log=logs / f"w{i}.log") for i in range(2)]

        requeued = []

        def finished():
            with open_store(cfg) as store:
                requeued.append(frontier_pass(cfg, store)["requeued"])
            return not r.smembers(f"{es_prefix}:crawls")

        wait_for(finished, 600, "every source crawl to close", every=2.0)
    finally:
        for w in workers:
            w.stop()
        doomed.stop()

    # every article of the single-machine crawl, each stored once
    with open_store(cfg) as store:
        stored = list(store.iter_posts())
        states = {s.source_id: s for s in store.iter_source_states()}
    assert len(stored) == len(urls(p.to_dict() for p in stored)), "a post was stored twice"
    got = comparable(urls(p.to_dict() for p in stored))
    assert not reference_urls - got, f"missing: {sorted(reference_urls - got)}"
    extra = got - reference_urls
    assert not extra, "not in the single-machine crawl: " + "; ".join(
        f"{p.url} (source {p.source_id}, crawled {p.crawled_at}, notes {p.notes}; served "
        f"{[r for r in site.requests if r[1] in p.url]}; worker logs: "
        f"{[ln for t in [doomed.text(), *(w.text() for w in workers)] for ln in t.splitlines() if p.url.split('/', 3)[3] in ln]})"
        for p in stored
        if p.url in extra
    )
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
    # process, so a stall of the test process can bunch a few; over 40 requests the rate shows.
    times = [t for t, _ in site.arrivals]
    assert len(times) > 60, len(times)
    assert times[-1] - times[0] >= (len(times) - 1) * DELAY * 0.95
    spans = [b - a for a, b in zip(times, times[39:], strict=False)]
    assert min(spans) >= 39 * DELAY * 0.6, f"40 requests within {min(spans):.2f}s"
