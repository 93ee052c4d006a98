"""scrapy-redis' priority queue, with acknowledgements so that no popped request is lost.

scrapy-redis pops a request destructively: a worker killed with requests in flight loses
them. Here ``pop`` moves the request, in one Lua script, from the shared sorted set into the
worker's in-flight hash under a token; ``ack`` (callback and its items done) deletes it;
``push`` of a request that carries a token (a retry, a redirect) replaces its in-flight
entry. Every worker heart-beats into a sorted set; ``reap`` puts the in-flight requests of
workers silent for longer than ``cluster.worker_timeout`` back on the queue, where another
worker crawls them. The store's upserts are keyed by the canonical URL, so a request crawled
again after a reap never stores a post twice.

Each change also moves the source crawl's ``pending`` counter (``ledger``): +1 for a new
request, -1 for an acknowledged one, 0 for a hand-back, so a crawl with ``pending == 0`` is
finished.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy_redis.queue import PriorityQueue

from yuqing.cluster import Keys
from yuqing.crawlers.frontier.ledger import interrupt

log = logging.getLogger(__name__)

TOKEN = "frontier_token"

_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0)
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
local t = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], t, r[1])
return {t, r[1]}
"""

_PUSH = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] == '' or redis.call('HDEL', KEYS[2], ARGV[3]) == 0 then
  redis.call('HINCRBY', KEYS[3], 'pending', 1)
end
redis.call('HSET', KEYS[3], 'touched', redis.call('TIME')[1])
return 1
"""

_ACK = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'pending', -1)
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], 'error', ARGV[2]) end
for i = 3, #ARGV, 2 do redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[2], 'touched', redis.call('TIME')[1])
return 1
"""

_HEARTBEAT = """
redis.call('ZADD', KEYS[1], redis.call('TIME')[1], ARGV[1])
return 1
"""

# KEYS[1] workers, KEYS[2] queue; ARGV[1] timeout (s), ARGV[2] in-flight key prefix,
# ARGV[3] a worker to release now regardless of its heartbeat ('' for none)
_REAP = """
local now = tonumber(redis.call('TIME')[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if ARGV[3] ~= '' then table.insert(gone, ARGV[3]) end
local moved = {}
for _, w in ipairs(gone) do
  local key = ARGV[2] .. w
  for _, data in ipairs(redis.call('HVALS', key)) do
    redis.call('ZADD', KEYS[2], 0, data)
    table.insert(moved, data)
  end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], w)
end
return moved
"""


class FrontierQueue(PriorityQueue):
    """``SCHEDULER_QUEUE_CLASS`` for the frontier; the worker id is the spider's."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        prefix = key.rsplit(":frontier:", 1)[0]
        self.keys = Keys(prefix)
        self.worker = getattr(spider, "worker_id", "") or "enqueue"
        self.inflight = self.keys.inflight(self.worker)
        self._pop = server.register_script(_POP)
        self._push = server.register_script(_PUSH)
        self._ack = server.register_script(_ACK)
        self._heartbeat = server.register_script(_HEARTBEAT)
        self._reap = server.register_script(_REAP)
        self.interrupted: list[str] = []  # open crawls whose requests the last reap put back

    def push(self, request) -> None:
        token = request.meta.pop(TOKEN, "")
        data = self._encode_request(request)
        self._push(
            keys=[self.key, self.inflight, self.keys.crawl(request.meta["crawl"])],
            args=[-request.priority, data, token],
        )

    def pop(self, timeout: int = 0):
        found = self._pop(keys=[self.key, self.inflight, self.keys.seq])
        if not found:
            return None
        token, data = found
        token = token.decode() if isinstance(token, bytes) else str(token)
        try:
            request = self._decode_request(data)
        except Exception as exc:  # noqa: BLE001 - a request this worker cannot route
            log.error("frontier: dropping a request that cannot be decoded: %s", exc)
            self.server.hdel(self.inflight, token)
            return None
        request.meta[TOKEN] = token
        return request

    def ack(self, request, counts: dict[str, int] | None = None, error: str | None = None) -> None:
        """The request is done (callback and items): forget it, add the crawl's counters."""
        token = request.meta.get(TOKEN)
        if not token:
            return
        args: list[Any] = [token, error or ""]
        for name, value in (counts or {}).items():
            if value:
                args += [name, value]
        self._ack(keys=[self.inflight, self.keys.crawl(request.meta["crawl"])], args=args)

    def heartbeat(self) -> None:
        self._heartbeat(keys=[self.keys.workers], args=[self.worker])

    def reap(self, timeout: float, release_self: bool = False) -> int:
        """Put the in-flight requests of silent workers (and our own, on ``release_self``)
        back on the queue; returns how many. The source crawls they belong to were cut
        short: each still open is marked ``interrupted`` in the ledger (``ledger.interrupt``)
        and their ids are kept in ``self.interrupted``."""
        moved = self._reap(
            keys=[self.keys.workers, self.key],
            args=[int(timeout), self.keys.inflight(), self.worker if release_self else ""],
        )
        crawls = set()
        for data in moved:
            try:
                crawls.add(self._decode_request(data).meta["crawl"])
            except Exception:  # noqa: BLE001, S112 - not a source crawl's request: no crawl
                continue
        self.interrupted = interrupt(self.server, self.keys, crawls)
        if moved and not release_self:
            log.warning(
                "frontier: %d in-flight request(s) of stopped workers re-queued", len(moved)
            )
        return len(moved)

    def in_flight(self) -> int:
        return int(self.server.hlen(self.inflight))
