"""Article extraction measured on real pages: ours vs bare GNE, trafilatura, htmldate, side by side.

The pages are the ~60 real Chinese article pages in the ``tests/`` folder of the public
GeneralNewsExtractor repository (163, sina, ifeng, thepaper, toutiao, xinhuanet, WeChat 公众号,
government, hospital and university sites). That repository is GPL-3.0: its pages are NOT copied
into this repository. Get them with

    git clone https://github.com/GeneralNewsExtractor/GeneralNewsExtractor
    git -C GeneralNewsExtractor checkout 3d5a67c65f4d6c8e13c3047754a4c18fc0b0754a

and run

    .venv/bin/python bench/eval_extraction.py GeneralNewsExtractor            # a work tree
    .venv/bin/python bench/eval_extraction.py GeneralNewsExtractor/.git       # or a git dir
    .venv/bin/python bench/eval_extraction.py DIR --half dev --pages          # one half, per page

A second set, ``--set cwced``: 37 news and government pages of the MIT-licensed
Chinese-Web-Content-Extraction-Dataset, copied into ``data/extraction_pages/cwced/`` with their
licence, so no download is needed (``bench/eval_extraction.py --set cwced [--half dev] [--pages]``);
gold labels ``data/extraction_gold/cwced_pages.json``.

A third set, ``--set mhtml``: 42 Chinese news and public-institution pages of the Apache-2.0
magic-html benchmark, copied into ``data/extraction_pages/mhtml/`` with their licence, labelled
before any extractor ran on them and kept for generalisation estimates
(``bench/eval_extraction.py --set mhtml [--half dev] [--pages]``); gold labels
``data/extraction_gold/mhtml_pages.json``.

A fourth set, ``--set boards``: 33 Chinese message-board, forum, Q&A, Weibo and blog pages (the
Chinese pages of magic-html's Apache-2.0 forum benchmark and the MIT CWCED board and blog pages
the second set left out), copied into ``data/extraction_pages/boards/`` with both licences and
labelled before any extractor ran on them (``bench/eval_extraction.py --set boards``); gold labels
``data/extraction_gold/boards_pages.json``: the body is the opening post, not the replies.

The gold labels (title, publish time, the article body) are ours, written by reading each page:
``data/extraction_gold/gne_pages.json``, rules and provenance in ``data/extraction_gold/README.md``.
The body is stored as anchors (the opening of its first paragraph, the end of its last one,
paragraphs inside to leave out, and its length), resolved here against the page's visible
text (``page_paragraphs``), so no article text is stored either.

Scores per page and overall: title exact (whitespace normalised), publish time exact to the
minute (a page without one expects none), body character F1 (bags of characters, whitespace
ignored). "ours" is ``extract_article`` after ``decode_html``, exactly as the html spider calls
it (no selectors); "gne" is ``GeneralNewsExtractor().extract``; "trafilatura" is
``trafilatura.bare_extraction`` with metadata; "htmldate" is the date finder trafilatura bundles
(``htmldate.find_date``, extensive search, original date), scored on the publish time only. The pages are split once by a fixed rule: sorted
by path, even positions are the development half, odd positions the held-out half.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree, html

from yuqing.crawlers.extraction import decode_html, extract_article, parse_datetime

_ROOT = Path(__file__).resolve().parent.parent
GOLD = _ROOT / "data" / "extraction_gold" / "gne_pages.json"
SETS = {
    "gne": GOLD,  # pages: a GeneralNewsExtractor work tree or git dir given on the command line
    "cwced": _ROOT / "data" / "extraction_gold" / "cwced_pages.json",  # pages in the repo
    "mhtml": _ROOT / "data" / "extraction_gold" / "mhtml_pages.json",  # pages in the repo
    "boards": _ROOT / "data" / "extraction_gold" / "boards_pages.json",  # pages in the repo
}
TZ = "Asia/Shanghai"

# ----------------------------------------------------------------- the page's visible text

_BLOCKS = {
    "p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "section", "dd", "dt", "tr", "table", "ul", "ol", "article", "br", "header", "footer",
    "title", "figcaption", "figure", "img",
}  # fmt: skip
_SPACE = re.compile(r"[ \t\r\n\f\v\u3000\xa0]+")
_WORDY = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")


def page_paragraphs(markup: str) -> list[str]:
    """The page's visible text as paragraphs split at block elements (scripts and styles
    dropped, nothing else): the neutral reading the gold anchors refer to."""
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup)
    markup = re.sub(r"</(?:html|body)\s*>", "", markup, flags=re.IGNORECASE)  # SSI headers
    doc = html.document_fromstring(markup)
    for el in list(doc.iter("script", "style", "noscript", "template")):
        el.drop_tree()
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = _SPACE.sub(" ", "".join(buf)).strip()
        if text:
            out.append(text)
        buf.clear()

    def walk(el: etree._Element) -> None:
        block = isinstance(el.tag, str) and el.tag in _BLOCKS
        if block:
            flush()
        if isinstance(el.tag, str) and el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    walk(doc)
    flush()
    return out


def gold_body(paras: list[str], rec: dict) -> str:
    """The gold body of ``rec`` on the page: its first to last paragraph, minus the skipped
    ones and paragraphs without a letter, digit or Chinese character (lost emoji, rules)."""
    first = next(i for i, p in enumerate(paras) if p.startswith(rec["body_first"]))
    ends = [i for i in range(first, len(paras)) if paras[i].endswith(rec["body_last"])]
    last = ends[rec.get("body_last_occurrence", 1) - 1]
    skip = rec.get("body_skip", [])
    kept = [
        p
        for p in paras[first : last + 1]
        if _WORDY.search(p) and not any(p.startswith(s) for s in skip)
    ]
    return "\n".join(kept)


# ----------------------------------------------------------------------------- scoring


def char_f1(predicted: str, gold: str) -> float:
    """Bag-of-characters F1 between two texts, whitespace ignored."""
    p, g = Counter(_SPACE.sub("", predicted or "")), Counter(_SPACE.sub("", gold or ""))
    common = sum((p & g).values())
    if not common:
        return 1.0 if not p and not g else 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def minute(dt: datetime | None) -> str | None:
    return dt.astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%d %H:%M") if dt else None


def norm_title(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()


# ---------------------------------------------------------------------------- extractors


def ours(raw: bytes) -> tuple[str, str | None, str]:
    text, _ = decode_html(raw, None, None)
    got = extract_article(text, "")
    return got.title, minute(got.published_at), got.body


def bare_gne(raw: bytes) -> tuple[str, str | None, str]:
    from gne import GeneralNewsExtractor

    text, _ = decode_html(raw, None, None)
    try:
        got = GeneralNewsExtractor().extract(text)
    except Exception:  # GNE raises on some markup; that page scores zero for it
        return "", None, ""
    when = parse_datetime(got.get("publish_time") or "", TZ)
    return got.get("title") or "", minute(when), got.get("content") or ""


def bare_trafilatura(raw: bytes) -> tuple[str, str | None, str]:
    import trafilatura

    text, _ = decode_html(raw, None, None)
    found = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        date_extraction_params={"outputformat": "%Y-%m-%d %H:%M:%S", "original_date": True},
    )
    if not found:
        return "", None, ""
    doc = found if isinstance(found, dict) else found.as_dict()
    when = parse_datetime(doc.get("date") or "", TZ)
    return doc.get("title") or "", minute(when), doc.get("text") or ""


def bare_htmldate(raw: bytes) -> tuple[str, str | None, str]:
    """htmldate (trafilatura's date finder) alone: a publish time only, no title or body."""
    from htmldate import find_date

    text, _ = decode_html(raw, None, None)
    try:
        found = find_date(
            text, extensive_search=True, original_date=True, outputformat="%Y-%m-%d %H:%M:%S"
        )
    except Exception:  # htmldate raises on some markup; that page scores zero for it
        return "", None, ""
    return "", minute(parse_datetime(found or "", TZ)), ""


EXTRACTORS: dict[str, Callable[[bytes], tuple[str, str | None, str]]] = {
    "ours": ours,
    "gne": bare_gne,
    "trafilatura": bare_trafilatura,
    "htmldate": bare_htmldate,  # publish time only
}
TIME_ONLY = {"htmldate"}

# --------------------------------------------------------------------------------- pages


def read_pages(source: Path, commit: str) -> dict[str, bytes]:
    """``tests/<site>/<n>.html`` → bytes, from a work tree or a (bare) git directory."""
    if (source / "objects").is_dir() and (source / "HEAD").is_file():
        git = ["git", "--git-dir", str(source)]
        names = subprocess.run(
            [*git, "ls-tree", "-r", "--name-only", commit, "tests/"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        return {
            n: subprocess.run(
                [*git, "show", f"{commit}:{n}"], check=True, capture_output=True
            ).stdout
            for n in names
            if n.endswith(".html")
        }
    root = source if (source / "tests").is_dir() else source.parent
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "tests").rglob("*.html"))
    }


def half_of(path: str, gold: dict) -> str:
    order = sorted(gold["pages"])
    return "dev" if order.index(path) % 2 == 0 else "held"


def evaluate(pages: dict[str, bytes], gold: dict, half: str, show_pages: bool) -> dict:
    rows: dict[str, list[tuple[str, bool, bool, float]]] = {k: [] for k in EXTRACTORS}
    for path in sorted(gold["pages"]):
        if half != "all" and half_of(path, gold) != half:
            continue
        rec = gold["pages"][path]
        if path not in pages:
            print(f"error: {path} is not among the pages given", file=sys.stderr)
            continue
        raw = pages[path]
        want_body = gold_body(page_paragraphs(decode_html(raw, None, None)[0]), rec)
        chars = len(_SPACE.sub("", want_body))
        if chars != rec["body_chars"]:
            print(
                f"warning: {path}: gold body resolves to {chars} characters, "
                f"{rec['body_chars']} labelled (another copy of the page?)",
                file=sys.stderr,
            )
        cells = []
        for name, fn in EXTRACTORS.items():
            title, when, body = fn(raw)
            t_ok = norm_title(title) == norm_title(rec["title"])
            d_ok = when == rec["published_at"]
            f1 = char_f1(body, want_body)
            rows[name].append((path, t_ok, d_ok, f1))
            cells.append(f"{'T' if t_ok else '-'}{'D' if d_ok else '-'} {f1:4.2f}")
        if show_pages:
            print(f"{path:34s} {half_of(path, gold):4s}  " + "   ".join(cells))
    summary = {}
    for name, got in rows.items():
        n = len(got) or 1
        summary[name] = {
            "pages": len(got),
            "title_exact": sum(r[1] for r in got) / n,
            "time_exact": sum(r[2] for r in got) / n,
            "body_f1": sum(r[3] for r in got) / n,
            "body_f1_min": min((r[3] for r in got), default=0.0),
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "source",
        type=Path,
        nargs="?",
        help="the GeneralNewsExtractor work tree or git dir (--set gne); not needed otherwise",
    )
    ap.add_argument("--set", dest="page_set", choices=sorted(SETS), default="gne")
    ap.add_argument("--half", choices=("dev", "held", "all"), default="all")
    ap.add_argument("--pages", action="store_true", help="one line per page (T title, D time)")
    ap.add_argument("--json", action="store_true", help="the summary as JSON")
    args = ap.parse_args(argv)
    gold = json.loads(SETS[args.page_set].read_text(encoding="utf-8"))
    if args.page_set == "gne":
        if args.source is None:
            ap.error("--set gne needs the GeneralNewsExtractor work tree or git dir")
        pages = read_pages(args.source, gold["source"]["commit"])
    else:
        root = _ROOT / gold["source"]["pages"]
        pages = {path: (root / path).read_bytes() for path in gold["pages"]}
    if args.pages:
        print(f"{'page':34s} half  " + "   ".join(f"{n:9s}" for n in EXTRACTORS))
    summary = evaluate(pages, gold, args.half, args.pages)
    if args.json:
        print(json.dumps(summary, indent=1))
        return 0
    print(f"\n{args.page_set} set, {args.half} half: title exact / time exact / body char F1 (min)")
    for name, s in summary.items():
        if name in TIME_ONLY:
            print(f"  {name:12s} {s['pages']:3d} pages       -  {s['time_exact']:6.1%}      -")
            continue
        print(
            f"  {name:12s} {s['pages']:3d} pages  {s['title_exact']:6.1%}  {s['time_exact']:6.1%}"
            f"  {s['body_f1']:.3f} ({s['body_f1_min']:.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
