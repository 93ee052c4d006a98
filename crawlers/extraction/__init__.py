"""Extraction library used by the spiders: decoding, dates, t2s, list pages, articles."""

from yuqing.crawlers.extraction.article import Extracted, extract_article, strip_site_suffix
from yuqing.crawlers.extraction.chinese import looks_traditional, to_simplified
from yuqing.crawlers.extraction.dates import find_publish_datetime, parse_datetime
from yuqing.crawlers.extraction.decode import (
    charset_from_content_type,
    decode_html,
    detect_encoding,
    meta_charset,
)
from yuqing.crawlers.extraction.links import find_article_links, find_next_page

__all__ = [
    "Extracted",
    "charset_from_content_type",
    "decode_html",
    "detect_encoding",
    "extract_article",
    "find_article_links",
    "find_next_page",
    "find_publish_datetime",
    "looks_traditional",
    "meta_charset",
    "parse_datetime",
    "strip_site_suffix",
    "to_simplified",
]
