"""A province on several machines, on one: Redis + a 3-node Elasticsearch cluster + two
`yuqing worker` + two `yuqing run` (scheduler role), real mail sink. Mid-run a worker is
killed with -9, one Elasticsearch node is stopped and the leader is killed with -9; then every
article of a single-machine crawl is stored exactly once and every alert and digest e-mail
was delivered exactly once."""

from __future__ import annotations

import os
import time

import pytest
import redis
from elasticsearch import Elasticsearch

from tests.cluster.helpers import (
    Proc,
    cluster_config,
    comparable,
    node_config,
    setup_es,
    wait_for,
)
from tests.servers import SmtpSink, free_port
from tools.es_server import EsCluster, EsServerError, home, missing_tools
from yuqing.alerts.outbox_es import ElasticOutbox
from yuqing.alerts.render import message_id
from yuqing.config import load_config
from yuqing.storage import open_store

PREFIX = "prov"


@pytest.fixture(scope="module")
def es_cluster():
    missing = missing_tools(need_maven=not (home() / "bin" / "elasticsearch").exists())
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} not found", pytrace=False)
        pytest.skip(f"Elasticsearch cluster tests skipped: {missing} not found")
    cluster = EsCluster(3, heap="256m")
    try:
        cluster.start()
    except EsServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture
def sink():
    s = SmtpSink(free_port())
    s.start()
    yield s
    s.stop()


def test_province_survives_a_killed_worker_a_lost_node_and_a_killed_leader(
    tmp_path, site, reference_urls, es_cluster, redis_url, sink
):
    base = cluster_config(
        tmp_path,
        site.url,
        es_cluster.urls,
        redis_url,
        PREFIX,
        smtp_port=sink.port,
        download_delay=0.05,
        schedule={"crawl": "3s", "alerts": "5s", "delivery": "3s", "digest_time": "00:00"},
        # on a loaded 2-core machine (3 Elasticsearch nodes, Redis, four of our processes and
        # the test) a live process can go seconds without a turn: a lease or a heartbeat that
        # short would move the leader or re-queue a live worker's requests by accident
        cluster={"lease": "12s", "worker_timeout": "20s"},
    )
    setup_es(base, es_cluster.urls[0], PREFIX)
    es = Elasticsearch(es_cluster.urls)
    r = redis.Redis.from_url(redis_url)
    logs = tmp_path / "logs"
    logs.mkdir()
    site.reset_requests()
    runs = {
        name: Proc(node_config(base, tmp_path, name, node_id=name), "run", log=logs / f"{name}.log")
        for name in ("run-a", "run-b")
    }
    workers = {
        name: Proc(
            node_config(base, tmp_path, name, node_id=name), "worker", log=logs / f"{name}.log"
        )
        for name in ("worker-a", "worker-b")
    }
    procs = [*runs.values(), *workers.values()]
    try:
        # exactly one leader, whose first pass puts every source on the frontier
        leader = wait_for(lambda: (r.get(f"{PREFIX}:leader") or b"").decode(), 240, "a leader")
        follower = next(n for n in runs if n != leader)

        # 1. kill -9 a worker mid-crawl, with requests in flight
        def worker_a_busy() -> int:
            return site.count() >= 30 and r.hlen(f"{PREFIX}:frontier:inflight:worker-a")

        in_flight = wait_for(worker_a_busy, 300, "30 pages crawled, worker-a busy", every=0.05)
        workers["worker-a"].kill()

        # 2. stop one Elasticsearch node (the first URL in settings.yaml)
        es_cluster.stop_node(0)
        es = Elasticsearch(es_cluster.urls[1:])
        health = es.cluster.health(wait_for_nodes="2", timeout="120s")
        assert health["status"] in ("green", "yellow"), health["status"]

        # every source crawl closes: the killed worker's requests were crawled by the other
        wait_for(lambda: not r.smembers(f"{PREFIX}:crawls") and r.zcard(f"{PREFIX}:frontier:requests") == 0,
                 600, "every source crawl to close", every=1)  # fmt: skip

        # 3. kill -9 the leader once its deliveries are done (nothing pending, mail quiet)
        outbox = ElasticOutbox(es, f"{PREFIX}-outbox")

        def quiet():
            before = len(sink.messages)
            time.sleep(2)
            counts = outbox.counts()
            return counts.get("sent") and not counts.get("pending") and len(sink.messages) == before

        wait_for(quiet, 300, "the leader to deliver the first alerts")
        runs[leader].kill()
        wait_for(lambda: (r.get(f"{PREFIX}:leader") or b"").decode() == follower, 120, "failover")
        wait_for(
            lambda: f"node {follower} is the leader" in runs[follower].text(), 60, "new leader"
        )

        def new_leader_passes() -> bool:
            """The new leader's first passes ran: its digest catch-up (a digest already sent
            must not go again), an alerts check with delivery, and a crawl pass."""
            text = runs[follower].text()
            text = text[text.index(f"node {follower} is the leader") :]
            return (
                "alerts check:" in text
                and any("digest_if_due_job" in x and "executed" in x for x in text.splitlines())
                and any("crawl_job" in x and "executed" in x for x in text.splitlines())
            )

        wait_for(new_leader_passes, 180, "the new leader's crawl, alerts and digest passes")
        wait_for(quiet, 180, "the new leader to settle")
    finally:
        for p in procs:
            p.stop()

    cfg = load_config(base)
    cfg.settings.storage.elasticsearch.url = es_cluster.urls[1]
    cfg.settings.storage.elasticsearch.hosts = es_cluster.urls[2:]
    with open_store(cfg) as store:
        posts = list(store.iter_posts())
        alerts = list(store.iter_alerts())
    # every article of the single-machine crawl, stored exactly once, none lost with the node
    stored = comparable({p.url for p in posts})
    assert len(posts) == len({p.url for p in posts}), "a post was stored twice"
    assert not reference_urls - stored, f"missing: {sorted(reference_urls - stored)}"
    assert not stored - reference_urls, f"not in the reference: {sorted(stored - reference_urls)}"
    assert in_flight > 0  # the kill left requests in flight, and they were crawled anyway
    # every alert delivered, each message exactly once, across the leader change
    rows = outbox.rows()
    outbox.close()
    assert alerts and all(a.delivered_at is not None for a in alerts)
    assert rows and {row.status for row in rows} == {"sent"}
    ids = sink.message_ids()
    assert len(ids) == len(set(ids)), "a message was delivered twice"
    expected = {
        message_id(
            row.alert_id if row.kind == "alert" else f"{row.alert_id}:{row.kind}", row.recipient
        )
        for row in rows
        if row.channel == "email" and not row.batch_id
    }
    assert expected <= set(ids)
    digests = [m for _, m in sink.messages if "舆情日报" in str(m["Subject"])]
    assert len(digests) == len(cfg.settings.digest.recipients)  # once, whoever led
    texts = {name: p.text() for name, p in runs.items()}
    assert f"node {leader} is the leader" in texts[leader]
    assert all("lost the leader lease" not in t for t in texts.values())
