"""``kind: feed`` — RSS 2.0 / Atom, e.g. government Weibo/WeChat accounts through a feed
bridge such as a self-hosted RSSHub. Items carrying only a teaser are followed to their page.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

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


class FeedSpider(SourceSpider):
    kind = "feed"

    async def start(self):
        for url in self.source.urls:
            yield self.make_request(url, self.parse_feed, conditional=True)

    @guarded
    def parse_feed(self, response, **_):
        if self.not_modified(response):
            return
        if not response.body.strip():
            self.fail("empty_body", response.url)
            return
        feed = feedparser.parse(response.body)
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
                title=title,
                published=published,
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

    @guarded
    def parse_linked(self, response, title: str = "", published=None, **_):
        if self.not_modified(response):
            return
        html = self.text_of(response)
        if html is None:
            return
        got = extract_article(html, response.url, None, tz=self.ctx.tz)
        yield Article(
            source_id=self.source.id,
            url=response.url,
            title=title or got.title,
            body=got.body,
            published_at=published or got.published_at,
            method="feed+page",
            **self.validators(response),
        )
