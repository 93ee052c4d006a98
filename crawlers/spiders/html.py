"""``kind: html`` — list pages (with pagination) leading to article detail pages.

Without ``selectors`` the list page is analysed automatically (article links, next page) and
detail pages are extracted automatically (title, body, publish time); configured selectors
override field by field.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from parsel import Selector
from pydantic import BaseModel, ConfigDict, Field, field_validator

from yuqing.crawlers.extraction import (
    Extracted,
    extract_article,
    find_article_links,
    find_next_page,
    parse_datetime,
)
from yuqing.crawlers.extraction.article import select_text
from yuqing.crawlers.items import Article, Page
from yuqing.crawlers.spiders.base import SourceSpider, SpiderOptions, Validators, guarded


class Selectors(BaseModel):
    """CSS, or XPath when it starts with ``/`` or ``(``."""

    model_config = ConfigDict(extra="forbid")

    list: str | None = None  # article links on a list page
    next: str | None = None  # the next list page link
    title: str | None = None
    body: str | None = None
    date: str | None = None
    reply: str | None = None  # a message board's answer on the message's page
    reply_date: str | None = None  # text holding its time (none found = not answered yet)

    @field_validator("list", "next", "title", "body", "date")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        """Compile each selector now, so a typo fails `config check`, not the crawl."""
        if value is None:
            return None
        if not value.strip():
            raise ValueError("empty selector (leave the key out for automatic extraction)")
        if value.lstrip().startswith(("/", "(")):
            from lxml import etree

            try:
                etree.XPath(value)
            except etree.XPathSyntaxError as exc:
                raise ValueError(f"invalid XPath {value!r}: {exc}") from None
        else:
            from cssselect import GenericTranslator, SelectorError

            try:
                GenericTranslator().css_to_xpath(value)
            except SelectorError as exc:
                raise ValueError(f"invalid CSS selector {value!r}: {exc}") from None
        return value


class HtmlOptions(SpiderOptions):
    selectors: Selectors | None = Field(
        default=None,
        description="list/next/title/body/date (absent = automatic extraction), "
        "reply/reply_date (a board's answer)",
    )


#: a date (and time) inside a label such as "回复单位：…　回复时间：2015-07-01 11:26:35"
_DATE = re.compile(
    r"\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)


def select_all(html: str, query: str) -> list[str]:
    """Values (hrefs or text) matched by a CSS or XPath (starting with / or ( ) selector."""
    sel = Selector(text=html)
    nodes = sel.xpath(query) if query.lstrip().startswith(("/", "(")) else sel.css(query)
    out = []
    for node in nodes:
        value = node.attrib.get("href") if hasattr(node, "attrib") else None
        out.append(value if value is not None else node.get())
    return [v.strip() for v in out if v and v.strip()]


class HtmlSpider(SourceSpider):
    kind = "html"
    Options = HtmlOptions
    options: HtmlOptions

    async def start(self):
        for url in self.source.urls:
            yield self.start_walk(url, self.parse_list)

    @guarded
    def parse_list(self, response, **_):
        if self.not_modified(response):
            return
        html = self.text_of(response)
        if html is None:
            return
        selectors = self.options.selectors
        if selectors and selectors.list:
            links = [urljoin(response.url, h) for h in select_all(html, selectors.list)]
        else:
            links = find_article_links(html, response.url)
        links = [u for u in dict.fromkeys(links) if self.on_domain(u)]
        if not links:
            self.fail("no_links", response.url)
        unseen = 0
        for url in links:
            was_seen = self.seen(url)
            unseen += not was_seen
            yield self.make_request(url, self.parse_detail, conditional=was_seen)
        yield from self._next_page(response, html, links, unseen)

    def _next_page(self, response, html: str, links: list[str], unseen: int):
        """Where the walk goes next (crawlers/backlog.py): deeper, to a gap, or nowhere."""
        selectors = self.options.selectors
        if selectors and selectors.next:
            found = select_all(html, selectors.next)
            nxt = urljoin(response.url, found[0]) if found else None
        else:
            nxt = find_next_page(html, response.url)
        if not (nxt and nxt != response.url and self.on_domain(nxt)):
            nxt = None  # the list's natural end
        go = self.list_page_done(response, links, unseen, nxt)
        if go is not None:
            yield self.list_request(go[0], go[1], response.meta["walk"], self.parse_list)

    @guarded
    def parse_detail(self, response, **_):
        if self.not_modified(response):
            return
        sel = self.options.selectors
        selectors = (
            sel.model_dump(include={"title", "body", "date"}, exclude_none=True) if sel else None
        )
        if self.ctx.nlp_pool is not None and not (sel and sel.reply):
            # decoded and extracted in an analysis worker (pipelines/extract.py)
            if self.has_body(response):
                yield Page(
                    self.source.id,
                    response.url,
                    response.body,
                    self.charset_of(response),
                    selectors or None,
                    **self.validators(response),
                )
            return
        html = self.text_of(response)
        if html is None:
            return
        got = extract_article(html, response.url, selectors or None, tz=self.ctx.tz)
        article = self.article_of(response.url, got, self.validators(response))
        if article is not None:
            article.reply = self._reply(html, sel)
            yield article

    def article_of(self, url: str, got: Extracted, validators: Validators) -> Article | None:
        """The page's ``Article``; None (counted, the URL remembered as seen) when the
        extraction found nothing or gave up on too large a tree."""
        if got.bounded:
            self.fail("extract_timeout", url, "page too large a tree to extract")
            self.mark_seen(url)
            return None
        if not got.title and not got.body:
            self.fail("no_content", url)
            self.mark_seen(url)
            return None
        return Article(
            source_id=self.source.id,
            url=url,
            title=got.title,
            body=got.body,
            published_at=got.published_at,
            author=got.author,
            method=got.method,
            **validators,
        )

    def _reply(self, html: str, sel) -> dict[str, str]:
        """The board's answer when ``selectors.reply`` (and ``reply_date``) are configured."""
        if sel is None or not sel.reply:
            return {}
        answer = select_text(html, sel.reply)
        if not answer:
            return {}
        if not sel.reply_date:
            return {"text": answer}
        found = _DATE.search(select_text(html, sel.reply_date))
        when = parse_datetime(found.group(0), tz=self.ctx.tz) if found else None
        if when is None:  # "办理中，暂未回复": a real answer carries its time
            return {}
        return {"text": answer, "at": when.isoformat()}
