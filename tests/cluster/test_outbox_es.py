"""The Elasticsearch outbox of a cluster passes the delivery tests of the SQLite outbox
(tests/alerts/test_delivery.py, collected here again with an outbox in a real node), and two
deliverers racing on one outbox never send a row twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from tests.alerts.conftest import HOT, SAFETY, T0, Rig, make_event, make_post
from tests.alerts.test_delivery import (  # noqa: F401 - collected again with the ES outbox
    test_quiet_hours_hold_non_red_until_morning,
    test_rate_limit_aggregates_into_one_message,
    test_realert_suppressed_unless_level_rises,
    test_rows_go_dead_after_max_attempts_and_can_be_retried,
    test_same_check_twice_delivers_each_alert_exactly_once,
    test_smtp_refusing_connections_then_recovering,
    test_stored_alert_without_outbox_rows_is_reconciled,
)
from tests.servers import smtp_sink  # noqa: F401 - the shared fixture
from yuqing.alerts.outbox_es import ElasticOutbox


class EsRig(Rig):
    def __init__(self, root, sink, rules, es_url: str, prefix: str, **kw):
        super().__init__(root, sink, rules, **kw)
        self.outbox.close()
        self.outbox = ElasticOutbox(Elasticsearch(es_url), f"{prefix}-outbox")


@pytest.fixture
def make_rig(tmp_path, smtp_sink, es_url, es_prefix):  # noqa: F811 - the shared fixture
    rigs = []

    def factory(rules, sink=smtp_sink, **kw):
        rig = EsRig(tmp_path, sink, rules, es_url, es_prefix, **kw)
        rigs.append(rig)
        return rig

    yield factory
    for rig in rigs:
        rig.close()


def test_two_deliverers_racing_send_each_message_once(make_rig, smtp_sink, es_url, es_prefix):  # noqa: F811
    rig = make_rig([HOT, SAFETY])
    rig.store.upsert_event(make_event("e1", focus=["real_estate_finance"]))
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"]))
    rig.engine().check(T0)
    rows = rig.outbox.rows()
    assert len(rows) == 5
    other = ElasticOutbox(Elasticsearch(es_url), f"{es_prefix}-outbox")
    from yuqing.alerts.delivery import Deliverer

    deliverers = [
        rig.deliverer(),
        Deliverer(rig.cfg, rig.store, other, rig.settings),
    ]
    deliverers[1].owner += ":second"
    reports = []

    def run(d):
        for i in range(3):
            reports.append(d.run_once(T0 + timedelta(seconds=i)))

    threads = [threading.Thread(target=run, args=(d,)) for d in deliverers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    ids = smtp_sink.message_ids()
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 5
    assert sum(r.sent for r in reports) == 5
    assert rig.outbox.counts() == {"sent": 5}


def test_digest_ledger_in_elasticsearch_is_shared_by_every_node(es_url, es_prefix):
    from yuqing.dashboards.ledger_es import ElasticDigestLedger

    index = f"{es_prefix}-digest-ledger"
    with ElasticDigestLedger(Elasticsearch(es_url), index) as one:
        assert not one.was_sent("2026-11-21", "duty@cac.gov.example") and one.last_day is None
        one.record_sent("2026-11-21", "Duty@cac.gov.example", "2026-11-22T08:00:00+08:00")
        one.record_sent("2026-11-21", "duty@cac.gov.example", "2026-11-22T08:05:00+08:00")
        one.set_last_day("2026-11-22")
    with ElasticDigestLedger(Elasticsearch(es_url), index) as other:  # another node
        assert other.was_sent("2026-11-21", "DUTY@cac.gov.example")
        assert not other.was_sent("2026-11-20", "duty@cac.gov.example")
        assert other.last_day == "2026-11-22"
