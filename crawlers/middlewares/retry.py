"""Scrapy's retry policy with exponential backoff between attempts.

Scrapy retries at once; a struggling government server deserves a pause. The delay before
retry *n* is ``RETRY_BACKOFF_BASE * 2**(n-1)``, capped at ``RETRY_BACKOFF_MAX``.
"""

from __future__ import annotations

import asyncio

from scrapy.downloadermiddlewares.retry import RetryMiddleware


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 0.5)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 30.0)

    def delay_for(self, request) -> float:
        attempt = request.meta.get("retry_times", 0) + 1
        return min(self.backoff_base * 2 ** (attempt - 1), self.backoff_max)

    async def _pause(self, request) -> None:
        delay = self.delay_for(request)
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(self, request, response, spider=None):
        result = super().process_response(request, response)
        if result is not response:
            await self._pause(request)
        return result

    async def process_exception(self, request, exception, spider=None):
        result = super().process_exception(request, exception)
        if result is not None:
            await self._pause(request)
        return result
