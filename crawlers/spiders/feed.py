"""``kind: feed`` — RSS 2.0 / Atom, e.g. government Weibo/WeChat accounts through a feed
bridge such as a self-hosted RSSHub. Items carrying only a teaser are followed to their page.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
from lxml import html as lxml_html

from yuqing.crawlers.extraction import extract_article, parse_datetime
from yuqing.crawlers.items import Article
from yuqing.crawlers.spiders.base import SourceSpider, guarded

MIN_BODY_CHARS = 40  # shorter item content is treated as a teaser and its link is followed


def html_to_text(fragment: str) -> str:
    if not fragment or not fragment.strip():
        return ""
    try:
        root = lxml_html.fromstring(f"<div>{fragment}</div>")
    except Exception:  # noqa: BLE001 - fall back to the raw text
        return fragment.strip()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for p in root.iter("p", "div", "li"):
        p.tail = "\n" + (p.tail or "")
    lines = (" ".join(line.split()) for line in root.text_content().splitlines())
    return "\n".join(line for line in lines if line)


_UTF8 = {"content-type": "application/xml; charset=utf-8"}


class FeedSpider(SourceSpider):
    kind = "feed"

    async def start(self):
        for url in self.source.urls:
            yield self.make_request(url, self.parse_feed, conditional=True)

    @guarded
    def parse_feed(self, response, **_):
        if self.not_modified(response):
            return
        # decoded as every page is (the source's `encoding`, the HTTP charset, the XML
        # declaration read as a superset, detection): feedparser alone never sees the header
        # and read a GBK feed without an XML declaration as windows-1252
        text = self.text_of(response)
        if text is None:
            return
        feed = feedparser.parse(text.encode("utf-8"), response_headers=_UTF8)
        if feed.bozo:
            # Count a malformed feed once, then salvage whatever entries parsed cleanly.
            self.fail("bad_feed", response.url, str(feed.get("bozo_exception", ""))[:120])
            entries = [e for e in feed.entries if e.get("link") or e.get("id")]
            if not entries:
                return
            feed.entries = entries
        validators = self.validators(response)
        for entry in feed.entries:
            yield from self._entry(entry, response)
        # remember the feed's validators so the next crawl can ask "modified since?"
        self.ctx.store.save_url_state(self._feed_state(response.url, validators))

    def _feed_state(self, url, validators):
        from yuqing.storage import UrlState
        from yuqing.timeutil import now

        return UrlState(url, self.source.id, fetched_at=now(self.ctx.tz), **validators)

    def _entry(self, entry, response):
        link = entry.get("link") or entry.get("id")
        if not link:
            self.fail("no_link", response.url)
            return
        link = response.urljoin(link)
        if urlsplit(link).scheme not in ("http", "https"):
            self.fail("bad_item", response.url, f"not an http(s) link: {link[:80]!r}")
            return
        content = entry.get("content") or []
        body_html = content[0].get("value", "") if content else entry.get("summary", "")
        body = html_to_text(body_html)
        title = " ".join((entry.get("title") or "").split())
        published = self._entry_time(entry)
        if len(body) < MIN_BODY_CHARS and self.on_domain(link):
            yield self.make_request(
                link,
                self.parse_linked,
                conditional=self.seen(link),
                errback=self.linked_failed,
                title=title,
                published=published,
                teaser=body,
                author=entry.get("author"),
            )
            return
        if not title and not body:
            self.fail("no_content", link)
            return
        yield Article(
            source_id=self.source.id,
            url=link,
            title=title or body[:30],
            body=body,
            published_at=published,
            author=entry.get("author"),
            method="feed",
        )

    def _entry_time(self, entry) -> datetime | None:
        for key in ("published", "updated"):
            raw = entry.get(key)
            if raw:
                parsed = parse_datetime(raw, tz=self.ctx.tz)
                if parsed:
                    return parsed
        for key in ("published_parsed", "updated_parsed"):
            if entry.get(key):
                return datetime.fromtimestamp(calendar.timegm(entry[key]), UTC)
        return None

    def linked_failed(self, failure):
        """The item's page failed (counted by its reason): keep what the feed carried,
        marked ``feed_text_only``."""
        self.on_error(failure)
        meta = failure.request.meta
        if meta.get("title") or meta.get("teaser"):
            yield Article(
                source_id=self.source.id,
                url=failure.request.url,
                title=meta.get("title") or meta["teaser"][:30],
                body=meta.get("teaser", ""),
                published_at=meta.get("published"),
                author=meta.get("author"),
                method="feed",
                notes=["feed_text_only"],
            )

    @guarded
    def parse_linked(self, response, **_):
        if self.not_modified(response):
            return
        meta = response.meta
        html = self.text_of(response)
        if html is None:
            return
        got = extract_article(html, response.url, None, tz=self.ctx.tz)
        if got.bounded:
            self.fail("extract_timeout", response.url, "page too large a tree to extract")
        yield Article(
            source_id=self.source.id,
            url=response.url,
            title=meta.get("title") or got.title,
            body=got.body or meta.get("teaser", ""),
            published_at=meta.get("published") or got.published_at,
            author=meta.get("author"),
            method="feed+page",
            **self.validators(response),
        )
