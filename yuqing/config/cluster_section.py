"""The ``cluster:`` section of settings.yaml: running on several machines (docs/operations.md).

Absent or ``redis_url: null`` (the default) is the single machine: no Redis, ``yuqing run``
crawls in child processes and delivers alerts itself. With a Redis URL the crawl frontier
(scrapy-redis), the leader lease and the cross-worker politeness live in that Redis, and the
store must be shared by every node (``storage.backend: elasticsearch``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from yuqing.config.types import Duration, parse_duration


class ClusterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)

    redis_url: str | None = None  # redis://host:6379/0; the password from $YUQING_REDIS_PASSWORD
    #: what ``yuqing run`` does on this node: ``scheduler`` = stand for leader (enqueue due
    #: sources, alerts, delivery, digests); ``worker`` = crawl from the frontier
    role: Literal["scheduler", "worker"] = "scheduler"
    key_prefix: str = Field(default="yuqing", pattern=r"^[A-Za-z0-9_.-]+$")
    node_id: str | None = None  # default hostname:pid
    lease: Duration = parse_duration(
        "30s"
    )  # leader lease; a dead leader is replaced after at most this
    worker_timeout: Duration = parse_duration(
        "30s"
    )  # a silent worker's in-flight requests go back after this
    crawl_timeout: Duration = parse_duration(
        "6h"
    )  # a source crawl still open after this is closed as failed (interrupted: a worker stopped)

    @property
    def enabled(self) -> bool:
        return bool(self.redis_url)

    @model_validator(mode="after")
    def _check(self) -> ClusterSettings:
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"redis_url {self.redis_url!r}: use redis://host:port/db")
        if self.lease.total_seconds() < 3:
            raise ValueError("lease must be at least 3s (it is renewed every third of it)")
        return self
