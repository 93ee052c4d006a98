"""Per-host politeness held across every worker: at most one request to a host per
``crawl.download_delay`` seconds, whichever worker sends it.

Each request reserves the host's next free slot in Redis (one Lua script, on Redis' clock, so
the workers' clocks do not matter) and waits for it before it is downloaded. A request that
wakes up late — its worker's event loop was busy (NLP, store writes) — gives its slot up and
reserves a new one, so that requests held up together do not leave together. Scrapy's own
per-slot delay and AutoThrottle act inside one process only, so a worker runs with them off
and this middleware on; ``CONCURRENT_REQUESTS_PER_DOMAIN`` still bounds each worker.
"""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from yuqing.cluster import Keys

# KEYS[1] the host's key; ARGV[1] delay (ms). Returns how long to wait (ms).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nxt)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]) + 60000)
return slot - now
"""


MAX_RESERVATIONS = 20  # then go anyway: a worker this overloaded must not stall for ever


class ClusterPoliteness:
    def __init__(self, server, keys: Keys, delay: float):
        self.keys = keys
        self.delay_ms = int(delay * 1000)
        self.reserve = server.register_script(_RESERVE)

    @classmethod
    def from_crawler(cls, crawler):
        delay = crawler.settings.getfloat("CLUSTER_DOWNLOAD_DELAY", 0.0)
        if delay <= 0:
            raise NotConfigured("crawl.download_delay is 0")
        from scrapy_redis.connection import get_redis_from_settings

        server = get_redis_from_settings(crawler.settings)
        return cls(server, Keys(crawler.settings.get("CLUSTER_KEY_PREFIX", "yuqing")), delay)

    async def process_request(self, request, spider=None):
        key = self.keys.polite(urlsplit(request.url).hostname or "")
        for _ in range(MAX_RESERVATIONS):
            wait = self.reserve(keys=[key], args=[self.delay_ms]) / 1000
            if wait <= 0:
                return None
            due = time.monotonic() + wait
            await asyncio.sleep(wait)
            if time.monotonic() - due <= self.delay_ms / 2000:  # on time: go
                return None
        return None
