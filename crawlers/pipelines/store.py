"""Store posts (idempotent upsert) and remember each URL's validators for conditional GET.

The posts that reach this stage in one turn of the event loop — the posts of an NLP batch
continue together (pipelines/nlp.py) — are written in one transaction (``Store.writes``),
each post with its URL state: one commit for the batch instead of two a post. A kill loses
nothing a per-post commit would have kept: a post and its URL state are committed together
or not at all, so the walk's resume point (crawlers/backlog.py), which reads the URL states,
never counts a post the store does not have; the post is fetched again by the next crawl.
Summary counts follow the commit.
"""

from __future__ import annotations

import asyncio
import logging

from yuqing.crawlers.pipelines import Stage
from yuqing.models import Post
from yuqing.storage import StorageError

log = logging.getLogger(__name__)


class StorePipeline(Stage):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.waiting: list[tuple[Post, asyncio.Future]] = []

    async def process_item(self, item):
        if not isinstance(item, Post):
            return item
        loop = asyncio.get_running_loop()
        if not self.waiting:  # runs once the posts arriving in this turn have all arrived
            loop.call_soon(self.write_waiting)
        done: asyncio.Future = loop.create_future()
        self.waiting.append((item, done))
        await done
        return item

    def write_waiting(self) -> None:
        batch, self.waiting = self.waiting, []
        if not batch:
            return
        stored: list[tuple[Post, str]] = []
        try:
            with self.spider_for(batch[0][0]).ctx.store.writes():
                for post, _ in batch:
                    result = self._write(post)
                    if result is not None:
                        stored.append((post, result))
        except StorageError as exc:  # the commit failed: none of the batch is stored
            for post, _ in stored:
                self.spider_for(post).fail("store_error", post.url, str(exc))
            stored = []
        except BaseException as exc:  # a bug: each post's item_error, nothing left waiting
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            raise
        for post, result in stored:
            summary = self.spider_for(post).summary
            setattr(summary, result, getattr(summary, result) + 1)
            if "not_analysed" in post.notes:
                summary.not_analysed += 1
        for _, done in batch:
            if not done.done():
                done.set_result(None)

    def _write(self, post: Post) -> str | None:
        """Store ``post`` and its URL state: the upsert's result, None when it failed."""
        spider = self.spider_for(post)
        try:
            with spider.ctx.store.writes():  # both or neither
                result = spider.ctx.store.upsert_post(post)
                spider.remember_url(post, post.id)
        except StorageError as exc:
            spider.fail("store_error", post.url, str(exc))
            return None
        return result
