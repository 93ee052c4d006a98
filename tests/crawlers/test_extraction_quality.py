"""Extraction quality on the golden demo pages, fetched over HTTP with automatic extraction.

Bars from DESIGN.md: title exact ≥ 0.95, publish time exact ≥ 0.95, body character F1 ≥ 0.90.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter

from crawlers.extraction import (
    charset_from_content_type,
    decode_html,
    extract_article,
    to_simplified,
)
from yuqing.demo.server import SITES_ROOT


def char_f1(predicted: str, gold: str) -> float:
    """Bag-of-characters F1 between two texts, whitespace ignored."""
    p = Counter(re.sub(r"\s+", "", predicted))
    g = Counter(re.sub(r"\s+", "", gold))
    if not p and not g:
        return 1.0
    overlap = sum((p & g).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def measure(base_url: str) -> dict:
    golden = json.loads((SITES_ROOT / "golden.json").read_text("utf-8"))
    titles = dates = 0
    f1s, misses = [], []
    for rec in golden:
        with urllib.request.urlopen(base_url + rec["path"], timeout=10) as resp:
            raw, ctype = resp.read(), resp.headers.get("Content-Type")
        text, _ = decode_html(raw, charset_from_content_type(ctype))
        got = extract_article(text, base_url + rec["path"])
        title, body = got.title, got.body
        if rec["site"] == "tw":  # golden holds the processed (simplified) form
            title, body = to_simplified(title), to_simplified(body)
        published = got.published_at.isoformat() if got.published_at else None
        titles += title == rec["title"]
        dates += published == rec["published_at"]
        f1 = char_f1(body, rec["body"])
        f1s.append(f1)
        if title != rec["title"] or published != rec["published_at"] or f1 < 0.9:
            misses.append((rec["path"], title, published, round(f1, 3)))
    n = len(golden)
    return {"n": n, "title_exact": titles / n, "published_exact": dates / n,
            "body_f1": sum(f1s) / n, "min_body_f1": min(f1s), "misses": misses}


def test_extraction_quality_on_golden_pages(site_server):
    figures = measure(site_server.url)
    print("\nextraction quality:", json.dumps(
        {k: v for k, v in figures.items() if k != "misses"}, ensure_ascii=False))
    for miss in figures["misses"]:
        print("  miss:", miss)
    assert figures["n"] >= 50
    assert figures["title_exact"] >= 0.95
    assert figures["published_exact"] >= 0.95
    assert figures["body_f1"] >= 0.90
