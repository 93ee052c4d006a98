"""信息检索: duty staff search the stored messages (``/search``) by words in the title or body,
a time range, source, channel, category and focus topic, newest or most negative first, in
pages — the console's own search, for the office that has no Kibana at hand
(``Store.find_posts``; both backends), and 地区: the places the window's posts are about. Crawled text is escaped; matches are marked with
``<mark>`` around escaped text only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup, escape

from yuqing.alerts.evidence import message, source_names
from yuqing.console.auth import staff_required
from yuqing.console.context import console
from yuqing.console.labels import category_labels
from yuqing.models import Post
from yuqing.storage.base import search_terms
from yuqing.text import spreadsheet
from yuqing.vocab import CHANNEL_NAMES, NEGATIVE_BELOW

bp = Blueprint("search", __name__)
PAGE = 50
MAX_PAGE = 200  # Elasticsearch pages through at most 10,000 hits
#: the time ranges offered (days); the default first
RANGES = (7, 1, 3, 30, 90, 365)
SNIPPET = 120  # characters of the body shown around the first match
EXPORT_MAX = 5000  # results in a CSV export
PLACES = 200  # places offered in the 地区 filter
CSV_COLUMNS = (
    "时间",
    "信息源",
    "渠道",
    "标题",
    "链接",
    "类别",
    "重点领域",
    "情感值",
    "转载",
    "事件",
    "正文",
)


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


def _criteria(args) -> dict:
    """The search the request's arguments ask for (unknown values ignored), with the
    choices the form offers."""
    c = console()
    q = args.get("q", "").strip()
    days = args.get("days", RANGES[0], type=int)
    days = days if days in RANGES else RANGES[0]
    focus_names = {t.id: t.name for t in c.cfg.topics.focus}
    names = source_names(c.cfg)
    options = {
        "source": names,
        "channel": CHANNEL_NAMES,
        "category": {k: k for k in category_labels()},
        "focus": focus_names,
    }
    end = c.now()
    # the places the window's posts are about, the most frequent first (hourly counts: cheap)
    places = c.store.tally("place", end - timedelta(days=days), end)
    top = sorted(places.items(), key=lambda kv: (-kv[1].posts, kv[0]))[:PLACES]
    options["place"] = {k: f"{k}（{t.posts}）" for k, t in top}
    return {
        "q": q,
        "days": days,
        "options": options,
        "names": names,
        "focus_names": focus_names,
        "find": {
            "start": end - timedelta(days=days),
            "end": end,
            "where": {d: v for d in options if (v := args.get(d, "")) and v in options[d]},
            "text": q,
            "order": "sentiment" if args.get("order") == "negative" else "time",
            "originals": bool(args.get("originals")),
        },
    }


@bp.get("/search")
@staff_required
def search_page():
    c = console()
    s = _criteria(request.args)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, MAX_PAGE))
    found = c.store.find_posts(**s["find"], limit=PAGE + 1, offset=(page - 1) * PAGE)
    terms = search_terms(s["q"])
    rows = [_row(p, s["names"], s["focus_names"], terms) for p in found[:PAGE]]
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "staff_search.html",
        q=s["q"],
        days=s["days"],
        ranges=RANGES,
        order=s["find"]["order"],
        options=s["options"],
        where=s["find"]["where"],
        originals=s["find"]["originals"],
        rows=rows,
        page=page,
        more=len(found) > PAGE,
        query=query,
        first=(page - 1) * PAGE + 1,
        export_max=EXPORT_MAX,
    )


@bp.get("/search.csv")
@staff_required
def search_csv():
    """The same search as a CSV file (UTF-8 with a BOM: Excel and WPS read it as Chinese),
    the first :data:`EXPORT_MAX` results; crawled text cannot start a formula."""
    c = console()
    s = _criteria(request.args)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for p in c.store.find_posts(**s["find"], limit=EXPORT_MAX):
        m = message(p, s["names"])
        focus = "、".join(s["focus_names"].get(f, f) for f in p.focus)
        cells = (
            fmt_time(m.at),
            m.source,
            m.channel,
            p.title,
            p.url,
            p.category or "",
            focus,
            "" if p.sentiment is None else round(p.sentiment, 3),
            "是" if p.duplicate_of else "",
            p.event_id or "",
            p.text,
        )
        w.writerow([spreadsheet(v) for v in cells])
    name = f"search-{c.now().strftime('%Y%m%d-%H%M')}.csv"
    return Response(
        "\ufeff" + buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def fmt_time(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


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
