"""Pytest plugin: a real Redis server (Debian's ``redis-server``, ``tools/redis_server.py``).

Fixtures:

* ``redis_server`` (session) — the running server (``.url``, ``.port``).
* ``redis_url`` — the server's URL with a fresh, empty database for each test (FLUSHALL).

Without ``redis-server`` the tests that need it are skipped with what to install — unless
``CI=true``, where they fail instead.
"""

from __future__ import annotations

import os

import pytest

from tools.redis_server import INSTALL_HINT, RedisServer, RedisServerError, binary


@pytest.fixture(scope="session")
def redis_server():
    if binary() is None:
        message = f"redis-server not found: {INSTALL_HINT}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis tests cannot run: {message}", pytrace=False)
        pytest.skip(f"Redis tests skipped: {message}")
    server = RedisServer()
    try:
        server.start()
    except RedisServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url
