"""Fixtures of the attack suite: configs pointing at hostile loopback servers."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_config


def board_sources(url: str, board: str, max_pages: int) -> str:
    """sources.yaml entries reading ``board`` as a JSON API (``<board>-api``) and as HTML
    list pages (``<board>-html``)."""
    return f"""
  - id: {board}-api
    kind: json
    channel: message_board
    urls: ["{url}/{board}-api/api"]
    interval: 1m
    max_pages: {max_pages}
    fields:
      items: data
      id: id
      title: title
      text: content
      published_at: time
      url_template: "{url}/{board}-api/post/{{id}}.html"
      page_param: page
      has_more: hasMore
  - id: {board}-html
    kind: html
    channel: message_board
    urls: ["{url}/{board}-html/list/1.html"]
    interval: 1m
    max_pages: {max_pages}
    selectors:
      list: "ul.list a"
      next: "a.next"
      title: "h1"
      body: "div.content"
      date: "span.time"
"""


def board_config(tmp: Path, url: str, board: str = "b", max_pages: int = 8, **crawl) -> Path:
    cfg = make_config(tmp, url, **crawl)
    (cfg / "sources.yaml").write_text(
        "sources:" + board_sources(url, board, max_pages), encoding="utf-8"
    )
    return cfg
