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
