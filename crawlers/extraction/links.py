"""List-page analysis when no selectors are configured: article links and the next page."""

from __future__ import annotations

import re
from collections import OrderedDict
from urllib.parse import urldefrag, urljoin

from lxml import html

from yuqing.crawlers.extraction._html import cjk_count, classes, parse, text_of

# containers whose links are never article links
_CHROME = re.compile(
    r"(?:^|[\s_-])(nav|navbar|menu|topbar|top|header|head|footer|foot|ft|copyright|crumbs?|"
    r"breadcrumbs?|position|location|pager|pagination|pages?|paging|page-nav|sidebar|"
    r"side|friend|friendlinks?|links|share|tools?|banner|ad|ads|search|left-nav|prevnext)(?:$|[\s_-])"
)
_CHROME_TAGS = {"nav", "header", "footer", "aside", "form", "select"}
_GROUP_TAGS = {"ul", "ol", "table", "tbody", "dl", "section", "article", "main"}
_NEXT_TEXTS = {
    "下一页",
    "下页",
    "下一頁",
    "下頁",
    "后页",
    "後頁",
    "next",
    "next page",
    "next›",
    "next »",
    "›",
    "»",
    ">",
    ">>",
    "下一页>",
    "下一页>>",
    "下一页 >",
}
MIN_CJK = 5
MIN_TEXT = 6


def _in_chrome(a: html.HtmlElement) -> bool:
    for anc in a.iterancestors():
        if anc.tag in _CHROME_TAGS or _CHROME.search(classes(anc)):
            return True
    return False


def _group_key(a: html.HtmlElement) -> html.HtmlElement:
    for anc in a.iterancestors():
        if anc.tag in _GROUP_TAGS:
            return anc
        if anc.tag == "div" and len(anc) > 2:
            return anc
    return a.getparent() if a.getparent() is not None else a


def _usable_href(href: str | None) -> bool:
    if not href:
        return False
    h = href.strip().lower()
    return not (h.startswith(("javascript:", "mailto:", "tel:", "#", "data:")))


def find_article_links(markup: str, base_url: str) -> list[str]:
    """Absolute URLs of the article links of a list page, in page order, deduplicated.

    Anchors with substantial Chinese text are grouped by their list container (ul/ol/table/
    div); chrome (nav, footer, pagination, sidebars) is skipped and the groups holding most of
    the article-like anchor text are kept.
    """
    doc = parse(markup)
    if doc is None:
        return []
    groups: OrderedDict[html.HtmlElement, list[tuple[str, int]]] = OrderedDict()
    for a in doc.iter("a"):
        href = a.get("href")
        if not _usable_href(href):
            continue
        text = text_of(a) or (a.get("title") or "").strip()
        if len(text) < MIN_TEXT or cjk_count(text) < MIN_CJK or _is_pager_text(text):
            continue
        if _in_chrome(a):
            continue
        url = urldefrag(urljoin(base_url, href.strip()))[0]
        groups.setdefault(_group_key(a), []).append((url, len(text)))
    if not groups:
        return []
    scores = {g: sum(n for _, n in items) for g, items in groups.items()}
    best = max(scores.values())
    keep = [
        g for g in groups if scores[g] >= 0.3 * best and (len(groups[g]) >= 2 or len(groups) == 1)
    ]
    if not keep:
        keep = [max(scores, key=scores.__getitem__)]
    seen: OrderedDict[str, None] = OrderedDict()
    for a_url in _in_page_order(doc, {u for g in keep for u, _ in groups[g]}, base_url):
        seen.setdefault(a_url, None)
    return list(seen)


def _in_page_order(doc: html.HtmlElement, wanted: set[str], base_url: str) -> list[str]:
    out = []
    for a in doc.iter("a"):
        href = a.get("href")
        if _usable_href(href):
            url = urldefrag(urljoin(base_url, href.strip()))[0]
            if url in wanted:
                out.append(url)
    return out


def _is_pager_text(text: str) -> bool:
    t = text.strip().lower()
    return t in _NEXT_TEXTS or t in {
        "上一页",
        "上页",
        "首页",
        "尾页",
        "末页",
        "上一頁",
        "首頁",
        "尾頁",
    }


def find_next_page(markup: str, base_url: str) -> str | None:
    """The absolute URL of the next list page (下一页 / 下页 / next / rel=next), or None."""
    doc = parse(markup)
    if doc is None:
        return None
    current = urldefrag(base_url)[0]
    for el in doc.iter("link", "a"):
        if "next" in (el.get("rel") or "").lower().split() and _usable_href(el.get("href")):
            url = urldefrag(urljoin(base_url, el.get("href").strip()))[0]
            if url != current:
                return url
    for a in doc.iter("a"):
        text = (text_of(a) or a.get("title") or "").strip().lower()
        text = re.sub(r"\s+", " ", text)
        if (
            text in _NEXT_TEXTS
            or text.startswith(("下一页", "下一頁"))
            or ("next" in classes(a).split() and text)
        ):
            href = a.get("href")
            if _usable_href(href):
                url = urldefrag(urljoin(base_url, href.strip()))[0]
                if url != current:
                    return url
    return None
