"""``kind: json`` — platform or message-board APIs, with a configurable field mapping
(``fields`` in sources.yaml: items path, title, text, published_at, url/url_template, ...).
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yuqing.crawlers.extraction import parse_datetime
from yuqing.crawlers.items import Article
from yuqing.crawlers.spiders.base import SourceSpider, SpiderOptions, guarded

_PATH = re.compile(r"^[^.\s]+(\.[^.\s]+)*$")


class JsonMapping(BaseModel):
    """Where the fields of a JSON API live. Paths are dotted (``data.items``)."""

    model_config = ConfigDict(extra="forbid")

    items: str = "items"
    id: str | None = "id"
    title: str = "title"
    text: str = "text"
    url: str | None = None  # a field holding the item's URL, or use url_template
    url_template: str | None = None  # e.g. "https://host/board/{id}"; {field} from the item
    published_at: str = "published_at"
    author: str | None = None
    likes: str | None = None
    dislikes: str | None = None  # 反对数 on message boards
    comments: str | None = None
    reposts: str | None = None
    reply: str | None = None  # the board's answer to the message, e.g. "reply.content"
    reply_at: str | None = None  # its time, e.g. "reply.replyTime"
    reply_by: str | None = None  # who answered, e.g. "reply.dept"
    page_param: str | None = None  # query parameter for pagination, e.g. "page"
    has_more: str | None = None  # boolean field saying another page exists

    @field_validator(
        "items",
        "id",
        "title",
        "text",
        "url",
        "published_at",
        "author",
        "likes",
        "dislikes",
        "comments",
        "reposts",
        "reply",
        "reply_at",
        "reply_by",
        "has_more",
    )
    @classmethod
    def _dotted_path(cls, value: str | None, info) -> str | None:
        """A dotted path (``data.list``); ``items: "."`` when the answer itself is the list."""
        if value is None or (info.field_name == "items" and value == "."):
            return value
        if not _PATH.match(value):
            raise ValueError(
                f"not a field path: {value!r} (dotted keys such as data.items"
                + ('; "." for a top-level list)' if info.field_name == "items" else ")")
            )
        return value


class JsonOptions(SpiderOptions):
    fields: JsonMapping = Field(
        description="where the fields of the API live (items, title, text, published_at, ...)"
    )


def dig(data, path: str | None):
    """``dig({"a": {"b": 1}}, "a.b") == 1``; None when any step is missing."""
    if not path:
        return None
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def with_param(url: str, name: str, value: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != name] + [(name, str(value))]
    return urlunsplit(parts._replace(query=urlencode(query)))


class JsonSpider(SourceSpider):
    kind = "json"
    Options = JsonOptions
    options: JsonOptions

    async def start(self):
        for url in self.source.urls:
            yield self.start_walk(url, self.parse_api, base=url)

    @guarded
    def parse_api(self, response, **_):
        if self.not_modified(response):
            return
        text = self.text_of(response)
        if text is None:
            return
        try:
            data = json.loads(text)
        except ValueError as exc:
            self.fail("bad_json", response.url, str(exc)[:120])
            return
        fields = self.options.fields
        items = data if fields.items in ("", ".") else dig(data, fields.items)
        if not isinstance(items, list):
            self.fail("bad_json", response.url, f"no list at {fields.items!r}")
            return
        unseen, urls = 0, []
        for n, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise BadItem(f"a {type(item).__name__}, not an object")
                article = self._article(item, response.url)
            except BadItem as exc:
                self.fail("bad_item", f"{response.url} item {n}", str(exc))
                continue
            unseen += not self.seen(article.url)
            urls.append(article.url)
            yield article
        yield from self._next(response, data, items, urls, unseen)

    def _next(self, response, data, items, urls, unseen):
        """Where the walk goes next (crawlers/backlog.py): deeper, to a gap, or nowhere."""
        fields, page, base = self.options.fields, response.meta["page"], response.meta["base"]
        at_end = not fields.page_param or not items
        if fields.has_more and not dig(data, fields.has_more):
            at_end = True
        nxt = None if at_end else with_param(base, fields.page_param, page + 1)
        go = self.list_page_done(response, urls, unseen, nxt)
        if go is not None:
            yield self.list_request(go[0], go[1], base, self.parse_api, base=base)

    def _article(self, item: dict, api_url: str) -> Article:
        """The item as an Article, each field coerced to its declared type; raises BadItem
        when title/text/URL cannot be, drops (and counts ``bad_field``) a bad optional one."""
        f = self.options.fields
        title, body = as_text(dig(item, f.title), "title"), as_text(dig(item, f.text), "text")
        if not title and not body:
            raise BadItem("no title or text")
        url = self._item_url(item, api_url)
        bad: list[str] = []
        published = None
        raw_time = dig(item, f.published_at)
        try:
            stamp = as_text(raw_time, "published_at")
            published = parse_datetime(stamp, tz=self.ctx.tz) if stamp else None
        except BadItem as exc:
            bad.append(str(exc))
        engagement = {}
        for k in ("likes", "dislikes", "comments", "reposts"):
            try:
                count = as_count(dig(item, getattr(f, k)), k)
            except BadItem as exc:
                bad.append(str(exc))
                continue
            if count is not None:
                engagement[k] = count
        try:
            author = as_text(dig(item, f.author), "author") or None
            reply = self._reply(item)
        except BadItem as exc:
            bad.append(str(exc))
            author, reply = None, {}
        if bad:
            self.fail("bad_field", url, "; ".join(bad))
        return Article(
            source_id=self.source.id,
            url=url,
            title=title,
            body=body,
            published_at=published,
            author=author,
            engagement=engagement,
            method="json",
            reply={k: v for k, v in reply.items() if v},
        )

    def _reply(self, item: dict) -> dict:
        """The board's own answer to the message (text, at, by), if the mapping names it."""
        f = self.options.fields
        answer = as_text(dig(item, f.reply), "reply") if f.reply else ""
        if not answer:
            return {}
        at = as_text(dig(item, f.reply_at), "reply_at") if f.reply_at else ""
        when = parse_datetime(at, tz=self.ctx.tz) if at else None
        by = as_text(dig(item, f.reply_by), "reply_by") if f.reply_by else ""
        return {"text": answer, "at": when.isoformat() if when else None, "by": by or None}

    def _item_url(self, item: dict, api_url: str) -> str:
        f = self.options.fields
        item_id = as_text(dig(item, f.id), "id") if f.id else ""
        url = as_text(dig(item, f.url), "url") if f.url else ""
        if not url and f.url_template:
            values = {k: v for k, v in item.items() if isinstance(v, str | int)}
            try:
                url = f.url_template.format(**values)
            except (KeyError, IndexError, ValueError) as exc:
                raise BadItem(f"url_template: no usable field {exc}") from None
        if not url:
            if not item_id:
                raise BadItem("no URL and no id")
            return f"{api_url.split('?')[0]}#id={item_id}"
        url = urljoin(api_url, url)
        if urlsplit(url).scheme not in ("http", "https"):
            raise BadItem(f"not an http(s) URL: {url[:80]!r}")
        return url


class BadItem(ValueError):
    """An API item that cannot be stored as a post (counted as ``bad_item``)."""


MAX_COUNT = 10**12  # more likes/comments/reposts than that is not a count


def as_text(value, name: str) -> str:
    """A text field: strings as they are, integers and finite numbers written out."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:g}"
    raise BadItem(f"{name}: {type(value).__name__} is not text")


def as_count(value, name: str) -> int | None:
    """An engagement count: a non-negative integer (or digits) up to MAX_COUNT."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return value
    raise BadItem(f"{name}: {str(value)[:20]!r} is not a count")
