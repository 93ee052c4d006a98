"""Behaviour shared by every spider kind: requests, conditional GET, failure accounting.

A spider crawls exactly one configured source. It never raises out of a callback: every
problem is counted in the run summary with a reason and logged with the source id and URL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import ClassVar, TypedDict
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from yuqing.config.plugins import Options
from yuqing.crawlers.backlog import ListState, ListWalk
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.extraction import decode_html
from yuqing.crawlers.summary import SourceSummary
from yuqing.crawlers.urls import canonical
from yuqing.storage import UrlState
from yuqing.timeutil import now

log = logging.getLogger(__name__)

_FAILURES: list[tuple[type[BaseException], str]] = [
    (DNSLookupError, "dns"),
    (ConnectionRefusedError, "connection_refused"),
    (TimeoutError, "timeout"),
    (TCPTimedOutError, "timeout"),
    (CancelledError, "too_large"),
]


# Scrapy >= 2.13 raises its own download exceptions; match them by name.
_FAILURE_NAMES = [
    ("Timeout", "timeout"),
    ("Cancelled", "too_large"),
    ("ConnectionRefused", "connection_refused"),
    ("Resolve", "dns"),
    ("DNS", "dns"),
    ("DataLoss", "truncated"),
    ("Connection", "connection"),
]


def failure_reason(failure: Failure) -> str:
    """A short, stable name for why a request failed (used as a summary key)."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(IgnoreRequest):
        text = str(failure.value).lower()
        if "robots.txt unavailable" in text:
            return "robots_unavailable"
        if "robots" in text:
            return "robots"
        if "download_maxsize" in text:  # a compressed body too large once inflated
            return "too_large"
        if "redirect loop" in text:
            return "redirect_loop"
        if "redirect" in text:
            return "too_many_redirects"
        if "offsite" in text:
            return "offsite"
        return "ignored"
    for exc_type, reason in _FAILURES:
        if failure.check(exc_type):
            return reason
    name = failure.type.__name__ if failure.type else "error"
    if "max size" in str(failure.value):
        return "too_large"
    for fragment, reason in _FAILURE_NAMES:
        if fragment in name:
            return reason
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Validators(TypedDict):
    """A response's validators, kept for the next conditional GET (``Article`` fields)."""

    etag: str | None
    last_modified: str | None


class SpiderOptions(Options):
    """The keys of a source that belong to its kind (none for a kind that needs none)."""


class SourceSpider(scrapy.Spider):
    """Base of the spider kinds (the plug-in shape of :mod:`yuqing.config.plugins`): a kind
    declares ``kind`` (the ``kind`` of sources.yaml), an ``Options`` model for the source keys
    only it reads, and ``start()``."""

    kind: ClassVar[str] = ""
    Options: ClassVar[type[SpiderOptions]] = SpiderOptions

    def __init__(self, source, ctx: CrawlContext, router=None, crawl_id: str = "", **kwargs):
        super().__init__(name=f"{self.kind}:{source.id}", **kwargs)
        self.source = source
        self.options = self.Options.model_validate(source.model_extra or {})
        self.ctx = ctx
        #: on a cluster worker: the frontier spider its requests are routed through, and the
        #: source crawl they belong to (crawlers/frontier/spider.py)
        self.router = router
        self.crawl_id = crawl_id
        self.summary: SourceSummary = ctx.summary.source(source.id)
        hosts = source.allowed_domains or [urlsplit(u).hostname for u in source.urls]
        self.allowed_domains = sorted({h for h in hosts if h})
        self.max_pages = source.max_pages or ctx.cfg.settings.crawl.max_list_pages
        self.state = ctx.store.get_source_state(source.id)
        self.pending_validators: dict[str, tuple[str | None, str | None]] = {}
        self.walks: dict[str, ListWalk] = {}  # start URL -> this crawl's walk of its list

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_response, signal=scrapy.signals.response_received)
        crawler.signals.connect(spider._on_item_error, signal=scrapy.signals.item_error)
        return spider

    def _on_item_error(self, item, response, spider, failure) -> None:
        """An unexpected exception in a pipeline stage: counted, never silent."""
        if spider is self:
            url = getattr(item, "url", None) or getattr(response, "url", "?")
            self.fail("item_error", url, f"{failure.type.__name__}: {failure.value}"[:200])

    # -- requests ------------------------------------------------------------------------
    def make_request(
        self,
        url: str,
        callback: Callable,
        *,
        conditional: bool = False,
        errback: Callable | None = None,
        **meta,
    ) -> scrapy.Request:
        headers = {}
        if conditional:
            seen = self.ctx.store.get_url_state(canonical(url))
            if seen is not None:
                if seen.etag:
                    headers["If-None-Match"] = seen.etag
                if seen.last_modified:
                    headers["If-Modified-Since"] = seen.last_modified
        meta.update(source_id=self.source.id, handle_httpstatus_list=[304])
        if self.router is not None:  # through Redis: callbacks must be the router's methods
            meta.update(crawl=self.crawl_id, yq_callback=callback.__name__)
            meta.update(yq_errback=(errback or self.on_error).__name__)
            return scrapy.Request(
                url,
                callback=self.router.route,
                errback=self.router.route_error,
                headers=headers,
                meta=meta,
            )
        return scrapy.Request(
            url,
            callback=callback,
            errback=errback or self.on_error,
            headers=headers,
            meta=meta,
        )

    def for_source(self, source_id: str) -> SourceSpider:
        """The spider an item of ``source_id`` belongs to (this one; the frontier spider of a
        cluster worker routes to the source's spider)."""
        return self

    # -- list walks (crawlers/backlog.py) ------------------------------------------------
    def start_walk(self, url: str, callback: Callable, **meta) -> scrapy.Request:
        """The request for page 1 of the list at ``url``, starting this crawl's walk of it."""
        saved = ListState.from_dict(self.state.backlog.get(url))
        self.walks[url] = ListWalk(url, saved, self.max_pages)
        return self.list_request(url, 1, url, callback, **meta)

    def list_request(self, url: str, page: int, walk: str, callback: Callable, **meta):
        """The request for list page ``page`` of the walk of start URL ``walk``. On a
        cluster it carries the walk's state (another worker may parse it; the state is as
        small as the walk's pages in flight); in one process the walk stays in memory."""
        if self.router is not None:
            meta["walk_state"] = self.walks[walk].to_dict()
        request = self.make_request(
            url, callback, errback=self.on_list_error, page=page, walk=walk, **meta
        )
        # a gap may resume at a page this crawl's top walk already read (pages shift)
        return request.replace(dont_filter=True)

    def walk_of(self, meta: dict) -> ListWalk:
        """The walk a list request belongs to, as it stood when the request was made."""
        if "walk_state" in meta:
            self.walks[meta["walk"]] = ListWalk.from_dict(meta["walk_state"])
        return self.walks[meta["walk"]]

    def list_page_done(
        self, response: Response, items: list[str], unseen: int, next_url: str | None
    ) -> tuple[str, int] | None:
        """Tell the walk what list page held; the next list page to fetch, or None."""
        walk = self.walk_of(response.meta)
        nxt = walk.after_page(
            response.meta["page"],
            (response.request or response).url,
            [canonical(u) for u in items],
            unseen,
            next_url,
        )
        self._walk_saved(walk.start, ended=nxt is None)
        return nxt

    def _walk_saved(self, url: str, ended: bool) -> None:
        """Save the walk of ``url`` after a list page. In one process the walk's exact
        outcome is saved when the crawl finishes cleanly (``closed``): a kill loses the
        requests still queued, so until then it resumes at its first unsettled page. On a
        cluster the frontier keeps every request until it is done (a killed worker's are
        crawled by another) and no spider of a source crawl is ever closed, so a walk that
        ended saves its exact outcome at once."""
        exact = ended and self.router is not None
        self.save_walks([url], settled=None if exact else self.settled)

    def settled(self, urls: list[str]) -> bool:
        return all(self.seen(u) for u in urls)

    def save_walks(
        self,
        urls: Iterable[str] | None = None,
        settled: Callable[[list[str]], bool] | None = None,
    ) -> None:
        """Store the state of the walks of ``urls`` (default: every walk of this crawl) —
        the resume points of the source's backlog. The other start URLs' entries are read
        fresh and kept: on a cluster other workers walk them at the same time (under a lock
        on the source's state, ``FrontierSpider.state_lock``)."""
        lock = self.router.state_lock(self.source.id) if self.router else nullcontext()
        with lock:
            state = self.ctx.store.get_source_state(self.source.id)
            # a start URL no longer configured owes nothing
            state.backlog = {u: v for u, v in state.backlog.items() if u in self.source.urls}
            for url in list(self.walks) if urls is None else urls:
                state.backlog[url] = self.walks[url].state(settled).to_dict()
            self.ctx.store.save_source_state(state)
        self.state.backlog = state.backlog

    def on_list_error(self, failure: Failure) -> None:
        self.on_error(failure)
        request = getattr(failure, "request", None)
        if request is not None and "walk" in request.meta:
            walk = self.walk_of(request.meta)
            walk.failed(request.meta["page"], request.url)
            self._walk_saved(walk.start, ended=True)

    def remember_url(self, post, post_id: str) -> None:
        """Seen-URL state for ``post.url``: validators of its response and its content hash."""
        etag, modified = self.pending_validators.pop(post.url, (None, None))
        self.ctx.store.save_url_state(
            UrlState(
                post.url,
                self.source.id,
                etag=etag,
                last_modified=modified,
                content_hash=post.content_hash,
                post_id=post_id,
                fetched_at=post.crawled_at,
            )
        )

    def mark_seen(self, url: str) -> None:
        """Remember a URL that produced no post (failed, or redirected elsewhere) so that it
        does not look new on every crawl and keep pagination going."""
        url = canonical(url)
        if self.ctx.store.get_url_state(url) is None:
            self.ctx.store.save_url_state(
                UrlState(url, self.source.id, fetched_at=now(self.ctx.tz))
            )

    def on_domain(self, url: str) -> bool:
        host = urlsplit(url).hostname or ""
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def seen(self, url: str) -> bool:
        return self.ctx.store.get_url_state(canonical(url)) is not None

    # -- responses -----------------------------------------------------------------------
    def _on_response(self, response: Response, request, spider) -> None:
        if spider is self and request.meta.get("source_id") == self.source.id:
            self.summary.fetched += 1
            if response.status < 400:
                self.summary.ok_responses += 1
            for url in request.meta.get("redirect_urls", []):
                self.mark_seen(url)  # the post is stored under the final URL

    def not_modified(self, response: Response) -> bool:
        """True (and counted as unchanged) for a 304 answer to a conditional GET."""
        if response.status == 304:
            self.summary.unchanged += 1
            return True
        return False

    def text_of(self, response: Response) -> str | None:
        """The decoded body, or None (counted as ``empty_body``) when there is nothing."""
        if not self.has_body(response):
            return None
        text, _encoding = decode_html(
            response.body, self.charset_of(response), self.source.encoding
        )
        return text

    def has_body(self, response: Response) -> bool:
        """False (counted as ``empty_body``) when the response holds nothing but whitespace."""
        if not response.body.strip():
            self.fail("empty_body", response.url)
            return False
        return True

    @staticmethod
    def charset_of(response: Response) -> str | None:
        """The charset the Content-Type header names, if any."""
        header = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if "charset=" not in header.lower():
            return None
        return header.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")

    def validators(self, response: Response) -> Validators:
        def header(name: str) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        return {"etag": header("ETag"), "last_modified": header("Last-Modified")}

    def closed(self, reason: str) -> None:
        # "shutdown": SIGINT/SIGTERM (Ctrl-C, a daemon stopping) stopped the crawl midway
        self.summary.interrupted = reason == "shutdown"
        if self.walks:  # a clean finish knows the outcome; an interrupted one stays careful
            self.save_walks(settled=None if reason == "finished" else self.settled)
        # Links are filtered to the source's domains before they are requested, so whatever
        # Scrapy's offsite filter dropped was a redirect leaving the configured domains.
        offsite = self.crawler.stats.get_value("offsite/filtered", 0)
        if offsite:
            self.summary.failed["offsite_redirect"] += offsite
            log.warning(
                "source %s: %d redirect(s) to other domains dropped", self.source.id, offsite
            )

    # -- failures ------------------------------------------------------------------------
    def fail(self, reason: str, url: str, detail: str = "") -> None:
        self.summary.fail(reason, url)
        log.warning(
            "source %s: %s %s%s", self.source.id, reason, url, f" ({detail})" if detail else ""
        )

    def on_error(self, failure: Failure) -> None:
        request = failure.request if hasattr(failure, "request") else None
        url = request.url if request is not None else "?"
        self.fail(failure_reason(failure), url, str(failure.value)[:200])
        if request is not None:
            for u in [*request.meta.get("redirect_urls", []), url]:
                self.mark_seen(u)


def guarded(callback: Callable) -> Callable:
    """Wrap a generator callback: an exception is counted as ``parse_error``, not raised."""

    def wrapper(self: SourceSpider, response: Response, **kwargs):
        try:
            yield from callback(self, response, **kwargs)
        except Exception as exc:  # noqa: BLE001 - bad input must never stop a crawl
            self.fail("parse_error", response.url, f"{type(exc).__name__}: {exc}")

    wrapper.__name__ = callback.__name__
    return wrapper
