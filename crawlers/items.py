"""Items produced by the spiders: one ``Article`` per collected post, before normalisation (a
``Page`` when its extraction runs in an analysis worker: pipelines/extract.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Article:
    source_id: str
    url: str
    title: str
    body: str
    published_at: datetime | None = None
    author: str | None = None
    engagement: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    etag: str | None = None  # validators for the next conditional GET
    last_modified: str | None = None
    method: str = "auto"  # auto | selectors | feed | json
    reply: dict[str, str] = field(default_factory=dict)  # a board's answer: text, at, by
    notes: list[str] = field(default_factory=list)  # e.g. feed_text_only (Post.notes)


@dataclass
class Page:
    """A detail page to be decoded and extracted in an analysis worker, off the crawl process
    (``crawl.nlp_workers`` > 0); pipelines/extract.py makes it the page's ``Article``."""

    source_id: str
    url: str
    body: bytes
    charset: str | None  # the HTTP header's
    selectors: dict[str, str] | None  # title/body/date, as extract_article takes them
    etag: str | None = None
    last_modified: str | None = None
