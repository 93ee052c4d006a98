"""robots.txt obeyed for every request, also when it cannot be had.

Scrapy's ``RobotsTxtMiddleware`` hands the parsed robots.txt only to the first request that
waited for it: requests waiting together on the same Deferred (turned into asyncio futures,
each callback passes None on) get None and go out unchecked. A cluster worker starts with a
full queue, so many requests wait for robots.txt at once and a disallowed page among them was
crawled and stored now and then (the scale-out tests' "robots flake"; the waiting became
``await maybe_deferred_to_future(parser)`` in scrapy/scrapy#6802). Here each waiter reads the
host's parser again once robots.txt is in.

Scrapy's ``RobotsTxtMiddleware`` fetches a host's robots.txt once per process; when that
fetch fails (a timeout, a refused connection) or answers with a server error, it allows every
URL of the host for the rest of the process — under load the first request of a crawl worker
timed out now and then, and a disallowed page was crawled and stored. Here a robots.txt that
cannot be fetched, or that answers 5xx (as Google's crawler reads it), keeps the host's pages
from being fetched: each request waiting for it fails as ``robots_unavailable`` (counted, and
crawled by a later crawl), and robots.txt is asked again after ``ROBOTSTXT_RETRY_SECONDS``.
A 4xx answer still means "no rules", and a robots.txt request the crawler itself ignores (a
redirect off the host) too, as in Scrapy.

A site that is down is an everyday fault, not a bug: Scrapy logs the failed robots.txt fetch at
ERROR with a 60-line traceback (and names the page that waited, not robots.txt); the
WARNING here names the host and the cause in one line, so Scrapy's record is dropped unless
logging is at ``-v`` (INFO) or more.
"""

from __future__ import annotations

import logging
import time

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

log = logging.getLogger(__name__)

UNAVAILABLE = "robots.txt unavailable"


class _RobotsFetchErrors(logging.Filter):
    """Drop Scrapy's ``Error downloading …`` record (with its traceback) for a robots.txt
    fetch that failed, unless logging is at ``-v``: the middleware's WARNING says it."""

    def filter(self, record: logging.LogRecord) -> bool:
        failed_fetch = bool(record.exc_info) and str(record.msg).startswith("Error downloading")
        return not failed_fetch or logging.getLogger().isEnabledFor(logging.INFO)


_FETCH_ERRORS = _RobotsFetchErrors()


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        logging.getLogger(RobotsTxtMiddleware.__module__).addFilter(_FETCH_ERRORS)
        self.retry_seconds = crawler.settings.getfloat("ROBOTSTXT_RETRY_SECONDS", 30.0)
        self._unavailable: dict[str, float] = {}  # netloc -> when its robots.txt failed

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        failed_at = self._unavailable.get(netloc)
        if failed_at is not None and time.monotonic() - failed_at >= self.retry_seconds:
            del self._unavailable[netloc]  # ask again
            self._parsers.pop(netloc, None)
        parser = await super().robot_parser(request)
        if netloc in self._unavailable:
            raise IgnoreRequest(f"{UNAVAILABLE} for {netloc}")
        current = self._parsers.get(netloc, parser)
        return parser if isinstance(current, Deferred) else current  # see the module doc

    async def _parse_robots(self, response, netloc, request) -> None:
        if response.status >= 500:
            self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
            self._unavailable_since(netloc, f"HTTP {response.status}")
            self._robots_error(IgnoreRequest(f"HTTP {response.status}"), netloc)
            return
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc, netloc) -> None:
        if not isinstance(exc, IgnoreRequest):
            self._unavailable_since(netloc, f"{type(exc).__name__}: {exc}")
        super()._robots_error(exc, netloc)

    def _unavailable_since(self, netloc: str, why: str) -> None:
        self._unavailable[netloc] = time.monotonic()
        log.warning(
            "robots.txt of %s unavailable (%s): its pages are not fetched; asked again in %gs",
            netloc,
            why[:200],
            self.retry_seconds,
        )
