"""The scheduler role's crawl pass on a cluster: close finished source crawls, re-queue the
requests of stopped workers, then put the start requests of every due source on the frontier.

A source with an open crawl is not enqueued again until that crawl is closed (``ledger``); a
source is due by its ``interval`` as on a single machine (``runner.due_sources``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from scrapy.settings import Settings

from yuqing.cluster import Keys, connect
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.frontier import ledger
from yuqing.crawlers.frontier.queue import FrontierQueue
from yuqing.crawlers.frontier.scheduler import CrawlDupeFilter
from yuqing.crawlers.frontier.spider import FrontierSpider
from yuqing.crawlers.runner import due_sources
from yuqing.timeutil import now as _now

log = logging.getLogger(__name__)


async def _collect(agen) -> list:
    return [r async for r in agen]


def frontier_pass(cfg, store, server=None, at: datetime | None = None) -> dict:
    """One pass (the ``crawl`` job of ``yuqing run`` on the scheduler role)."""
    cluster = cfg.settings.cluster
    server = server or connect(cluster)
    keys = Keys(cluster.key_prefix)
    at = at or _now(cfg.settings.timezone)
    spider = FrontierSpider(ctx=CrawlContext(cfg=cfg, store=store), worker_id="enqueue")
    spider.settings = Settings({"DUPEFILTER_DEBUG": False})
    queue = FrontierQueue(server, spider, keys.requests)
    closed = ledger.close_finished(cfg, store, server, keys, cluster.crawl_timeout.total_seconds())
    requeued = queue.reap(cluster.worker_timeout.total_seconds())
    busy = ledger.open_sources(server, keys)
    due, skipped = due_sources(cfg, store, at)
    dupefilter = CrawlDupeFilter(server, keys.dupefilter)
    enqueued: dict[str, int] = {}
    for source in due:
        if source.id in busy:
            skipped.append(source.id)
            continue
        cid = ledger.open_crawl(server, keys, source.id, at)
        source_spider = spider.delegate({"crawl": cid, "source_id": source.id})
        requests = asyncio.run(_collect(source_spider.start()))
        enqueued[source.id] = 0
        for request in requests:
            if not dupefilter.request_seen(request):
                queue.push(request)
                enqueued[source.id] += 1
    if enqueued:
        log.info("frontier: enqueued %s", enqueued)
    return {
        "enqueued": enqueued,
        "closed": closed,
        "requeued": requeued,
        "skipped": sorted(skipped),
        "queued": len(queue),
    }
