"""Publish-time parsing for the date formats Chinese government sites print."""

from __future__ import annotations

import html as htmlmod
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

MIN_YEAR = 1990
_TIME = r"(?:(?:[ T\u3000]*|-)(\d{1,2})[:：时時](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?)?)?"
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_NUMERIC = re.compile(r"(?<!\d)(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d)" + _TIME)
_CHINESE = re.compile(
    r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?"
    + r"(?:\s*(\d{1,2})[:：时時点點](\d{1,2})(?:[:：分](\d{1,2}))?)?"
)
_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?!\d)")
_MANGLED = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{3})(?!\d)")  # 2020710
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[A-Za-z]{1,5}|[+-]\d{4})?"
)
_EPOCH = re.compile(r"^\s*(\d{10}|\d{13})(?:\.\d+)?\s*$")


def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _plausible(dt: datetime, tz: str) -> bool:
    latest = datetime.now(_zone(tz)) + timedelta(days=2)
    return MIN_YEAR <= dt.year and dt.astimezone(_zone(tz)) <= latest


def _build(
    tz: str,
    y: str,
    mo: str,
    d: str,
    h: str | None = None,
    mi: str | None = None,
    s: str | None = None,
) -> datetime | None:
    try:
        dt = datetime(
            int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=_zone(tz)
        )
    except ValueError:
        return None
    return dt if _plausible(dt, tz) else None


def _first(matches, tz: str, build) -> tuple[int, datetime] | None:
    for m in matches:
        dt = build(m)
        if dt is not None:
            return m.start(), dt
    return None


def parse_datetime(text: str | None, tz: str = "Asia/Shanghai") -> datetime | None:
    """Parse the first date/time in ``text`` into an aware datetime (in ``tz``), or None.

    Handles ``2021-08-20 22:57[:13]``, ``2021/8/20 8:48:17``, ``2020年7月10日 [09:50]``,
    labels such as ``发布日期：``, ISO 8601, RFC 822, epoch seconds/millis, ``20200710`` and the
    mangled ``2020710``. Impossible dates (month 13, Feb 30, year < 1990, future) give None.
    """
    if not text:
        return None
    text = str(text).strip()
    if not text:
        return None
    zone = _zone(tz)
    m = _EPOCH.match(text)
    if m:
        value = int(m.group(1))
        if len(m.group(1)) == 13:
            value //= 1000
        dt = datetime.fromtimestamp(value, zone)
        return dt if _plausible(dt, tz) else None
    found: list[tuple[int, datetime]] = []

    def iso(m: re.Match) -> datetime | None:
        try:
            dt = datetime.fromisoformat(m.group(0).replace("Z", "+00:00").replace(" ", ""))
        except ValueError:
            return None
        dt = dt.replace(tzinfo=zone) if dt.tzinfo is None else dt.astimezone(zone)
        return dt if _plausible(dt, tz) else None

    def rfc(m: re.Match) -> datetime | None:
        try:
            dt = parsedate_to_datetime(m.group(0))
        except (TypeError, ValueError, IndexError):
            return None
        dt = dt.replace(tzinfo=zone) if dt.tzinfo is None else dt.astimezone(zone)
        return dt if _plausible(dt, tz) else None

    for pattern, build in (
        (_ISO, iso),
        (_RFC822, rfc),
        (_NUMERIC, lambda m: _build(tz, m[1], m[3], m[4], m[5], m[6], m[7])),
        (_CHINESE, lambda m: _build(tz, *m.groups())),
        (_COMPACT, lambda m: _build(tz, *m.groups())),
    ):
        hit = _first(pattern.finditer(text), tz, build)
        if hit:
            found.append(hit)
    if found:
        return min(found, key=lambda h: h[0])[1]
    for m in _MANGLED.finditer(text):
        y, rest = m.group(1), m.group(2)
        mangled = _build(tz, y, rest[0], rest[1:]) or _build(tz, y, rest[:2], rest[2])
        if mangled is not None:
            return mangled
    return None


# --------------------------------------------------------------------------- on a page

_STRONG_LABELS = (
    "发布日期",
    "发布时间",
    "发表时间",
    "发表日期",
    "发文日期",
    "成文日期",
    "留言时间",
    "留言日期",
    "提问时间",
    "来信时间",
    "发稿时间",
    "更新时间",
    "发布于",
    "發佈日期",
    "發佈時間",
    "發布日期",
    "發布時間",
    "發表時間",
    "留言時間",
    "公开日期",
    "公開日期",
)
_WEAK_LABELS = ("时间", "日期", "時間", "日期", "时 间", "日 期")
_LABEL_VALUE = r"\s*[:：]?\s*(?:<[^>]*>\s*)*([^<\n]{0,40})"
_STRONG_RE = re.compile("(?:" + "|".join(map(re.escape, _STRONG_LABELS)) + ")" + _LABEL_VALUE)
_WEAK_RE = re.compile(
    r"(?<![回答办复修改更截])(?:" + "|".join(map(re.escape, _WEAK_LABELS)) + ")" + _LABEL_VALUE
)
_META_NAMES = (
    "pubdate",
    "publishdate",
    "publish_date",
    "publishtime",
    "pubtime",
    "firstpublishedtime",
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "dc.date",
    "dc.date.issued",
    "dcterms.issued",
    "weibo:article:create_at",
    "datepublished",
    "date",
)
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:.-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_DROP_BLOCKS = re.compile(
    r"<(script|style|noscript|template|title)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_BLOCK_TAGS = re.compile(
    r"</?(?:p|div|br|li|tr|td|th|h[1-6]|table|ul|ol|section|article|header|footer|span|time|dd|dt)\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<[^>]+>")
_FOOTER_LINE = re.compile(
    r"©|&copy;|copyright|版权所有|版權所有|ICP|备案|主办|技术支持|网站标识码|许可证|公网安备",
    re.IGNORECASE,
)
# WeChat 公众号 articles (where many government accounts publish) show "昨天" or nothing and
# carry the publish time only as epoch seconds in a script: var ct = "1581517074";
# the heading of a comment list under the article: labelled times after it are comments' times
# ("相关评论：… 发表时间：2004-12-11 9:51:00"), not the article's
_COMMENTS_HEAD = re.compile(
    r"^\s*[【\[]?\s*(相关评论|网友评论|最新评论|热门评论|全部评论|网友跟贴|网友跟帖|评论列表|"
    r"读者评论|用户评论)\s*[】\]]?\s*[:：]?\s*[(（]?\s*\d*\s*[)）]?\s*$"
)
_WECHAT_CT = re.compile(r"""\bvar\s+ct\s*=\s*["'](\d{10})["']""")
# modification times: only when the page gives no publish time at all (Baidu's 百家号 shows a
# year-less "发布时间：09-30 22:46" and carries the full time only as itemprop="dateUpdate")
_MODIFIED_NAMES = ("dateupdate", "datemodified", "article:modified_time", "lastmodifiedtime")
_TIME_ATTR = re.compile(r"<time\b[^>]*\bdatetime\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def html_to_lines(markup: str) -> list[str]:
    """Visible text of ``markup`` split into lines at block boundaries (cheap, regex based)."""
    text = _DROP_BLOCKS.sub(" ", markup)
    text = _BLOCK_TAGS.sub("\n", text)
    text = htmlmod.unescape(_ANY_TAG.sub(" ", text)).replace("\xa0", " ")
    return [
        ln for ln in (re.sub(r"[ \t\r\f\v\u3000]+", " ", x).strip() for x in text.split("\n")) if ln
    ]


_CLOCK = re.compile(r"\d{1,2}\s*[:：时時点點]\s*\d{1,2}|T\d{2}")


def _meta_datetime(
    markup: str, tz: str, names: tuple[str, ...] = _META_NAMES
) -> tuple[datetime | None, bool]:
    """The publish time of the page's ``<meta>`` tags, and whether it carries a clock time."""
    for tag in _META_TAG.findall(markup[:60000]):
        attrs = {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(tag)}
        key = (attrs.get("name") or attrs.get("property") or attrs.get("itemprop") or "").lower()
        if key in names and attrs.get("content"):
            dt = parse_datetime(attrs["content"], tz)
            if dt is not None:
                return dt, bool(_CLOCK.search(attrs["content"])) or _EPOCH.match(
                    attrs["content"]
                ) is not None
    return None, False


def _labelled(text: str, pattern: re.Pattern[str], tz: str) -> datetime | None:
    for m in pattern.finditer(text):
        dt = parse_datetime(m.group(1), tz)
        if dt is not None:
            return dt
    return None


def _before_comments(lines: list[str], title: str | None) -> list[str]:
    """``lines`` up to a comment list's heading that follows the headline (all of them when
    the headline is not found before such a heading)."""
    key = (title or "").strip()
    seen_title = False
    for i, ln in enumerate(lines):
        if key and key in ln:
            seen_title = True
        elif seen_title and _COMMENTS_HEAD.match(ln):
            return lines[:i]
    return lines


def find_publish_datetime(
    html_or_text: str, tz: str = "Asia/Shanghai", title: str | None = None
) -> datetime | None:
    """Find the publish time on an article page (HTML or already extracted text).

    Preference: strongly labelled dates (发布日期/发布时间/留言时间 …) → ``<meta>`` publish
    tags → weakly labelled (时间/日期) → ``<time datetime>`` → the first plausible date after
    the title (or in the page), ignoring footer lines such as "© 2008-2024 …". A ``<meta>``
    that gives only the day yields to a visible time on that same day (to the minute).
    """
    if not html_or_text:
        return None
    is_html = "<" in html_or_text and ">" in html_or_text
    lines = html_to_lines(html_or_text) if is_html else html_or_text.splitlines()
    lines = _before_comments([ln for ln in lines if not _FOOTER_LINE.search(ln)], title)
    text = "\n".join(lines)
    start = 0
    if title:
        pos = text.find(title.strip())
        if pos >= 0:
            start = pos + len(title.strip())
    dt = _labelled(text[start:], _STRONG_RE, tz) or _labelled(text, _STRONG_RE, tz)
    if dt is not None:
        return dt
    meta, precise = _meta_datetime(html_or_text, tz) if is_html else (None, False)
    if meta is None and is_html:
        ct = _WECHAT_CT.search(html_or_text)
        meta, precise = (parse_datetime(ct.group(1), tz), True) if ct else (None, False)
    if meta is not None and precise:
        return meta
    visible = _labelled(text[start:], _WEAK_RE, tz)
    if visible is None and is_html:
        m = _TIME_ATTR.search(html_or_text)
        visible = parse_datetime(m.group(1), tz) if m else None
    if visible is None:
        visible = parse_datetime(text[start : start + 3000], tz) or parse_datetime(text[:3000], tz)
    if meta is None:
        if visible is None and is_html:
            return _meta_datetime(html_or_text, tz, _MODIFIED_NAMES)[0]
        return visible
    # a date-only <meta> and a visible time on the same day: the visible one is more precise
    if visible is not None and visible.date() == meta.date() and visible.time() != meta.time():
        return visible
    return meta
