"""Spider kinds, by the ``kind`` key of sources.yaml: an explicit registry.

Adding a kind is one file here (a :class:`SourceSpider` subclass with its ``kind`` and
``Options``) plus its line in ``SPIDERS`` and one test file (docs/plugins.md).
"""

from __future__ import annotations

from yuqing.config.loader import Problem
from yuqing.config.plugins import Registry
from yuqing.crawlers.spiders.base import SourceSpider, SpiderOptions
from yuqing.crawlers.spiders.feed import FeedSpider
from yuqing.crawlers.spiders.html import HtmlSpider
from yuqing.crawlers.spiders.json_api import JsonSpider

SPIDERS: Registry[SourceSpider] = Registry(
    "spider kind", "sources.yaml", "kind", [HtmlSpider, FeedSpider, JsonSpider]
)


def check_source(i: int, source, cfg=None) -> list[Problem]:
    """The problems of ``sources[i]``: an unknown kind, or keys its kind does not take."""
    from yuqing.config.models import Source

    if source.kind not in SPIDERS:
        return [SPIDERS.unknown(source.kind, f"sources[{i}].kind")]
    problems: list[Problem] = []
    common = f"every source takes {', '.join(Source.model_fields)}; "
    SPIDERS.options(source.kind, source.model_extra, f"sources[{i}]", problems, also=common)
    return problems


def validate(cfg, sources=None) -> list[Problem]:
    """Every problem with the kinds and kind options of ``sources`` (default: all)."""
    only = None if sources is None else {s.id for s in sources}
    return [
        p
        for i, source in enumerate(cfg.sources.sources)
        if only is None or source.id in only
        for p in check_source(i, source, cfg)
    ]


__all__ = [
    "SPIDERS",
    "FeedSpider",
    "HtmlSpider",
    "JsonSpider",
    "SourceSpider",
    "SpiderOptions",
    "check_source",
    "validate",
]
