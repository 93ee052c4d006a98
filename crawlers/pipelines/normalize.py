"""Article -> Post: canonical URL and id, whitespace, Traditional -> Simplified (original kept)."""

from __future__ import annotations

import re
import unicodedata

from scrapy.exceptions import DropItem

from yuqing.crawlers.extraction import looks_traditional, to_simplified
from yuqing.crawlers.items import Article
from yuqing.crawlers.pipelines import Stage
from yuqing.crawlers.urls import canonical
from yuqing.models import Post, post_id_for
from yuqing.text import TITLE_MAX, cap, sanitize
from yuqing.timeutil import now

_SPACES = re.compile(r"[ \t\u3000\xa0]+")


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", sanitize(text or ""))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


class NormalizePipeline(Stage):
    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        spider = self.spider_for(item)
        source = spider.source
        title, body = clean(item.title), clean(item.body)
        notes = list(item.notes)
        if spider.ctx.nlp is None:  # analysed by a later run (nlp/backfill.py)
            notes.append("not_analysed")
        if len(title) > TITLE_MAX:  # a 100 KB "title" is a page, not a headline
            title = cap(" ".join(title.split()), TITLE_MAX)
            notes.append("title_truncated")
        if not title and not body:
            spider.fail("empty_body", item.url)
            spider.mark_seen(item.url)
            raise DropItem(f"empty article {item.url}", log_level="DEBUG")
        url = canonical(item.url)
        post = Post(
            id=post_id_for(url),
            source_id=source.id,
            channel=source.channel,
            url=url,
            title=title,
            text=body,
            published_at=item.published_at,
            crawled_at=now(spider.ctx.tz),
            region=source.region,
            author=clean(item.author) or None if item.author else None,
            engagement=dict(item.engagement),
            reply={**item.reply, "text": clean(item.reply["text"])} if item.reply else {},
            notes=notes,
        )
        if looks_traditional(title + body):
            post.title_orig, post.text_orig = title, body
            post.title, post.text = to_simplified(title), to_simplified(body)
            post.content_hash = ""
            post.__post_init__()
        spider.pending_validators[url] = (item.etag, item.last_modified)
        return post
