"""Spider kinds, by the ``kind`` key of sources.yaml."""

from crawlers.spiders.base import SourceSpider
from crawlers.spiders.feed import FeedSpider
from crawlers.spiders.html import HtmlSpider
from crawlers.spiders.json_api import JsonSpider

SPIDERS: dict[str, type[SourceSpider]] = {
    "html": HtmlSpider,
    "feed": FeedSpider,
    "json": JsonSpider,
}

__all__ = ["SPIDERS", "FeedSpider", "HtmlSpider", "JsonSpider", "SourceSpider"]
