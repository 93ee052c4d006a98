"""Drop posts whose stored copy is identical (counted as unchanged) before any NLP work."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from yuqing.crawlers.pipelines import Stage
from yuqing.models import Post


class ChangeDetectionPipeline(Stage):
    def process_item(self, item):
        if not isinstance(item, Post):
            return item
        spider = self.spider_for(item)
        stored = spider.ctx.store.get_post(item.id)
        if stored is not None and stored.content_hash == item.content_hash:
            spider.summary.unchanged += 1
            spider.remember_url(item, stored.id)
            raise DropItem(f"unchanged {item.url}", log_level="DEBUG")
        return item
