"""The list backlog of issue 13 on a cluster: a list walk started by the scheduler role is
continued page by page by whichever worker takes the next request (the walk travels in the
request), and a board deeper than ``max_pages`` is backfilled by later crawls until the store
equals the server, item by item — as on one machine (tests/faults/test_completeness.py)."""

from __future__ import annotations

from datetime import timedelta

import redis
from elasticsearch import Elasticsearch

from tests.cluster.helpers import Proc, board_cluster, wait_for
from tests.faults.boards import Board, BoardServer
from yuqing.config import load_config
from yuqing.crawlers.frontier.enqueue import frontier_pass
from yuqing.storage import open_store
from yuqing.timeutil import now

BOARDS = ("b-api", "b-html")


def test_a_board_deeper_than_max_pages_is_backfilled_by_the_workers(
    tmp_path, es_url, es_prefix, redis_url
):
    with BoardServer(**{b: Board(200) for b in BOARDS}) as srv:  # 20 pages each
        cfg_dir = board_cluster(tmp_path, srv.url, es_url, redis_url, es_prefix)
        cfg = load_config(cfg_dir)
        r = redis.Redis.from_url(redis_url)
        es = Elasticsearch(es_url)
        logs = tmp_path / "logs"
        logs.mkdir()
        workers = [Proc(cfg_dir, "worker", "--no-nlp", log=logs / f"w{i}.log") for i in range(2)]
        start = now(cfg.settings.timezone)

        def crawl_once(n: int) -> dict:
            """One crawl of both boards (the scheduler role's pass), waited for until every
            source crawl is closed; the sources' last summaries."""
            at = start + timedelta(minutes=2 * n)  # every board is due again
            srv.requests.clear()
            with open_store(cfg) as store:
                enqueued = frontier_pass(cfg, store, at=at)["enqueued"]
            assert set(enqueued) == set(BOARDS), enqueued

            def closed() -> bool:
                with open_store(cfg) as store:
                    frontier_pass(cfg, store, at=at)  # closes finished crawls, enqueues none
                return not r.smembers(f"{es_prefix}:crawls")

            wait_for(closed, 300, f"crawl {n} of both boards to close", every=1.0)
            for b in BOARDS:  # every crawl stays within max_pages list pages
                assert len(srv.list_pages(b)) <= 8, (n, b, srv.list_pages(b))
            with open_store(cfg) as store:
                return {b: store.get_source_state(b).last_summary for b in BOARDS}

        def stored(board: str) -> dict[str, tuple[str, str]]:
            es.indices.refresh(index=f"{es_prefix}-*")
            with open_store(cfg) as store:
                return {p.url: (p.title, p.text) for p in store.iter_posts(source_id=board)}

        def served(board: str) -> dict[str, tuple[str, str]]:
            return {url: (m["title"], m["content"]) for url, m in srv.items(board).items()}

        try:
            wait_for(lambda: r.zcard(f"{es_prefix}:frontier:workers") == 2, 180, "two workers")
            first = crawl_once(1)
            for b in BOARDS:
                assert first[b]["new"] == 80, (b, first[b])
                assert first[b]["gaps"] == 1 and "resume at page 9" in first[b]["backlog"]
                assert first[b]["complete"] is False
            for n in range(2, 6):
                for b in BOARDS:
                    srv.add(b, 3)  # new messages on top shift the pages down
                last = crawl_once(n)
                if all(stored(b) == served(b) for b in BOARDS):
                    break
            for b in BOARDS:
                missing = set(served(b)) - set(stored(b))
                assert not missing, f"{b}: {len(missing)} of {len(served(b))} never stored"
                assert stored(b) == served(b)
            assert n <= 4, f"backfilled in {n} crawls"
            for b in BOARDS:  # closed: complete again, nothing pending
                assert last[b]["gaps"] == 0 and last[b]["complete"] is True, (b, last[b])
        finally:
            for w in workers:
                w.stop()


def test_closing_a_timed_out_crawl_keeps_the_backlog_a_worker_saves_meanwhile(tmp_path, redis_url):
    """The scheduler role closes a crawl that timed out while a worker is still walking one of
    its lists. Recording the crawl's health reads and writes the source's state; the worker's
    backlog save in between (under the workers' state lock) must survive it."""
    import threading
    import time
    import uuid

    from tests.conftest import make_config
    from yuqing.cluster import Keys
    from yuqing.crawlers.frontier.ledger import close_finished, open_crawl, state_lock

    cfg = load_config(make_config(tmp_path, "http://127.0.0.1:9"))
    sid = cfg.sources.sources[0].id
    server = redis.Redis.from_url(redis_url)
    keys = Keys(f"t{uuid.uuid4().hex[:8]}")
    cid = open_crawl(server, keys, sid, now(cfg.settings.timezone) - timedelta(hours=2))
    server.hincrby(keys.crawl(cid), "pending", 3)  # still walking
    saved = {"https://example.gov.cn/list": {"head": ["a"], "gaps": []}}

    with open_store(cfg) as leader_store, open_store(cfg) as worker_store:
        read = threading.Event()
        get_state = leader_store.get_source_state

        def read_then_linger(source_id):  # the leader reads the state, then is slow
            state = get_state(source_id)
            read.set()
            time.sleep(0.5)
            return state

        leader_store.get_source_state = read_then_linger

        def worker_saves_its_backlog():
            read.wait(30)
            with state_lock(server, keys, sid):
                state = worker_store.get_source_state(sid)
                state.backlog = saved
                worker_store.save_source_state(state)

        worker = threading.Thread(target=worker_saves_its_backlog)
        worker.start()
        closed = close_finished(cfg, leader_store, server, keys, timeout=3600)
        worker.join(60)
        assert closed == [cid]
        state = worker_store.get_source_state(sid)
    assert state.backlog == saved
    assert "crawl_timeout" in state.last_summary["failed"]
