"""Detail pages extracted in an analysis worker: ``Page`` -> ``Article``.

With ``crawl.nlp_workers`` > 0 the html spider does not decode and extract a detail page in the
crawl process (≈ 0.9 ms of CPU a page, about a sixth of the crawl process's work): it yields a
``Page`` holding the response's bytes, and this stage has a worker (crawlers/nlp_pool.py) decode
and extract it, then makes the ``Article`` (or counts the page as the spider would:
``extract_timeout``, ``no_content``). The crawl keeps fetching and parsing meanwhile. When the
workers cannot (one died: the pool is broken), the page is extracted here instead: nothing
fetched is lost, and the result is the same (the same function either way).
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.exceptions import DropItem

from yuqing.crawlers.items import Page
from yuqing.crawlers.nlp_pool import extract_in, extract_page
from yuqing.crawlers.pipelines import Stage
from yuqing.crawlers.spiders.base import Validators

log = logging.getLogger(__name__)


class ExtractPipeline(Stage):
    async def process_item(self, item):
        if not isinstance(item, Page):
            return item
        spider = self.spider_for(item)
        args = (
            item.body,
            item.charset,
            spider.source.encoding,
            item.url,
            item.selectors,
            spider.ctx.tz,
        )
        try:
            got = await asyncio.wrap_future(extract_in(spider.ctx.nlp_pool, *args))
        except Exception as exc:  # noqa: BLE001 - a broken pool: extract in this process
            log.warning("extraction worker failed for %s (%s); extracted here", item.url, exc)
            got = extract_page(*args)
        validators: Validators = {"etag": item.etag, "last_modified": item.last_modified}
        article = spider.article_of(item.url, got, validators)
        if article is None:
            raise DropItem(f"nothing extracted from {item.url}", log_level="DEBUG")
        return article
