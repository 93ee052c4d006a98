"""Running on several machines: the Redis connection and the key names every node shares.

Nothing here is imported on the single-machine path (``cluster.redis_url`` unset); see
docs/operations.md for the deployment and docs/architecture.md for the roles.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

PASSWORD_ENV = "YUQING_REDIS_PASSWORD"


@dataclass(frozen=True)
class Keys:
    """Every Redis key, under one prefix (``cluster.key_prefix``)."""

    prefix: str

    @property
    def requests(self) -> str:  # scrapy-redis priority queue (sorted set)
        return f"{self.prefix}:frontier:requests"

    @property
    def dupefilter(self) -> str:  # + ":<crawl id>", one set per source crawl
        return f"{self.prefix}:frontier:dupefilter"

    @property
    def workers(self) -> str:  # sorted set: worker id -> last heartbeat (server time)
        return f"{self.prefix}:frontier:workers"

    def inflight(self, worker: str = "") -> str:  # hash: token -> request, per worker
        return f"{self.prefix}:frontier:inflight:{worker}"

    @property
    def seq(self) -> str:
        return f"{self.prefix}:frontier:seq"

    @property
    def crawls(self) -> str:  # set of open source crawls
        return f"{self.prefix}:crawls"

    def crawl(self, crawl_id: str) -> str:  # hash: counters of one source crawl
        return f"{self.prefix}:crawl:{crawl_id}"

    def polite(self, host: str) -> str:  # next allowed request time for a host (ms)
        return f"{self.prefix}:polite:{host}"

    def state_lock(self, source_id: str) -> str:  # a lock on a source's stored state
        return f"{self.prefix}:lock:source-state:{source_id}"

    @property
    def leader(self) -> str:
        return f"{self.prefix}:leader"


def node_id(cluster: Any) -> str:
    return cluster.node_id or f"{socket.gethostname()}:{os.getpid()}"


def redis_params(cluster: Any) -> dict[str, Any]:
    """Connection options (scrapy-redis' ``REDIS_PARAMS`` too); the password only from
    ``$YUQING_REDIS_PASSWORD``."""
    params: dict[str, Any] = {
        "socket_timeout": 10,
        "socket_connect_timeout": 10,
        "retry_on_timeout": True,
        "health_check_interval": 30,
    }
    password = os.environ.get(PASSWORD_ENV)
    if password:
        params["password"] = password
    return params


def connect(cluster: Any):
    """A Redis client for ``cluster.redis_url`` (bytes responses, as scrapy-redis uses)."""
    import redis

    return redis.Redis.from_url(cluster.redis_url, **redis_params(cluster))
