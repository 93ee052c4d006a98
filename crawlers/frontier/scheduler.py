"""scrapy-redis' scheduler and dupefilter, adapted to source crawls.

* The dupefilter keeps one fingerprint set per source crawl (``<key>:<crawl id>``, expiring
  after ``DUPEFILTER_TTL``): a URL is fetched once per crawl — as Scrapy's own dupefilter does
  for one spider run — and again in the next crawl (conditional GET finds changes).
* A retry or redirect of an in-flight request that the dupefilter rejects acknowledges it
  (nothing is left to do for it); so does a redirect leaving the source's domains, which is
  checked here per source (Scrapy's offsite middleware is off on a worker: it drops requests
  before the scheduler sees them, which would leave them in flight for ever).
* ``ScheduleAtOnce`` (a spider middleware, the last before the engine) puts each request a
  callback yields on the frontier as it is yielded. Scrapy drains a callback's output into a
  queue before it schedules any of it, so the callback's acknowledgement (when its generator
  ends) came before its requests were pushed: the crawl's ``pending`` touched 0 in between,
  and a worker blocked there for longer than the ledger's grace had its crawl closed early.
* The scheduler hands its queue to the spider (``spider.frontier``) for acknowledgements,
  heart-beats every ``FRONTIER_HEARTBEAT`` seconds from a thread of its own (a reactor busy
  with NLP or store writes must not look dead), re-queues the requests of silent workers and,
  on a clean stop, gives back its own — the source crawls they belong to, and any other it
  worked on that still has work pending, are then interrupted
  (``FrontierSpider.stopped_mid_crawl``).
"""

from __future__ import annotations

import logging
import threading

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from yuqing.crawlers.frontier.queue import TOKEN

log = logging.getLogger(__name__)


class CrawlDupeFilter(RFPDupeFilter):
    ttl = 2 * 86400

    @classmethod
    def from_spider(cls, spider):
        df = super().from_spider(spider)
        df.ttl = spider.settings.getint("DUPEFILTER_TTL", cls.ttl)
        return df

    def request_seen(self, request) -> bool:
        key = f"{self.key}:{request.meta.get('crawl', '-')}"
        pipe = self.server.pipeline()
        pipe.sadd(key, self.request_fingerprint(request))
        pipe.expire(key, self.ttl)
        added, _ = pipe.execute()
        return added == 0


class FrontierScheduler(Scheduler):
    heartbeat_seconds = 2.0

    @classmethod
    def from_crawler(cls, crawler):
        instance = super().from_crawler(crawler)
        instance.worker_timeout = crawler.settings.getfloat("FRONTIER_WORKER_TIMEOUT", 30.0)
        instance.heartbeat_seconds = crawler.settings.getfloat(
            "FRONTIER_HEARTBEAT", cls.heartbeat_seconds
        )
        return instance

    def open(self, spider):
        super().open(spider)
        spider.frontier = self.queue
        self.queue.heartbeat()
        self.stopping = threading.Event()
        self.beat = threading.Thread(target=self._heartbeat, name="frontier-heartbeat", daemon=True)
        self.beat.start()
        self.loop = task.LoopingCall(self._reap)
        self.loop.start(self.heartbeat_seconds, now=False)

    def _heartbeat(self) -> None:
        while not self.stopping.wait(self.heartbeat_seconds):
            try:
                self.queue.heartbeat()
            except Exception as exc:  # noqa: BLE001 - Redis away: try again next beat
                log.warning("frontier heartbeat failed: %s", exc)

    def _reap(self) -> None:
        try:
            self.queue.reap(self.worker_timeout)
        except Exception as exc:  # noqa: BLE001 - Redis away: try again next time
            log.warning("frontier: re-queueing the requests of stopped workers failed: %s", exc)

    def close(self, reason):
        self.stopping.set()
        if self.loop.running:
            self.loop.stop()
        moved = self.queue.reap(self.worker_timeout, release_self=True)
        if moved:
            log.info("frontier: gave back %d unfinished request(s)", moved)
        self.spider.stopped_mid_crawl(self.queue.interrupted)
        return super().close(reason)

    def enqueue_request(self, request) -> bool:
        if self.spider.offsite(request):  # a redirect leaving the source's domains
            self.queue.ack(request)
            return False
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            if request.meta.get(TOKEN):  # a retry/redirect of an in-flight request
                self.queue.ack(request)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True


class ScheduleAtOnce(BaseSpiderMiddleware):
    """Spider middleware, last before the engine: a request from a callback's output goes on
    the frontier at once (the other spider middlewares have seen it), so every request a
    callback yields is pushed before the callback is acknowledged (``FrontierSpider.route``)."""

    def get_processed_request(self, request, response):
        if response is None:  # a start request: scheduled by the engine as usual
            return request
        self.crawler.engine.crawl(request)
        return None
