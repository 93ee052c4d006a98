"""A one-line-per-source progress display on stderr when ``yuqing crawl`` runs in a terminal."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured


class Progress:
    def __init__(self, crawler, interval: float = 0.5):
        self.crawler = crawler
        self.interval = interval
        self.last = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PROGRESS_ENABLED"):
            raise NotConfigured("progress display is off (not a terminal)")
        ext = cls(crawler)
        crawler.signals.connect(ext.tick, signal=signals.response_received)
        crawler.signals.connect(ext.done, signal=signals.spider_closed)
        return ext

    @staticmethod
    def line(label: str, s) -> str:
        return (
            f"{label[:28]:<28} fetched {s.fetched:>5}  new {s.new:>4}  "
            f"updated {s.updated:>3}  unchanged {s.unchanged:>4}  failed {s.failed_total:>3}"
        )

    def tick(self, **_):
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            s = self.crawler.spider.summary
            sys.stderr.write("\r\033[K" + self.line(s.source_id, s))
            sys.stderr.flush()

    def done(self, **_):
        s = self.crawler.spider.summary
        sys.stderr.write("\r\033[K" + self.line(s.source_id, s) + "  done\n")
        sys.stderr.flush()
