"""Run the NLP stage (category, focus, sentiment, keywords, reposts, events) on new posts.

Posts are analysed in batches: ``NLPStage.process_many`` on a batch costs about half as much
CPU a post as one post at a time (each step's tables stay in the CPU cache over the batch, the
classifier's fixed per-call cost is shared, and the stage orders a batch by time so the
earliest copy of a repost is canonical). One batcher serves every source of a crawl (each
source is its own Scrapy crawler, and a polite crawl fetches a few pages a second from each):
a post waits until ``NLP_BATCH_SIZE`` posts are waiting, or until ``NLP_BATCH_DELAY`` seconds
after the oldest waiting one arrived, or until no source has a request in flight or a response
to parse (checked every ``CHECK_EVERY`` seconds: nothing more can arrive before the next
response, so waiting would only delay the posts). The crawl keeps
fetching meanwhile; each post continues to the store as soon as its batch is done. With
``crawl.nlp_workers`` > 0 the text analysis runs in worker processes (crawlers/nlp_pool.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy.exceptions import NotConfigured

from yuqing.crawlers.nlp_pool import analyze_in
from yuqing.models import Post
from yuqing.nlp.retro import apply_changes

log = logging.getLogger(__name__)

#: defaults of the Scrapy settings NLP_BATCH_SIZE and NLP_BATCH_DELAY (seconds)
BATCH_SIZE = 64
BATCH_DELAY = 0.5
#: how often waiting posts check whether more can come (the posts one response yields arrive
#: within this; a crawl's last posts wait at most this long once nothing is in flight)
CHECK_EVERY = 0.02


class NLPBatcher:
    """Posts of all the crawl's sources waiting for the NLP stage (one per crawl context)."""

    def __init__(
        self, stage, store, pool=None, batch_size: int = BATCH_SIZE, delay: float = BATCH_DELAY
    ):
        self.stage = stage
        self.store = store  # the crawl's store: the stage's changes to stored posts go there
        self.pool = pool
        self.batch_size = batch_size
        self.delay = delay
        self.pending: list[tuple[Post, asyncio.Future, Any]] = []  # (post, done, crawler)
        self.timer: asyncio.TimerHandle | None = None
        self.deadline: float | None = None  # loop time by which the waiting posts run
        self.crawlers: list = []  # open crawlers, to see whether any request is in flight
        self.batches: list[int] = []  # sizes of the batches run, for tests and benchmarks

    def open(self, crawler) -> None:
        if crawler not in self.crawlers:
            self.crawlers.append(crawler)

    def close(self, crawler) -> None:
        if crawler in self.crawlers:
            self.crawlers.remove(crawler)
        if self.pending and self.quiet():
            self.flush()

    def quiet(self) -> bool:
        """No open crawler has a request to download or a response to parse (no post is on
        its way: waiting longer would only delay the waiting ones)."""
        for crawler in self.crawlers:
            engine = getattr(crawler, "engine", None)
            if engine is None:
                continue
            if engine.downloader.active:
                return False
            scheduler = getattr(engine, "scheduler", None)  # Scrapy >= 2.19 (else unchecked)
            if scheduler is not None and scheduler.has_pending_requests():
                return False
            slot = engine.scraper.slot
            if slot is not None and slot.queue:
                return False
        return True

    async def submit(self, post: Post, crawler) -> Post:
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        self.pending.append((post, done, crawler))
        if len(self.pending) >= self.batch_size:
            self.flush()
        else:
            if self.deadline is None:
                self.deadline = loop.time() + self.delay
            if self.timer is None:
                self.timer = loop.call_later(min(CHECK_EVERY, self.delay), self._check)
        return await done

    def _check(self) -> None:
        """Run the waiting posts if their time is up or nothing more is on its way; else
        look again shortly."""
        self.timer = None
        if not self.pending:
            return
        loop = asyncio.get_running_loop()
        left = (self.deadline or 0.0) - loop.time()
        if left <= 0 or self.quiet():
            self.flush()
        else:
            self.timer = loop.call_later(min(CHECK_EVERY, left), self._check)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.deadline = None
        batch, self.pending = self.pending, []
        if batch:
            asyncio.ensure_future(self._run(batch))

    async def _run(self, batch: list[tuple[Post, asyncio.Future, Any]]) -> None:
        posts = [post for post, _, _ in batch]
        self.batches.append(len(posts))
        try:
            analyses = None
            if self.pool is not None:  # analyse in a worker process, off the reactor
                future = analyze_in(self.pool, [p.title for p in posts], [p.text for p in posts])
                analyses = await asyncio.wrap_future(future)
            self.stage.process_many(posts, analyses)
        except Exception as exc:  # noqa: BLE001 - store the posts even if analysis fails
            log.exception("NLP failed for a batch of %d posts", len(batch))
            for post, _, crawler in batch:
                spider = crawler.spider.for_source(post.source_id)
                spider.fail("nlp_error", post.url, f"{type(exc).__name__}: {exc}")
                post.notes.append("not_analysed")  # analysed by a later run (nlp/backfill.py)
        # changes to posts stored earlier (re-pointed copies, retroactive focus): nlp/retro.py
        apply_changes(self.stage, self.store)
        for post, done, _ in batch:
            if not done.done():
                done.set_result(post)


class NLPPipeline:
    def __init__(self, crawler, batcher: NLPBatcher):
        self.crawler = crawler
        self.batcher = batcher
        batcher.open(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        ctx = getattr(getattr(crawler, "spider", None), "ctx", None)
        stage = getattr(ctx, "nlp", None)
        if stage is None:
            raise NotConfigured("the NLP stage is not available")
        if ctx.nlp_batcher is None:  # the first source's pipeline makes the crawl's batcher
            ctx.nlp_batcher = NLPBatcher(
                stage,
                ctx.store,
                ctx.nlp_pool,
                crawler.settings.getint("NLP_BATCH_SIZE", BATCH_SIZE),
                crawler.settings.getfloat("NLP_BATCH_DELAY", BATCH_DELAY),
            )
        return cls(crawler, ctx.nlp_batcher)

    async def process_item(self, item):
        if not isinstance(item, Post):
            return item
        return await self.batcher.submit(item, self.crawler)

    def close_spider(self) -> None:
        # Scrapy closes a spider only once no item of it is in progress, so none of its posts
        # is waiting here; the others' run now if nothing else is on its way
        self.batcher.close(self.crawler)
