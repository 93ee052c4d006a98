"""The storage contract against a real Elasticsearch node, plus Elasticsearch specifics."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch

from tests.storage.contract import StoreContract
from yuqing.storage.elastic import ElasticStore


def make_store(es_url: str, prefix: str, spool_path, **kw) -> ElasticStore:
    es = Elasticsearch(es_url, request_timeout=30, max_retries=1, retry_on_timeout=False)
    return ElasticStore(es, prefix, spool_path, url=es_url, **kw)


@pytest.fixture
def store(es_url, es_prefix, tmp_path):
    s = make_store(es_url, es_prefix, tmp_path / "spool.db")
    yield s
    try:
        s.close()
    except Exception:
        pass


@pytest.fixture
def reopen(es_url, es_prefix, tmp_path):
    return lambda: make_store(es_url, es_prefix, tmp_path / "spool.db")


class TestElasticContract(StoreContract):
    pass


def test_record_doc_is_to_dict_without_the_copy():
    from datetime import timedelta

    from tests.storage.contract import T0, make_post
    from yuqing.models import Alert, Event
    from yuqing.storage.es_docs import record_doc

    post = make_post(
        focus=["a"],
        engagement={"likes": 1},
        focus_evidence={"a": ["x"]},
        tokens=["小区", "停水"],
        updated_at=T0 + timedelta(hours=1),
        region="临海市",
        regions_mentioned=["白水洋镇"],
    )
    event = Event(id="e", title="t", first_seen=T0, last_seen=None, keywords=["k"])
    alert = Alert(id="a", level="red", rule="r", created_at=T0, evidence={"n": [1]})
    for record in (post, event, alert):
        doc = record_doc(record)
        if record is post:  # plus the time and the place the aggregates count it at
            assert doc.pop("posted_at") == post.published_at.isoformat()
            assert doc.pop("place") == "临海市白水洋镇"
        if record is alert:  # plus its subject, searchable
            assert doc.pop("subject") is None
        assert doc == record.to_dict()
