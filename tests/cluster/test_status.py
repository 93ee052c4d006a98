"""``yuqing status`` on a cluster (``yuqing/app/health.py`` ``cluster_view``): the node holding
the leader lease, each crawl worker's heartbeat and the frontier's queue, read from a real
Redis — with real nodes (a candidate daemon and a worker), and the problems it names."""

from __future__ import annotations

import json

import redis

from tests.cluster.helpers import Proc, cluster_config, node_config, setup_es, wait_for
from tests.conftest import run_cli
from tests.servers import free_port
from yuqing.app.health import Status, cluster_view
from yuqing.cluster import Keys
from yuqing.commands.status import prometheus, text
from yuqing.config.cluster_section import ClusterSettings


def _status(cfg) -> tuple[int, dict]:
    proc = run_cli("--config", str(cfg), "status", "--format", "json")
    return proc.returncode, json.loads(proc.stdout)


def test_status_shows_the_leader_and_the_workers_of_a_running_cluster(
    tmp_path, site, es_url, es_prefix, redis_url
):
    """No node yet: no leader (a problem). A candidate daemon takes the lease and a worker
    beats: both shown, no cluster problem — asked from a third config that runs nothing
    itself (no "daemon not running here" either).
    The worker stopped gives itself back; the leader killed with -9: the lease runs out and
    the problem is back."""
    base = cluster_config(tmp_path / "cl", site.url, [es_url], redis_url, es_prefix)
    setup_es(base, es_url, es_prefix)
    code, s = _status(base)
    assert code == 1 and s["cluster"]["leader"] is None
    assert any("no node holds the leader lease" in p for p in s["problems"])

    r = redis.Redis.from_url(redis_url)
    keys = Keys(es_prefix)
    logs = tmp_path / "logs"
    logs.mkdir()
    leader = Proc(
        node_config(base, tmp_path, "node-a", node_id="node-a"),
        "run",
        "--no-crawl",
        log=logs / "a.log",
    )
    worker = Proc(
        node_config(base, tmp_path, "node-b", node_id="node-b"),
        "worker",
        "--no-nlp",
        log=logs / "b.log",
    )
    try:
        wait_for(lambda: r.get(keys.leader) == b"node-a", 120, "node-a to lead")
        wait_for(lambda: r.zscore(keys.workers, "node-b") is not None, 120, "node-b to beat")
        _, s = _status(base)
        c = s["cluster"]
        assert c["leader"] == "node-a" and c["lease_left_s"] > 0
        assert [(w["id"], w["alive"]) for w in c["workers"]] == [("node-b", True)]
        assert not any("daemon (yuqing run)" in p for p in s["problems"]), s["problems"]
        # (the config has no SMTP server: the leader's digest fails, which status names too)
        assert not any(p.startswith("cluster:") for p in s["problems"]), s["problems"]
        assert worker.stop() == 0, worker.text()[-2000:]
        assert r.zscore(keys.workers, "node-b") is None  # gave itself back
        leader.kill()
        wait_for(lambda: r.get(keys.leader) is None, 60, "the lease to run out")
        code, s = _status(base)
        assert code == 1 and s["cluster"]["leader"] is None and s["cluster"]["workers"] == []
    finally:
        worker.stop()
        leader.kill()


def test_requests_waiting_with_only_silent_workers_are_a_problem(redis_url):
    """Heartbeats as the frontier writes them (a sorted set scored by Redis' clock): a worker
    silent past cluster.worker_timeout is shown SILENT, and requests queued or held with no
    live worker are a problem; Redis' own clock decides, not this machine's."""
    cluster = ClusterSettings(redis_url=redis_url, key_prefix="st", worker_timeout="30s")
    keys = Keys("st")
    r = redis.Redis.from_url(redis_url)
    now = r.time()[0]
    r.set(keys.leader, "node-a", px=20_000)
    r.zadd(keys.workers, {"w-old": now - 120})
    r.zadd(keys.requests, {b"request-1": 0, b"request-2": 0})
    r.hset(keys.inflight("w-old"), "t1", b"request-3")
    r.sadd(keys.crawls, "src@1")
    view, problems = cluster_view(cluster)
    assert view["leader"] == "node-a" and 0 < view["lease_left_s"] <= 20
    assert (view["queued"], view["in_flight"], view["open_crawls"]) == (2, 1, 1)
    (w,) = view["workers"]
    assert w["id"] == "w-old" and not w["alive"] and w["heartbeat_age_s"] >= 120
    assert problems == ["cluster: 3 request(s) on the frontier and no crawl worker alive"]

    r.zadd(keys.workers, {"w-new": now})
    view, problems = cluster_view(cluster)
    assert problems == [] and [x["alive"] for x in view["workers"]] == [False, True]
    out = text(Status(at=None, daemon=_NO_DAEMON, cluster=view))
    assert "cluster: leader node-a" in out and "workers: 1 alive of 2" in out
    assert (
        "w-old: SILENT" in out and "frontier: 2 queued, 1 in flight, 1 source crawl(s) open" in out
    )
    metrics = prometheus(Status(at=None, daemon=_NO_DAEMON, cluster=view))
    assert 'yuqing_cluster_leader{node="node-a"} 1' in metrics
    assert 'yuqing_cluster_worker_alive{worker="w-old"} 0' in metrics
    assert "yuqing_frontier_queued 2" in metrics and "yuqing_cluster_redis_up 1" in metrics


def test_redis_down_is_one_problem():
    cluster = ClusterSettings(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    view, problems = cluster_view(cluster)
    assert view == {"redis": "unreachable"}
    assert len(problems) == 1 and problems[0].startswith("cluster: Redis unreachable (")
    assert "cluster: Redis unreachable" in text(Status(at=None, daemon=_NO_DAEMON, cluster=view))
    assert "yuqing_cluster_redis_up 0" in prometheus(
        Status(at=None, daemon=_NO_DAEMON, cluster=view)
    )


_NO_DAEMON = {"running": False, "pid": None, "started_at": None, "heartbeat_age_s": None}
