"""Text normalization before any analysis.

Full-width → half-width (NFKC), whitespace clean-up, Traditional → Simplified (OpenCC
``t2s``) and removal of page boilerplate: breadcrumbs (当前位置), copyright footers, share bars,
print/close links, font-size switches, view counters. Normalization never invents text; it
only removes or converts it, so the result is safe to segment and to fingerprint.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize", "strip_boilerplate", "to_simplified"]

# Whole lines that are page furniture, not content (matched on a stripped line).
_BOILERPLATE_LINE = re.compile(
    r"^(?:"
    r"(?:当前位置|您现在的位置|你的位置|您的位置|现在位置|所在位置)\s*[:：]?.*"
    r"|.{0,40}(?:版权所有|版权归|copyright|\(c\)|©|all rights reserved).*"
    r"|.{0,40}(?:ICP备|ICP证|公网安备|网站标识码|主办单位|承办单位|技术支持|网站地图|联系我们).*"
    r"|.{0,20}(?:分享到|分享至|转发到|扫一扫|扫码|在手机上打开|用微信扫描).*"
    r"|.{0,30}(?:打印本页|打印此页|关闭窗口|关闭本页|返回顶部|收藏本页|【?\s*打印\s*】?|【?\s*关闭\s*】?)\s*"
    r"|.{0,30}(?:字体|字号)\s*[:：]?\s*[【\[]?\s*大\s*中\s*小.*"
    r"|.{0,30}(?:浏览次数|阅读次数|点击数|访问量|浏览量)\s*[:：]\s*\d*.*"
    r"|(?:上一篇|下一篇|相关链接|相关阅读|责任编辑|编辑|校对|审核|来源|文章来源|信息来源|发布时间|发布日期)\s*[:：].{0,40}"
    r"|(?:微信|微博|QQ空间|QQ|腾讯微博|人人网|豆瓣)(?:[\s|｜/、,，]+(?:微信|微博|QQ空间|QQ|腾讯微博|人人网|豆瓣|好友))*"
    r")$",
    re.IGNORECASE,
)
# Inline tails that sometimes share a line with content.
_BOILERPLATE_INLINE = re.compile(
    r"(?:【\s*(?:打印|关闭|字体|收藏)[^】]{0,10}】|分享到[:：]\s*(?:微信|微博|QQ空间|QQ)?)"
)
# A line with sentence punctuation is content unless it *starts* with a furniture cue.
_SENTENCE = re.compile(r"[,，。?？!！;；]")
_ANCHORED = re.compile(
    r"^(?:当前位置|您现在的位置|你的位置|您的位置|版权所有|copyright|©|分享到|"
    r"上一篇|下一篇|责任编辑|来源|浏览次数)",
    re.IGNORECASE,
)
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{2,}")
_MAX_BOILERPLATE_LINE = 120


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


#: code point ranges whose compatibility forms are common in crawled Chinese text: Latin-1,
#: general punctuation, letter-like symbols, enclosed numbers, CJK symbols and kana, enclosed
#: CJK and squared units, CJK compatibility forms, half- and full-width forms
_COMPAT_RANGES = (
    (0x00A0, 0x00FF),
    (0x2000, 0x206F),
    (0x2100, 0x218F),
    (0x2460, 0x24FF),
    (0x3000, 0x30FF),
    (0x3200, 0x33FF),
    (0xFE30, 0xFE6F),
    (0xFF00, 0xFFEF),
)


@lru_cache(maxsize=1)
def _nfkd_table() -> dict[int, str]:
    """Characters of :data:`_COMPAT_RANGES` mapped to their NFKD when that is NFKC already
    (full-width forms to ASCII, the ideographic space to a space, ① to 1, …)."""
    table = {}
    for lo, hi in _COMPAT_RANGES:
        for cp in range(lo, hi + 1):
            d = unicodedata.normalize("NFKD", chr(cp))
            if d != chr(cp) and unicodedata.is_normalized("NFKC", d):
                table[cp] = d
    return table


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster for text with full-width forms.

    NFKC(s) is the composition of NFKD(s), and NFKD decomposes character by character before
    one canonical reordering, so replacing any character by its NFKD never changes NFKC(s).
    After the table's replacements most texts pass unicodedata's quick check, which returns
    them without the full algorithm (with full-width punctuation: ≈ 60 % of the time)."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text.translate(_nfkd_table()))


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s; a no-op for Simplified text)."""
    if not text or text.isascii():
        return text
    return _t2s().convert(text)


def strip_boilerplate(text: str) -> str:
    """Drop breadcrumb, copyright, share-bar and print/close lines; keep the content."""
    kept = []
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            continue
        if (
            len(s) <= _MAX_BOILERPLATE_LINE
            and _BOILERPLATE_LINE.match(s)
            and (not _SENTENCE.search(s) or _ANCHORED.match(s))
        ):
            continue
        s = _BOILERPLATE_INLINE.sub("", s).strip()
        if s:
            kept.append(s)
    return "\n".join(kept)


def normalize(text: str | None, *, simplify: bool = True, boilerplate: bool = True) -> str:
    """The analysis form of a text: NFKC, clean whitespace, Simplified, no page furniture."""
    if not text:
        return ""
    text = nfkc(text)
    text = _ZERO_WIDTH.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    if simplify:
        text = to_simplified(text)
    if boilerplate:
        text = strip_boilerplate(text)
    else:
        text = _BLANK_LINES.sub("\n", text).strip()
    return text
