"""Store posts (idempotent upsert) and remember each URL's validators for conditional GET."""

from __future__ import annotations

import logging

from yuqing.crawlers.pipelines import Stage
from yuqing.models import Post
from yuqing.storage import StorageError

log = logging.getLogger(__name__)


class StorePipeline(Stage):
    def process_item(self, item):
        if not isinstance(item, Post):
            return item
        spider = self.spider_for(item)
        try:
            result = spider.ctx.store.upsert_post(item)
        except StorageError as exc:
            spider.fail("store_error", item.url, str(exc))
            return item
        setattr(spider.summary, result, getattr(spider.summary, result) + 1)
        if "not_analysed" in item.notes:
            spider.summary.not_analysed += 1
        spider.remember_url(item, item.id)
        return item
