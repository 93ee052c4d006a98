"""Scrapy's redirect handling, plus loop detection.

A redirect back to a URL already in the chain (``/a`` -> ``/b`` -> ``/a``, or ``/a`` -> ``/a``)
would otherwise be dropped silently by the duplicate filter: no response, no error, nothing
counted. Here it fails the request with ``redirect loop``, which the spider counts as
``redirect_loop``; chains longer than ``REDIRECT_MAX_TIMES`` still fail as
``too_many_redirects``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest

from yuqing.crawlers.urls import canonical


class LoopAwareRedirectMiddleware(RedirectMiddleware):
    def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if isinstance(result, Request) and result is not request:
            chain = {canonical(u) for u in result.meta.get("redirect_urls", [])}
            if canonical(result.url) in chain:
                raise IgnoreRequest(f"redirect loop back to {result.url}")
        return result
