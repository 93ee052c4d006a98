"""Run the NLP stage (category, focus, sentiment, keywords, reposts, events) on new posts.

Posts are analysed in small batches: the pipeline holds each post for at most
``NLP_BATCH_DELAY`` seconds (or until ``NLP_BATCH_SIZE`` are waiting) and then runs
``NLPStage.process_many`` once, which amortises the classifier's fixed per-call cost and lets
the stage order a batch by time (the earliest copy of a repost is canonical). The crawl keeps
fetching meanwhile; each post continues to the store as soon as its batch is done. With
``crawl.nlp_workers`` > 0 the text analysis runs in worker processes (crawlers/nlp_pool.py).
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.exceptions import NotConfigured

from yuqing.crawlers.nlp_pool import analyze_in
from yuqing.models import Post
from yuqing.nlp.retro import apply_changes

log = logging.getLogger(__name__)


class NLPPipeline:
    def __init__(self, crawler, stage, pool=None, batch_size: int = 32, delay: float = 0.02):
        self.crawler = crawler
        self.stage = stage
        self.pool = pool
        self.batch_size = batch_size
        self.delay = delay
        self.pending: list[tuple[Post, asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    @classmethod
    def from_crawler(cls, crawler):
        ctx = getattr(getattr(crawler, "spider", None), "ctx", None)
        stage = getattr(ctx, "nlp", None)
        if stage is None:
            raise NotConfigured("the NLP stage is not available")
        return cls(
            crawler,
            stage,
            ctx.nlp_pool,
            crawler.settings.getint("NLP_BATCH_SIZE", 32),
            crawler.settings.getfloat("NLP_BATCH_DELAY", 0.02),
        )

    async def process_item(self, item):
        if not isinstance(item, Post):
            return item
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()
        self.pending.append((item, done))
        if len(self.pending) >= self.batch_size:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(self.delay, self.flush)
        return await done

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if batch:
            asyncio.ensure_future(self._run(batch))

    async def _run(self, batch: list[tuple[Post, asyncio.Future]]) -> None:
        posts = [post for post, _ in batch]
        try:
            analyses = None
            if self.pool is not None:  # analyse in a worker process, off the reactor
                future = analyze_in(self.pool, [p.title for p in posts], [p.text for p in posts])
                analyses = await asyncio.wrap_future(future)
            self.stage.process_many(posts, analyses)
        except Exception as exc:  # noqa: BLE001 - store the posts even if analysis fails
            log.exception("NLP failed for a batch of %d posts", len(batch))
            for post in posts:
                spider = self.crawler.spider.for_source(post.source_id)
                spider.fail("nlp_error", post.url, f"{type(exc).__name__}: {exc}")
                post.notes.append("not_analysed")  # analysed by a later run (nlp/backfill.py)
        self.apply_repointed()
        for post, done in batch:
            if not done.done():
                done.set_result(post)

    def apply_repointed(self) -> None:
        """Changes to posts stored earlier: an earlier copy of a repost arrived later (point
        stored copies at it), an event gained a shared focus topic (tag its stored members
        lacking it) — nlp/retro.py."""
        apply_changes(self.stage, self.crawler.spider.ctx.store)

    def close_spider(self) -> None:
        # Scrapy closes a spider only once no item is in progress, so nothing is pending
        # here in practice; flush anyway rather than strand a post.
        self.flush()
