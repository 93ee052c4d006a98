"""Extraction quality on the golden demo pages, fetched over HTTP with automatic extraction.

Bars from DESIGN.md: title exact ≥ 0.95, publish time exact ≥ 0.95, body character F1 ≥ 0.90.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter

from yuqing.crawlers.extraction import (
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
    return {
        "n": n,
        "title_exact": titles / n,
        "published_exact": dates / n,
        "body_f1": sum(f1s) / n,
        "min_body_f1": min(f1s),
        "misses": misses,
    }


def test_extraction_quality_on_golden_pages(site_server):
    figures = measure(site_server.url)
    print(
        "\nextraction quality:",
        json.dumps({k: v for k, v in figures.items() if k != "misses"}, ensure_ascii=False),
    )
    for miss in figures["misses"]:
        print("  miss:", miss)
    assert figures["n"] >= 50
    assert figures["title_exact"] >= 0.95
    assert figures["published_exact"] >= 0.95
    assert figures["body_f1"] >= 0.90


# --------------------------------------------------------------------- unit behaviour

PAGE = """<html><head><meta charset="utf-8"><title>关于做好防汛工作的通知_示范县人民政府</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/x">新闻动态</a></div>
<div class="position">当前位置：首页 &gt; 新闻动态</div>
<h1>关于做好防汛工作的通知</h1><div class="info">发布日期：2020-07-10 09:50 来源：县应急管理局</div>
<div class="content"><p>各乡镇人民政府，县直各单位：近期我县降雨频繁，防汛形势严峻。</p>
<p>请各单位立即落实防汛责任，加强巡查值守，确保群众生命财产安全。</p>
<p>责任编辑：张三</p></div>
<div class="share">分享到：微信 微博</div>
<div class="footer">版权所有 © 2008-2024 示范县人民政府</div></body></html>"""


def test_automatic_extraction_strips_boilerplate():
    got = extract_article(PAGE, "http://h/a.html")
    assert got.title == "关于做好防汛工作的通知"
    assert got.published_at.isoformat() == "2020-07-10T09:50:00+08:00"
    assert got.body == (
        "各乡镇人民政府，县直各单位：近期我县降雨频繁，防汛形势严峻。\n"
        "请各单位立即落实防汛责任，加强巡查值守，确保群众生命财产安全。"
    )
    assert got.method == "auto"


def test_selectors_override_field_by_field():
    got = extract_article(
        PAGE,
        "http://h/a.html",
        selectors={"title": "div.info", "body": "//div[@class='content']/p[2]", "date": "(//p)[1]"},
    )
    assert got.title.startswith("发布日期")
    assert got.body == "请各单位立即落实防汛责任，加强巡查值守，确保群众生命财产安全。"
    assert got.published_at.isoformat() == "2020-07-10T09:50:00+08:00"  # (//p)[1] has no date
    assert got.method.startswith("selectors")
    fallback = extract_article(
        PAGE, "http://h/a.html", selectors={"title": ".nothing", "body": "##"}
    )
    assert fallback.title == "关于做好防汛工作的通知" and fallback.body


def test_malformed_or_empty_html_never_raises():
    for junk in ["", "   ", "<html", "<<<>>>", "\x00\x01\x02", "<?xml version='1.0'?><a>"]:
        got = extract_article(junk, "http://h/")
        assert got.title == "" and got.body == "" and got.published_at is None


def test_site_suffix_stripping():
    from yuqing.crawlers.extraction import strip_site_suffix

    assert strip_site_suffix("说说交通发展_A7县人民政府") == "说说交通发展"
    assert strip_site_suffix("A7县人民政府_说说交通发展") == "说说交通发展"
    assert strip_site_suffix("关于7-8点噪音的投诉-领导留言板-A市人民政府") == "关于7-8点噪音的投诉"
    assert strip_site_suffix("某通知 - 新闻动态 - 示范县人民政府门户网站") == "某通知"
