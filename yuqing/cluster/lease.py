"""The leader lease: one ``yuqing run`` of the scheduler role holds it and runs the scheduler
(enqueue due sources, alert checks, delivery, escalations, digests); the others wait.

Mechanism (Redis, one key ``<prefix>:leader``): a candidate takes the lease with
``SET key node NX PX ttl``; the holder renews it every third of ``cluster.lease`` with a
compare-and-expire script (only if the key still names it) and gives it up on a clean stop
with a compare-and-delete. A holder killed or cut off stops renewing, the key expires, and a
waiting candidate takes over within ``lease`` plus a third of it. A holder that cannot renew
(Redis away, or the key names another node) stops its scheduler at once.

The lease is the first line against double work; the second is in the shared stores
themselves: alert ids are deterministic (``insert_alert`` creates once) and delivery claims
outbox rows by compare-and-set, so even a leader that paused past its lease and woke up
cannot send a row another node has claimed.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Lease:
    def __init__(self, server, key: str, owner: str, ttl_seconds: float):
        self.server = server
        self.key = key
        self.owner = owner
        self.ttl_ms = int(ttl_seconds * 1000)
        self._renew = server.register_script(_RENEW)
        self._release = server.register_script(_RELEASE)

    def acquire(self) -> bool:
        """Take the lease if free (or renew it if ours); True when we hold it."""
        if self.server.set(self.key, self.owner, nx=True, px=self.ttl_ms):
            return True
        return self.renew()

    def renew(self) -> bool:
        return bool(self._renew(keys=[self.key], args=[self.owner, self.ttl_ms]))

    def release(self) -> None:
        self._release(keys=[self.key], args=[self.owner])

    def holder(self) -> str | None:
        value = self.server.get(self.key)
        return value.decode() if value else None
