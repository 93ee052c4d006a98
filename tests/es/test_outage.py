"""Elasticsearch going away mid-crawl: writes spool, nothing is lost or doubled on replay."""

from __future__ import annotations

import pytest

from tests.es.helpers import Proxy, make_store, posts
from tests.storage.contract import T0, make_post
from yuqing.models import Alert, Event
from yuqing.storage import SourceState, StorageError, UrlState


@pytest.fixture
def proxy(es_url):
    p = Proxy(es_url)
    yield p
    p.down()


def test_outage_spools_and_replays_in_order(proxy, es_prefix, tmp_path, es_client):
    spool = tmp_path / "spool.db"
    store = make_store(proxy.url, es_prefix, spool, probe_interval=0)
    assert store.upsert_posts(posts(100)) == {"new": 100, "updated": 0, "unchanged": 0}

    proxy.down()
    # the crawl goes on: nothing raises
    assert store.upsert_posts(posts(150, 100))["new"] == 50
    assert store.upsert_post(posts(1)[0]) == "new"  # unknown while down; stays one doc
    store.upsert_post(make_post(url="http://127.0.0.1/p/120.html", text="第一版"))
    assert (
        store.upsert_post(make_post(url="http://127.0.0.1/p/120.html", text="第二版")) == "updated"
    )
    store.upsert_event(Event(id="e1", title="停水", size=1, last_seen=T0))
    store.save_source_state(SourceState("s1", consecutive_failures=2))
    store.save_url_state(UrlState("http://127.0.0.1/p/1.html", "s1", etag='"e"'))
    store.flush()  # durable in the spool, no raise
    assert store.stats["spooled"] == 56 and len(store.spool) == 56
    with pytest.raises(StorageError, match="unreachable"):
        store.count_posts()
    with pytest.raises(StorageError, match="unreachable"):
        store.insert_alert(Alert(id="a1", level="red", rule="hot", created_at=T0))
    store.close()  # the process stops mid-outage

    proxy.up()
    store = make_store(proxy.url, es_prefix, spool, probe_interval=0)
    assert len(store.spool) == 56  # survived the restart
    store.upsert_posts(posts(200, 150))
    store.flush()
    assert len(store.spool) == 0 and store.stats["replayed"] == 56
    assert store.count_posts() == 200
    ids = [p.id for p in store.iter_posts()]
    assert len(ids) == len(set(ids)) == 200
    assert es_client.count(index=f"{es_prefix}-posts")["count"] == 200
    assert store.get_post(make_post(url="http://127.0.0.1/p/120.html").id).text == "第二版"
    assert store.get_post(posts(1)[0].id).crawled_at == T0  # first crawl time kept
    assert store.get_event("e1").size == 1
    assert store.get_source_state("s1").consecutive_failures == 2
    assert store.get_url_state("http://127.0.0.1/p/1.html").etag == '"e"'
    store.close()


def test_outage_between_writes_of_one_store(proxy, es_prefix, tmp_path):
    store = make_store(proxy.url, es_prefix, tmp_path / "spool.db", probe_interval=0)
    written = 0
    for round_ in range(6):
        if round_ == 2:
            proxy.down()
        if round_ == 4:
            proxy.up()
        store.upsert_posts(posts(written + 40, written))
        written += 40
    store.flush()
    assert len(store.spool) == 0
    assert store.count_posts() == 240
    assert store.stats["spooled"] == 80 and store.stats["replayed"] == 80
    store.close()


def test_a_dead_port_then_a_live_one(es_url, es_prefix, tmp_path):
    dead = Proxy(es_url)
    dead.down()  # nothing listens there
    spool = tmp_path / "spool.db"
    store = make_store(dead.url, es_prefix, spool)
    store.upsert_posts(posts(30))  # no raise: spooled
    assert len(store.spool) == 30
    store.close()
    live = make_store(es_url, es_prefix, spool)
    live.flush()
    assert live.count_posts() == 30 and len(live.spool) == 0
    live.close()
