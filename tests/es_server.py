"""Pytest plugin: a real Elasticsearch node for the session (``tools/es_server.py``).

Enable with ``pytest_plugins = ["tests.es_server"]`` in ``tests/conftest.py`` (or
``pytest -p tests.es_server``). Fixtures:

* ``es_url`` (session) — the node's URL. ``$YUQING_TEST_ES_URL`` reuses a running node instead.
* ``es_client`` (session) — an ``elasticsearch.Elasticsearch`` client for it.
* ``es_prefix`` — a fresh, unique index prefix per test; its indices and templates are
  deleted afterwards.

Without Java or Maven the Elasticsearch tests are skipped with a message saying what to
install — unless ``CI=true``, where they fail instead.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tools.es_server import INSTALL_HINT, EsNode, EsServerError, home, missing_tools


def _unavailable(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"Elasticsearch tests cannot run: {message}", pytrace=False)
    pytest.skip(f"Elasticsearch tests skipped: {message}")


@pytest.fixture(scope="session")
def es_url():
    external = os.environ.get("YUQING_TEST_ES_URL")
    if external:
        yield external.rstrip("/")
        return
    cached = (home() / "bin" / "elasticsearch").exists()
    missing = missing_tools(need_maven=not cached)
    if missing:
        _unavailable(f"{' and '.join(missing)} not found: {INSTALL_HINT}")
    node = EsNode()
    try:
        node.start()
    except EsServerError as exc:
        _unavailable(str(exc))
    yield node.url
    node.stop()


@pytest.fixture(scope="session")
def es_client(es_url):
    from elasticsearch import Elasticsearch

    es = Elasticsearch(es_url, request_timeout=60)
    yield es
    es.close()


@pytest.fixture
def es_prefix(es_client):
    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield prefix
    quiet = es_client.options(ignore_status=404)
    indices = list(quiet.indices.get(index=f"{prefix}-*", expand_wildcards="all").body)
    if indices:
        quiet.indices.delete(index=",".join(indices))
    templates = quiet.indices.get_index_template(name=f"{prefix}-*").body
    for template in templates.get("index_templates", []):
        quiet.indices.delete_index_template(name=template["name"])
