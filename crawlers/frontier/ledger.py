"""Per source crawl counters in Redis, and closing finished crawls.

A source crawl (id ``<source id>@<unix time>``) is opened by the scheduler role when the source
is due; its hash holds ``source_id``, ``started``, ``pending`` (requests not yet acknowledged,
see ``queue``), ``touched`` and the summary counters the workers add at each acknowledgement
(``fetched``, ``ok_responses``, ``new``, ``updated``, ``unchanged``, ``failed:<reason>``,
``error``), and ``interrupted`` once a worker stopped or died in the middle of it
(``interrupt``). ``close_finished`` — run by the scheduler role before it enqueues — turns a
crawl with nothing pending (or older than ``cluster.crawl_timeout``) into the source's health
record, exactly as a single-machine crawl does at its end (``runner.record_health``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from yuqing.cluster import Keys
from yuqing.crawlers.summary import CrawlSummary, SourceSummary

log = logging.getLogger(__name__)

COUNTERS = ("fetched", "ok_responses", "new", "updated", "unchanged")
#: A crawl is closed once nothing is pending and nothing happened to it for this long. A
#: callback's requests are on the frontier before the callback is acknowledged
#: (``scheduler.ScheduleAtOnce``), so ``pending`` reaches 0 only when the crawl is done,
#: however long a worker blocks; the grace is a margin, not what keeps a crawl open.
GRACE_SECONDS = 2


def crawl_id(source_id: str, at: datetime) -> str:
    return f"{source_id}@{int(at.timestamp())}"


def open_crawl(server, keys: Keys, source_id: str, at: datetime) -> str:
    cid = crawl_id(source_id, at)
    now = server.time()[0]
    server.hset(
        keys.crawl(cid),
        mapping={"source_id": source_id, "started": int(at.timestamp()), "touched": now},
    )
    server.hsetnx(keys.crawl(cid), "pending", 0)
    server.sadd(keys.crawls, cid)
    return cid


def interrupt(server, keys: Keys, crawl_ids) -> list[str]:
    """Mark the crawls among ``crawl_ids`` that are still open with work pending as
    interrupted: a worker stopped (SIGTERM, SIGINT) in the middle of them, or died (kill -9)
    with their requests in flight (which went back on the frontier).
    A crawl that other workers finish is complete; one closed with requests still pending
    (``crawl_timeout``: no worker took them up) is recorded as interrupted, as a crawl stopped
    on a single machine is — left due, not a failure. Returns the crawls marked."""
    marked = []
    for cid in sorted(set(crawl_ids)):
        if server.sismember(keys.crawls, cid) and int(server.hget(keys.crawl(cid), "pending") or 0):
            server.hset(keys.crawl(cid), "interrupted", 1)
            marked.append(cid)
    return marked


def source_of(crawl: str) -> str:
    """The source id of crawl id ``<source id>@<unix time>``."""
    return crawl.rsplit("@", 1)[0]


def state_lock(server, keys: Keys, source_id: str):
    """A lock on a source's stored state, held across the cluster's processes while one
    updates it: workers saving the backlog of the start URLs they walk, the scheduler role
    recording a closed crawl's health (a read-modify-write of the same state)."""
    return server.lock(keys.state_lock(source_id), timeout=60, blocking_timeout=60)


def open_sources(server, keys: Keys) -> set[str]:
    return {source_of(c.decode()) for c in server.smembers(keys.crawls)}


def counts_since(summary: SourceSummary, flushed: dict[str, int]) -> dict[str, int]:
    """Counters added to ``summary`` since the last call (``flushed`` is updated)."""
    now = {name: getattr(summary, name) for name in COUNTERS}
    now |= {f"failed:{reason}": n for reason, n in summary.failed.items()}
    delta = {k: v - flushed.get(k, 0) for k, v in now.items() if v != flushed.get(k, 0)}
    flushed.update(now)
    return delta


def summary_of(source_id: str, fields: dict[str, str]) -> SourceSummary:
    s = SourceSummary(source_id)
    for name in COUNTERS:
        setattr(s, name, int(fields.get(name, 0)))
    for key, value in fields.items():
        if key.startswith("failed:") and int(value):
            s.failed[key.split(":", 1)[1]] = int(value)
    s.error = fields.get("error") or None
    return s


def close_finished(cfg, store, server, keys: Keys, timeout: float) -> list[str]:
    """Record the health of every finished (or timed-out) source crawl; returns their ids."""
    from yuqing.crawlers.runner import record_health

    sources = {s.id: s for s in cfg.sources.sources}
    now = server.time()[0]
    closed = []
    for raw in sorted(server.smembers(keys.crawls)):
        cid = raw.decode()
        fields = {k.decode(): v.decode() for k, v in server.hgetall(keys.crawl(cid)).items()}
        if not fields:
            server.srem(keys.crawls, cid)
            continue
        pending, touched = int(fields.get("pending", 0)), int(fields.get("touched", 0))
        started = int(fields.get("started", now))
        timed_out = now - started >= timeout
        if not timed_out and (pending > 0 or now - touched < GRACE_SECONDS):
            continue
        sid = fields.get("source_id", source_of(cid))
        summary = CrawlSummary()
        summary.sources[sid] = s = summary_of(sid, fields)
        if timed_out and pending > 0 and fields.get("interrupted"):
            s.interrupted = True  # a worker stopped mid-crawl and none took its requests up
        elif timed_out and pending > 0:
            s.fail("crawl_timeout", f"{pending} request(s) still pending")
        if sid in sources:
            at = datetime.fromtimestamp(started, ZoneInfo(cfg.settings.timezone))
            # the workers' lock on the source's state (FrontierSpider.state_lock): a worker
            # still walking a timed-out crawl saves its backlog under it, and this read-modify-
            # write must not put back the backlog it read before
            with state_lock(server, keys, sid):
                record_health(cfg, store, [sources[sid]], summary, at)
        server.srem(keys.crawls, cid)
        server.expire(keys.crawl(cid), 86400)  # kept a day for `yuqing` operators to look at
        closed.append(cid)
        log.info("crawl %s closed: %s", cid, s.as_dict())
    return closed
