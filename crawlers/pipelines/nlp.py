"""Run the NLP stage (category, focus, sentiment, keywords, reposts, events) on new posts."""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured

from yuqing.models import Post

log = logging.getLogger(__name__)


class NLPPipeline:
    def __init__(self, crawler, stage):
        self.crawler = crawler
        self.stage = stage

    @classmethod
    def from_crawler(cls, crawler):
        stage = getattr(getattr(crawler, "spider", None), "ctx", None)
        stage = getattr(stage, "nlp", None)
        if stage is None:
            raise NotConfigured("the NLP stage is not available")
        return cls(crawler, stage)

    def process_item(self, item):
        if not isinstance(item, Post):
            return item
        try:
            return self.stage.process(item)
        except Exception as exc:  # noqa: BLE001 - store the post even if analysis fails
            self.crawler.spider.fail("nlp_error", item.url, f"{type(exc).__name__}: {exc}")
            log.exception("NLP failed for %s", item.url)
            return item
