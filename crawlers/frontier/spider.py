"""The worker's one spider: every request on the frontier belongs to one source crawl and
is routed to that source's spider (html, feed, json — unchanged), created per crawl.

Requests go through Redis, so their callbacks must be methods of this spider: a source spider
built with ``router=`` makes requests whose callback is ``route`` (errback ``route_error``)
and whose meta names the real callback (``yq_callback``), the crawl and the source. A request
is acknowledged on the frontier (``queue.ack``) once its callback has returned and every item
it produced has left the item pipelines (stored, dropped or failed), together with the source
summary counters gathered meanwhile — so a worker killed at any point leaves nothing that is
acknowledged but not stored.
"""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import nullcontext
from dataclasses import replace
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.frontier.ledger import counts_since, interrupt, source_of, state_lock
from yuqing.crawlers.frontier.queue import TOKEN
from yuqing.crawlers.spiders import SPIDERS, SourceSpider
from yuqing.crawlers.summary import CrawlSummary
from yuqing.storage import StorageError

log = logging.getLogger(__name__)

CALLBACK = "yq_callback"
ERRBACK = "yq_errback"


class FrontierSpider(scrapy.Spider):
    name = "frontier"

    def __init__(self, ctx: CrawlContext, worker_id: str = "enqueue", **kwargs):
        super().__init__(**kwargs)
        self.ctx = ctx
        self.worker_id = worker_id
        self.sources = {s.id: s for s in ctx.cfg.sources.sources}
        hosts = {
            d
            for s in self.sources.values()
            for d in (s.allowed_domains or [urlsplit(u).hostname for u in s.urls])
            if d
        }
        self.allowed_domains = sorted(hosts)
        self.frontier = None  # the scheduler's FrontierQueue, set when the spider opens
        self.delegates: dict[str, SourceSpider] = {}  # source id -> its current crawl
        self._flushed: dict[str, dict[str, int]] = {}  # crawl id -> counters already sent
        self._items: Counter = Counter()  # token -> items still in the pipelines
        self._returned: dict[str, scrapy.Request] = {}  # token -> request whose callback ended

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        on = crawler.signals.connect
        on(spider._on_response, signal=signals.response_received)
        on(spider._item_done, signal=signals.item_scraped)
        on(spider._item_done, signal=signals.item_dropped)
        on(spider._item_done, signal=signals.item_error)
        on(spider._idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        """Nothing of its own: every request comes from the frontier."""
        return
        yield  # noqa: B901 - an empty async generator

    # -- source spiders ------------------------------------------------------------------
    def delegate(self, meta: dict) -> SourceSpider:
        crawl, sid = meta["crawl"], meta["source_id"]
        current = self.delegates.get(sid)
        if current is None or current.crawl_id != crawl:
            source = self.sources.get(sid)
            if source is None:
                raise KeyError(f"source {sid!r} is not in sources.yaml on this worker")
            ctx = replace(self.ctx, summary=CrawlSummary())
            current = SPIDERS[source.kind](source=source, ctx=ctx, router=self, crawl_id=crawl)
            self.delegates[sid] = current
        return current

    def offsite(self, request) -> bool:
        """True (and counted as ``offsite_redirect``) for a request of a source crawl whose
        URL is outside that source's domains."""
        if "crawl" not in request.meta:
            return False
        try:
            source_spider = self.delegate(request.meta)
        except (KeyError, StorageError):
            return False
        if source_spider.on_domain(request.url):
            return False
        source_spider.fail("offsite_redirect", request.url)
        return True

    def for_source(self, source_id: str) -> SourceSpider:
        """The source spider an item belongs to (pipelines)."""
        return self.delegates[source_id]

    def state_lock(self, source_id: str):
        """A lock on a source's stored state, held across workers while one of them updates
        it (two workers walking two start URLs of one source save its backlog together)."""
        if self.frontier is None:
            return nullcontext()
        return state_lock(self.frontier.server, self.frontier.keys, source_id)

    # -- routing -------------------------------------------------------------------------
    def route(self, response):
        request = response.request
        token = request.meta.get(TOKEN)
        try:
            source_spider = self.delegate(request.meta)
        except StorageError as exc:  # the store is away: crawl this request again later
            log.warning("frontier: %s; %s goes back on the frontier", exc, request.url)
            self.frontier.push(request.replace(dont_filter=True))
            return
        try:
            callback = getattr(source_spider, request.meta[CALLBACK])
            for out in callback(response):
                if not isinstance(out, scrapy.Request):
                    self._items[token] += 1
                yield out
        except KeyError as exc:
            log.error("frontier: cannot route %s: %s", request.url, exc)
        finally:
            self._returned[token] = request
            self._maybe_ack(token)

    def route_error(self, failure):
        """The failure goes to the source spider's errback (``yq_errback``: a list page's
        records where the walk stopped; a feed item's page keeps the feed's text)."""
        request = failure.request
        token = request.meta.get(TOKEN)
        try:
            source_spider = self.delegate(request.meta)
            out = getattr(source_spider, request.meta.get(ERRBACK, "on_error"))(failure)
            for item in out or ():
                if isinstance(item, scrapy.Request):  # errback output skips the middlewares
                    self.crawler.engine.crawl(item)  # on the frontier before the ack
                    continue
                self._items[token] += 1
                yield item
        except KeyError as exc:
            log.error("frontier: cannot route %s: %s", request.url, exc)
        finally:
            self._returned[token] = request
            self._maybe_ack(token)

    def _item_done(self, response=None, **_):
        if response is None:
            return
        request = getattr(response, "request", None)  # a Failure for an errback's items
        if request is None:
            return
        token = request.meta.get(TOKEN)
        self._items[token] -= 1
        self._maybe_ack(token)

    def _maybe_ack(self, token) -> None:
        if token not in self._returned or self._items[token] > 0:
            return
        request = self._returned.pop(token)
        self._items.pop(token, None)
        if self.frontier is None or not token:
            return
        counts, error = {}, None
        source_spider = self.delegates.get(request.meta.get("source_id"))
        if source_spider is not None and source_spider.crawl_id == request.meta.get("crawl"):
            flushed = self._flushed.setdefault(source_spider.crawl_id, {})
            counts = counts_since(source_spider.summary, flushed)
            if any(k.startswith("failed:") for k in counts):
                error = source_spider.summary.error
        self.frontier.ack(request, counts, error)

    def _on_response(self, response, request, spider):
        if "crawl" in request.meta:
            try:
                source_spider = self.delegate(request.meta)
            except KeyError:
                return
            source_spider._on_response(response, request, source_spider)

    def stopped_mid_crawl(self, given_back: list[str]) -> None:
        """The worker stops. The crawls whose requests it gave back to the frontier
        (``given_back``) and those it worked on that still have work pending are interrupted
        (marked in the ledger, ``ledger.interrupt``); their sources' summaries, as this
        worker crawled them, go into ``ctx.summary`` marked interrupted, for ``yuqing
        worker`` to report as ``yuqing crawl`` does (``runner.check_interrupted``)."""
        if self.frontier is None:
            return
        worked = {d.crawl_id for d in self.delegates.values() if d.crawl_id}
        crawls = interrupt(self.frontier.server, self.frontier.keys, worked | set(given_back))
        for crawl in crawls:
            sid = source_of(crawl)
            current = self.delegates.get(sid)
            if current is not None and current.crawl_id == crawl:
                self.ctx.summary.sources[sid] = current.summary
            self.ctx.summary.source(sid).interrupted = True

    def _idle(self, spider):
        raise DontCloseSpider("waiting for requests on the frontier")
