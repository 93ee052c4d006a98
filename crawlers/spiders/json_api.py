"""``kind: json`` — platform or message-board APIs, with a configurable field mapping
(``fields`` in sources.yaml: items path, title, text, published_at, url/url_template, ...).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
        "comments",
        "reposts",
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
            yield self.make_request(url, self.parse_api, page=1, base=url)

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
        items = dig(data, fields.items) if fields.items else data
        if not isinstance(items, list):
            self.fail("bad_json", response.url, f"no list at {fields.items!r}")
            return
        unseen = 0
        for item in items:
            article = self._article(item, response.url) if isinstance(item, dict) else None
            if article is None:
                self.fail("bad_item", response.url)
                continue
            unseen += not self.seen(article.url)
            yield article
        yield from self._next(response, data, items, unseen)

    def _next(self, response, data, items, unseen):
        fields, page = self.options.fields, response.meta["page"]
        if not fields.page_param or not items or page >= self.max_pages:
            return
        if fields.has_more and not dig(data, fields.has_more):
            return
        if unseen == 0 and self.state.last_summary.get("complete"):
            return
        url = with_param(response.meta["base"], fields.page_param, page + 1)
        yield self.make_request(url, self.parse_api, page=page + 1, base=response.meta["base"])

    def _article(self, item: dict, api_url: str) -> Article | None:
        f = self.options.fields
        title = str(dig(item, f.title) or "").strip()
        body = str(dig(item, f.text) or "").strip()
        if not title and not body:
            return None
        item_id = dig(item, f.id)
        url = dig(item, f.url) if f.url else None
        if not url and f.url_template:
            try:
                url = f.url_template.format(**{k: v for k, v in item.items()})
            except (KeyError, IndexError, ValueError):
                url = None
        if not url:
            if item_id is None:
                return None
            url = f"{api_url.split('?')[0]}#id={item_id}"
        raw_time = dig(item, f.published_at)
        published = parse_datetime(str(raw_time), tz=self.ctx.tz) if raw_time else None
        engagement = {
            k: int(v)
            for k in ("likes", "dislikes", "comments", "reposts")
            if (v := dig(item, getattr(f, k))) is not None and str(v).isdigit()
        }
        author = dig(item, f.author)
        reply = {}
        if f.reply and (answer := dig(item, f.reply)):
            at = dig(item, f.reply_at) if f.reply_at else None
            when = parse_datetime(str(at), tz=self.ctx.tz) if at else None
            by = dig(item, f.reply_by) if f.reply_by else None
            reply = {"text": str(answer), "at": when.isoformat() if when else None, "by": by}
        return Article(
            source_id=self.source.id,
            url=str(url),
            title=title,
            body=body,
            published_at=published,
            author=str(author) if author else None,
            engagement=engagement,
            method="json",
            reply={k: v for k, v in reply.items() if v},
        )
