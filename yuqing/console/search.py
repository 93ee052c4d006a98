"""信息检索: duty staff search the stored messages (``/search``) by words in the title or body,
a time range, source, channel, category and focus topic, newest or most negative first, in
pages — the console's own search, for the office that has no Kibana at hand
(``Store.find_posts``; both backends). Crawled text is escaped; matches are marked with
``<mark>`` around escaped text only."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from markupsafe import Markup, escape

from yuqing.alerts.evidence import message, source_names
from yuqing.console.auth import staff_required
from yuqing.console.context import console
from yuqing.console.labels import category_labels
from yuqing.models import Post
from yuqing.storage.base import search_terms
from yuqing.vocab import CHANNEL_NAMES, NEGATIVE_BELOW

bp = Blueprint("search", __name__)
PAGE = 50
MAX_PAGE = 200  # Elasticsearch pages through at most 10,000 hits
#: the time ranges offered (days); the default first
RANGES = (7, 1, 3, 30, 90, 365)
SNIPPET = 120  # characters of the body shown around the first match


def marked(text: str, terms: tuple[str, ...]) -> Markup:
    """``text`` escaped, each occurrence of ``terms`` (any case) in ``<mark>``."""
    if not terms:
        return escape(text)
    low, out, i = text.lower(), [], 0
    wanted = [t.lower() for t in terms]
    while i < len(text):
        hits = [(j, len(t)) for t in wanted if (j := low.find(t, i)) >= 0]
        if not hits:
            break
        j, n = min(hits, key=lambda h: (h[0], -h[1]))
        out += [escape(text[i:j]), Markup("<mark>"), escape(text[j : j + n]), Markup("</mark>")]
        i = j + n
    out.append(escape(text[i:]))
    return Markup("").join(out)


def snippet(text: str, terms: tuple[str, ...]) -> str:
    """About :data:`SNIPPET` characters of ``text`` from a little before the first match (the
    opening when none is in the body)."""
    text = " ".join(text.split())
    low = text.lower()
    at = min((j for t in terms if (j := low.find(t.lower())) >= 0), default=0)
    start = max(0, at - 20)
    cut = text[start : start + SNIPPET]
    return ("…" if start else "") + cut + ("…" if start + SNIPPET < len(text) else "")


@bp.get("/search")
@staff_required
def search_page():
    c = console()
    args = request.args
    q = args.get("q", "").strip()
    days = args.get("days", RANGES[0], type=int)
    days = days if days in RANGES else RANGES[0]
    page = max(1, min(args.get("page", 1, type=int) or 1, MAX_PAGE))
    order = "sentiment" if args.get("order") == "negative" else "time"
    focus_names = {t.id: t.name for t in c.cfg.topics.focus}
    names = source_names(c.cfg)
    options = {
        "source": names,
        "channel": CHANNEL_NAMES,
        "category": {k: k for k in category_labels()},
        "focus": focus_names,
    }
    where = {dim: v for dim in options if (v := args.get(dim, "")) and v in options[dim]}
    terms = search_terms(q)
    end = c.now()
    found = c.store.find_posts(
        end - timedelta(days=days),
        end,
        where=where,
        text=q,
        order=order,
        originals=bool(args.get("originals")),
        limit=PAGE + 1,
        offset=(page - 1) * PAGE,
    )
    rows = [_row(p, names, focus_names, terms) for p in found[:PAGE]]
    query = {k: v for k, v in args.items() if k != "page" and v}
    return render_template(
        "staff_search.html",
        q=q,
        days=days,
        ranges=RANGES,
        order=order,
        options=options,
        where=where,
        originals=bool(args.get("originals")),
        rows=rows,
        page=page,
        more=len(found) > PAGE,
        query=query,
        first=(page - 1) * PAGE + 1,
    )


def _row(post: Post, names: dict[str, str], focus_names: dict[str, str], terms) -> dict:
    m = message(post, names)
    return {
        "m": m,
        "post": post,
        "title": marked(post.title or "（无标题）", terms),
        "snippet": marked(snippet(post.text, terms), terms),
        "focus": "、".join(focus_names.get(f, f) for f in post.focus),
        "negative": post.sentiment is not None and post.sentiment < NEGATIVE_BELOW,
    }
