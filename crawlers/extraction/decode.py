"""Turn response bytes into text: override → header charset → <meta> → detection → utf-8."""

from __future__ import annotations

import codecs
import re

META_SCAN_BYTES = 4096
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.IGNORECASE
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)["']""")

# Labels that must be read with a superset codec (GB2312/GBK pages routinely contain GBK or
# GB18030 characters; Big5 pages routinely contain HKSCS/cp950 extensions).
_SUPERSET = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cp950": "big5hkscs",
    "x-big5": "big5hkscs",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "utf8": "utf-8",
}


def normalize_encoding(label: str | None) -> str | None:
    """Map a charset label to a Python codec name (supersets for GB/Big5), or None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _SUPERSET:
        return _SUPERSET[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _SUPERSET.get(name, name)


def meta_charset(body: bytes) -> str | None:
    """The charset declared by a ``<meta>`` tag or XML declaration in the first 4 KB."""
    head = body[:META_SCAN_BYTES]
    m = _XML_DECL.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def detect_encoding(body: bytes) -> str:
    """Guess the encoding of undeclared bytes, preferring the usual CJK web encodings."""
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for enc in ("gb18030", "big5hkscs"):
        try:
            text = body.decode(enc)
        except UnicodeDecodeError:
            continue
        candidates.append((enc, text))
    if len(candidates) == 1:
        return candidates[0][0]
    if candidates:
        return max(candidates, key=lambda c: _cjk_plausibility(c[1]))[0]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
    except Exception:  # detection is best effort
        best = None
    if best is not None:
        return normalize_encoding(best.encoding) or "utf-8"
    return "utf-8"


# The 500 most frequent Chinese characters, in their simplified and traditional forms: a text
# decoded with the wrong CJK codec is mostly rare characters.
_COMMON = set(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年"
    "过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她"
    "本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问"
    "很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次"
    "度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何"
    "电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展"
    "马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规"
    "万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办"
    "议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城"
    "石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查"
    "轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推"
    "势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效"
    "续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细"
    "愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试"
    "股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模"
    "充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协"
    "這個們來為國說時會對過發後裡還進從動現當沒樣問經於與實點們開關長間學體變應見氣題產種麼頭面認"
)


def _cjk_plausibility(text: str) -> float:
    """Share of frequent characters (after t2s, so Traditional text scores like Simplified)."""
    from yuqing.crawlers.extraction.chinese import to_simplified

    cjk = "".join(c for c in text[:20000] if "\u4e00" <= c <= "\u9fff")
    if not cjk:
        return 0.0
    return sum(c in _COMMON for c in to_simplified(cjk)) / len(cjk)


#: single-byte Western codecs: a server's default label (Tomcat's ISO-8859-1), never the
#: encoding of a Chinese page, yet they decode GBK bytes without an error (as mojibake)
_WESTERN = {"cp1252", "iso8859-1"}
#: the two CJK codecs that decode each other's bytes without an error: a Big5 page declared
#: GB2312 (a conversion button that kept the original page's <meta>) reads as rare characters
_OTHER_CJK = {"gb18030": "big5hkscs", "big5hkscs": "gb18030"}


def decode_html(
    body: bytes, header_charset: str | None = None, override: str | None = None
) -> tuple[str, str]:
    """Decode ``body``; return ``(text, encoding_used)``. Never raises on bad bytes.

    Order: configured ``override`` → HTTP header charset → ``<meta>`` charset → detection →
    utf-8 with replacement. GB2312/GBK are read as GB18030, Big5 as Big5-HKSCS. A declared
    label that decodes without an error can still be wrong: a Western single-byte label on
    non-ASCII bytes is used only when nothing else reads them as Chinese, and a declared GB
    or Big5 label gives way to the other when that reads as far more plausible Chinese. A
    declared label that fails on a few broken bytes (old portals' truncated characters) is
    still used, the broken bytes replaced, when it reads as Chinese and detection finds no
    codec that reads every byte as likelier Chinese (:func:`_damaged`).
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    western = None  # a Western label declared for non-ASCII bytes: the last resort
    damaged = None  # the first declared label that failed on some bytes
    for label in (override, header_charset, meta_charset(body)):
        enc = normalize_encoding(label)
        if enc is None:
            continue
        declared = label is not override
        if declared and enc in _WESTERN and not body.isascii():
            western = western or enc
            continue
        try:
            text = body.decode(enc)
        except UnicodeDecodeError:
            if not declared:  # the operator said so: trust it, replace bad bytes
                return body.decode(enc, "replace"), enc
            # a wrong declaration is common; fall through to the next source
            damaged = damaged or enc
            continue
        if declared and enc in _OTHER_CJK:
            return _likelier_cjk(body, text, enc)
        return text, enc
    enc = detect_encoding(body)
    text = body.decode(enc, "replace")
    if damaged:  # kept unless detection reads every byte, and as likelier Chinese
        kept = _damaged(body, damaged)
        if kept is not None and (
            "\ufffd" in text or _cjk_plausibility(text) < _cjk_plausibility(kept)
        ):
            return kept, damaged
    if western and enc != "utf-8" and _cjk_plausibility(text) < 0.3:
        try:
            return body.decode(western), western
        except UnicodeDecodeError:
            pass
    return text, enc


#: at most this share of a page's characters replaced for a declared label to be kept
_MAX_BROKEN = 0.002


def _damaged(body: bytes, enc: str) -> str | None:
    """``body`` read with the declared ``enc``, its broken bytes replaced, if they are few
    (``_MAX_BROKEN`` of the characters, at least 8 allowed) and the result reads as Chinese
    (:func:`_cjk_plausibility`); else None."""
    text = body.decode(enc, "replace")
    broken = text.count("\ufffd")
    if broken > max(8, len(text) * _MAX_BROKEN) or _cjk_plausibility(text) < 0.3:
        return None
    return text


def _likelier_cjk(body: bytes, text: str, enc: str) -> tuple[str, str]:
    """``(text, enc)``, or the other CJK codec's reading when that one decodes without an
    error and is far more plausible Chinese (a declared GB2312 page that is really Big5)."""
    other = _OTHER_CJK[enc]
    try:
        other_text = body.decode(other)
    except UnicodeDecodeError:
        return text, enc
    if _cjk_plausibility(other_text) > _cjk_plausibility(text) + 0.3:
        return other_text, other
    return text, enc


def charset_from_content_type(value: str | bytes | None) -> str | None:
    """The ``charset=`` parameter of a Content-Type header value, if any."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    m = re.search(r"charset\s*=\s*[\"']?([^\s;\"']+)", value, re.IGNORECASE)
    return m.group(1) if m else None
