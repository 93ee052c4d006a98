"""Small lxml helpers shared by the extraction modules (tolerant of broken markup)."""

from __future__ import annotations

import re

from lxml import etree, html

_WS = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_CJK_RUNS = re.compile(r"[\u4e00-\u9fff]+")
_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# libxml2 drops everything after a </html> or </body>; pages assembled from server-side
# includes carry the header's closing tags before the article (www.gov.cn 国务院公报 pages)
_CLOSERS = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)


def parse(markup: str) -> html.HtmlElement | None:
    """Parse ``markup`` into an lxml tree, or None when there is nothing to parse."""
    if not markup or not markup.strip():
        return None
    try:
        return html.document_fromstring(_CLOSERS.sub("", _DECL.sub("", markup)))
    except (etree.ParserError, ValueError):
        return None


def norm_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


def text_of(el: html.HtmlElement) -> str:
    return norm_ws(el.text_content() or "")


def cjk_count(text: str) -> int:
    return sum(map(len, _CJK_RUNS.findall(text)))


def classes(el: etree._Element) -> str:
    """``class`` and ``id`` of an element, lower-cased, for boilerplate heuristics."""
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()
