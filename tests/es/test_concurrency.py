"""Alerts' compare-and-set on Elasticsearch: two stores racing, optimistic concurrency."""

from __future__ import annotations

import threading

import pytest

from tests.es.helpers import make_store
from tests.storage.contract import T0
from yuqing.models import Alert
from yuqing.storage.elastic import ElasticStore


@pytest.fixture
def two(es_url, es_prefix, tmp_path):
    a = make_store(es_url, es_prefix, tmp_path / "a.db")
    b = make_store(es_url, es_prefix, tmp_path / "b.db")
    yield a, b
    a.close()
    b.close()


def test_both_read_the_same_version_and_only_one_wins(two, monkeypatch):
    a, b = two
    a.insert_alert(Alert(id="x", level="red", rule="hot", created_at=T0))
    barrier = threading.Barrier(2, timeout=10)
    reads = {"n": 0}
    original = ElasticStore._lookup

    def lookup_then_wait(self, kind, ids, fields=True):
        found = original(self, kind, ids, fields)
        reads["n"] += 1
        if reads["n"] <= 2:  # both first reads see status=open, then both try to write
            barrier.wait()
        return found

    monkeypatch.setattr(ElasticStore, "_lookup", lookup_then_wait)
    results: dict[str, bool] = {}

    def ack(name: str, store: ElasticStore) -> None:
        results[name] = store.update_alert(
            "x", expect={"status": "open"}, status="acked", title=f"acked by {name}"
        )

    threads = [threading.Thread(target=ack, args=(n, s)) for n, s in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == [False, True]
    winner = "a" if results["a"] else "b"
    got = a.get_alert("x")
    assert got.status == "acked" and got.title == f"acked by {winner}"


def test_a_conflict_on_an_unrelated_field_is_retried_not_lost(two, monkeypatch):
    a, b = two
    a.insert_alert(Alert(id="y", level="red", rule="hot", created_at=T0))
    original = ElasticStore._lookup
    fired = {"done": False}

    def lookup_then_interfere(self, kind, ids, fields=True):
        found = original(self, kind, ids, fields)
        if self is a and not fired["done"]:  # b sets delivered_at between a's read and write
            fired["done"] = True
            assert b.update_alert("y", delivered_at=T0)
        return found

    monkeypatch.setattr(ElasticStore, "_lookup", lookup_then_interfere)
    assert a.update_alert("y", expect={"status": "open"}, status="acked")
    got = b.get_alert("y")
    assert got.status == "acked" and got.delivered_at == T0


def test_many_racing_workers_one_winner_per_alert(es_url, es_prefix, tmp_path):
    stores = [make_store(es_url, es_prefix, tmp_path / f"s{i}.db") for i in range(4)]
    for i in range(10):
        stores[0].insert_alert(Alert(id=f"r{i}", level="red", rule="hot", created_at=T0))
    wins: list[tuple[str, int]] = []
    lock = threading.Lock()

    def worker(n: int, store: ElasticStore) -> None:
        for i in range(10):
            if store.update_alert(f"r{i}", expect={"status": "open"}, status="acked"):
                with lock:
                    wins.append((f"r{i}", n))

    threads = [threading.Thread(target=worker, args=(n, s)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(w[0] for w in wins) == [f"r{i}" for i in range(10)]
    for s in stores:
        s.close()
