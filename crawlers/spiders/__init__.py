"""Spider kinds, by the ``kind`` key of sources.yaml."""

from yuqing.crawlers.spiders.base import SourceSpider
from yuqing.crawlers.spiders.feed import FeedSpider
from yuqing.crawlers.spiders.html import HtmlSpider
from yuqing.crawlers.spiders.json_api import JsonSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "html": HtmlSpider,
    "feed": FeedSpider,
    "json": JsonSpider,
}

__all__ = ["SPIDERS", "FeedSpider", "HtmlSpider", "JsonSpider", "SourceSpider"]
