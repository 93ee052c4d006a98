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
# Weibo's two-digit year for a post of an earlier year (24-5-13 17:07): only as a whole line
# with its time of day — nowhere else is a two-digit year read
_SHORT_YEAR = re.compile(
    r"(?m)^[ \t\u3000]*(\d{2})-(\d{1,2})-(\d{1,2})[ \t\u3000]+(\d{1,2}):(\d{2})[ \t\u3000]*$"
)


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
    labels such as ``发布日期：``, ISO 8601, RFC 822, epoch seconds/millis, ``20200710``, the
    mangled ``2020710`` and, as a whole line, Weibo's ``24-5-13 17:07``. Impossible dates (month 13, Feb 30, year < 1990, future) give None.
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
        (_SHORT_YEAR, lambda m: _build(tz, "20" + m[1], m[2], m[3], m[4], m[5])),
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
_UPDATED_LABELS = ("更新时间", "更新日期", "更新於", "更新時間")  # only without a publish label
_WEAK_LABELS = ("时间", "日期", "時間", "日期", "时 间", "日 期")
_LABEL_VALUE = r"\s*[:：]?\s*(?:<[^>]*>\s*)*([^<\n]{0,40})"
_STRONG_RE = re.compile("(?:" + "|".join(map(re.escape, _STRONG_LABELS)) + ")" + _LABEL_VALUE)
_UPDATED_RE = re.compile("(?:" + "|".join(_UPDATED_LABELS) + ")" + _LABEL_VALUE)
_DIRECT = re.compile(r"^[\s\[【(（]*\d")  # the date right after the label, not in a sentence
_PROSE = re.compile(r"。|.{121,}")  # a sentence line: its dates are what the text tells of
_SPACE_RE = re.compile(r"\s+")
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
# publish keys in scripts and attributes: JSON-LD "datePublished", page state "pubtime": "…",
# pubtime='…', data-ptime="…" (not "pagepubtime", whose word is longer)
_SCRIPT_KEY = re.compile(
    r"(?<![A-Za-z_])[\"']?(datePublished|pubDate|publishDate|pubdate|pubtime|pubTime|"
    r"publish_time|publishTime|publishtime|ptime|publish_date|publishedAt|published_at|"
    r"firstPublishTime|pub_time)[\"']?\s*[:=]\s*[\"']([^\"'<>]{6,40})[\"']"
)
# relative and year-less byline times, resolved against the crawl time
_RELATIVE = re.compile(
    r"(?P<just>刚刚)|(?P<n>\d{1,2})\s*(?P<unit>分钟|小时|天)前|"
    r"(?P<day>今天|昨天|前天)\s*(?P<h>\d{1,2})[:：](?P<mi>\d{2})"
)
_YEARLESS = re.compile(
    r"(?<![\d\-/.年])(\d{1,2})[-/月](\d{1,2})日?\s+(\d{1,2})[:：](\d{2})(?![\d\-/])"
)
_URL_DAY = re.compile(
    r"(?<!\d)((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])(?!\d)"
)
_TIME_ATTR = re.compile(r"<time\b[^>]*\bdatetime\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
# a time the page shows only relatively ("1周前", "11个月前", "1 月前") in an element whose
# attribute holds it in full: <span title="2024-05-13 18:25:18">1周前</span>, <abbr
# class="timeago" title="2024年04月22日">, data-tooltip="…" (forums, communities, boards)
_SHOWN_RELATIVE = re.compile(
    r"^\s*(?:发布于|发表于|创建于|发布|发表)?\s*(?:刚刚|\d{1,3}\s*(?:秒|分钟|小时|天|周|星期|个月|月|年)前"
    r"|(?:昨天|前天)(?:\s*\d{1,2}[:：]\d{2})?)\s*$"
)
_FULL_DAY = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_ELEMENT_TEXT = re.compile(r"<([a-z][a-z0-9]*)\b([^<>]*)>([^<]{1,24})(?=<)", re.IGNORECASE)
_FULL_TIME_ATTR = re.compile(
    r"\b(?:title|data-tooltip|datetime|data-time|data-original-title)\s*=\s*[\"']([^\"']{6,40})[\"']",
    re.IGNORECASE,
)


def html_to_lines(markup: str) -> list[str]:
    """Visible text of ``markup`` split into lines at block boundaries (cheap, regex based)."""
    text = _DROP_BLOCKS.sub(" ", markup)
    text = _BLOCK_TAGS.sub("\n", text)
    text = htmlmod.unescape(_ANY_TAG.sub(" ", text)).replace("\xa0", " ")
    return [ln for ln in (_LINE_SPACES.sub(" ", x).strip() for x in text.split("\n")) if ln]


_LINE_SPACES = re.compile(r"[ \t\r\f\v\u3000]+")


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


def _labelled(
    text: str, pattern: re.Pattern[str], tz: str, direct: bool = False
) -> datetime | None:
    """The first date given after a label of ``pattern`` in ``text``. ``direct``: the date must
    follow the label at once (``日期：2020-07-10``), not later in a sentence (``报名日期为…``)."""
    for m in pattern.finditer(text):
        if direct and not _DIRECT.match(m.group(1)):
            continue
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


def _has_clock(dt: datetime | None) -> bool:
    """Whether ``dt`` carries a time of day (a bare date parses to midnight)."""
    return dt is not None and (dt.hour, dt.minute, dt.second) != (0, 0, 0)


def _script_datetime(markup: str, tz: str, title: str | None) -> datetime | None:
    """The publish time a script or attribute states under a publish key (JSON-LD
    ``"datePublished"``, page state ``"pubtime"``, ``data-ptime="…"``). Several different
    values (a list of other articles' times) are trusted only through the one whose JSON object
    also holds the headline; otherwise none."""
    head = markup[:300000]
    key = _SPACE_RE.sub("", title or "")
    found: list[datetime] = []
    for m in _SCRIPT_KEY.finditer(head):
        dt = parse_datetime(m.group(2), tz)
        if dt is None:
            continue
        if key:
            left = head.rfind("{", max(0, m.start() - 3000), m.start())
            right = head.find("}", m.end(), m.end() + 3000)
            if left >= 0 and right >= 0 and key in _SPACE_RE.sub("", head[left:right]):
                return dt
        found.append(dt)
    return found[0] if found and all(dt == found[0] for dt in found) else None


def _byline_lines(lines: list[str], title: str | None, limit: int = 12) -> list[str]:
    """The short lines right after the headline (or at the top when it is not found)."""
    key = (title or "").strip()
    at = next((i + 1 for i, ln in enumerate(lines) if key and key in ln), 0)
    return [ln for ln in lines[at : at + limit] if len(ln) <= 80 and "。" not in ln]


def _relative_datetime(lines: list[str], tz: str, now: datetime | None) -> datetime | None:
    """A relative or year-less time on a byline line (``3小时前``, ``昨天 10:05``,
    ``10-08 12:00``), resolved against ``now`` (the crawl time)."""
    now = (now or datetime.now(_zone(tz))).astimezone(_zone(tz))
    for ln in lines:
        m = _RELATIVE.search(ln)
        if m:
            if m.group("just"):
                return now.replace(second=0, microsecond=0)
            if m.group("n"):
                n = int(m.group("n"))
                unit = m.group("unit")
                if unit == "天":
                    day = (now - timedelta(days=n)).date()
                    return datetime(day.year, day.month, day.day, tzinfo=_zone(tz))
                delta = timedelta(minutes=n) if unit.startswith("分") else timedelta(hours=n)
                return (now - delta).replace(second=0, microsecond=0)
            back = {"今天": 0, "昨天": 1, "前天": 2}[m.group("day")]
            day = (now - timedelta(days=back)).date()
            hour, minute = int(m.group("h")), int(m.group("mi"))
            try:
                return datetime(day.year, day.month, day.day, hour, minute, tzinfo=_zone(tz))
            except ValueError:
                continue
        m = _YEARLESS.search(ln)
        if m:
            month, day_, hour, minute = (int(x) for x in m.groups())
            for year in (now.year, now.year - 1):
                try:
                    dt = datetime(year, month, day_, hour, minute, tzinfo=_zone(tz))
                except ValueError:
                    break
                if dt <= now + timedelta(days=1):
                    return dt
    return None


def _relative_shown_in_full(markup: str, tz: str, title: str | None) -> datetime | None:
    """The time of the first element after the headline showing a relative time (``1周前``),
    when its ``title``/``data-tooltip``/``datetime`` attribute gives it in full; none when that
    element gives no full time, or when a full date is shown before it (the post's own time:
    a relative one below it is a reply's or another item's)."""
    body = max(markup.find("<body"), markup.lower().find("</title>"), 0)
    start = body
    key = (title or "").strip()
    if key:
        at = markup.find(key, body)
        start = at if at >= 0 else body
    for m in _ELEMENT_TEXT.finditer(markup, start):
        shown = htmlmod.unescape(m.group(3))
        if _FULL_DAY.search(shown):
            return None  # the post's time is shown in full: a relative one below is a reply's
        if not _SHOWN_RELATIVE.match(shown):
            continue
        for a in _FULL_TIME_ATTR.finditer(m.group(2)):
            dt = parse_datetime(a.group(1), tz)
            if dt is not None:
                return dt
        return None
    return None


def _url_date(url: str, tz: str) -> datetime | None:
    """The day a URL's path names (``/202405/t20240513_123.html``, ``/2024-05-13/``,
    ``/2024/05/13/``): the last resort, to the day only."""
    path = re.sub(r"^[a-z]+://[^/]*", "", url or "", flags=re.IGNORECASE).split("?")[0]
    for m in _URL_DAY.finditer(path):
        dt = _build(tz, m[1], m[2], m[3])
        if dt is not None:
            return dt
    return None


def find_publish_datetime(
    html_or_text: str,
    tz: str = "Asia/Shanghai",
    title: str | None = None,
    url: str = "",
    now: datetime | None = None,
) -> datetime | None:
    """Find the publish time on an article page (HTML or already extracted text).

    Preference: strongly labelled dates (发布日期/发布时间/留言时间 …; 更新时间 only without
    them) → a time shown near the headline on the same day as the structured one → structured
    publish times (``<meta>``, script/attribute keys such as JSON-LD ``datePublished``,
    WeChat's ``var ct``) → weakly labelled (时间/日期, the date right after the label) →
    ``<time datetime>`` → the first plausible date after the title outside sentences, ignoring
    footer lines such as "© 2008-2024 …". A date without a time of day yields to a time of the
    same day from any other of these sources. Then a modification ``<meta>``, a relative or
    year-less byline time against ``now`` (the crawl time), and last the day in ``url``.
    """
    if not html_or_text:
        return _url_date(url, tz)
    is_html = "<" in html_or_text and ">" in html_or_text
    lines = html_to_lines(html_or_text) if is_html else html_or_text.splitlines()
    lines = _before_comments([ln for ln in lines if not _FOOTER_LINE.search(ln)], title)
    text = "\n".join(lines)
    start = 0
    if title:
        pos = text.find(title.strip())
        if pos >= 0:
            start = pos + len(title.strip())
    shown = None
    for labels in (_STRONG_RE, _UPDATED_RE):
        shown = _labelled(text[start:], labels, tz) or _labelled(text, labels, tz)
        if shown is not None:
            break
    if shown is not None and _has_clock(shown):
        return shown
    structured: list[datetime] = []
    if is_html:
        meta = _meta_datetime(html_or_text, tz)[0]
        script = _script_datetime(html_or_text, tz, title)
        ct = _WECHAT_CT.search(html_or_text)
        wechat = parse_datetime(ct.group(1), tz) if ct else None
        structured = [dt for dt in (meta, script, wechat) if dt is not None]
    visible = shown or _labelled(text[start:], _WEAK_RE, tz, direct=True)
    if visible is None and is_html:
        visible = _relative_shown_in_full(html_or_text, tz, title)
    if visible is None and is_html:
        m = _TIME_ATTR.search(html_or_text)
        visible = parse_datetime(m.group(1), tz) if m else None
    if visible is None:  # the first date outside sentences in 3000 characters after the
        for part in (text[start : start + 3000], text[:3000]):  # title, else of the page
            visible = parse_datetime(
                "\n".join(ln for ln in part.split("\n") if not _PROSE.search(ln)), tz
            )
            if visible is not None:
                break
    precise = [dt for dt in structured if _has_clock(dt)]
    if shown is None and visible is not None and _has_clock(visible):
        # what the page shows beats a structured time of the same day (minutes apart)
        if not structured or any(dt.date() == visible.date() for dt in structured):
            return visible
    if shown is None and precise:
        return precise[0]
    best = shown or (structured[0] if structured else None) or visible
    if best is not None:  # a bare date yields to a time of that day from another source
        day = best.date()
        same = [dt for dt in (visible, *structured) if dt and _has_clock(dt) and dt.date() == day]
        return same[0] if same else best
    if is_html:
        modified = _meta_datetime(html_or_text, tz, _MODIFIED_NAMES)[0]
        if modified is not None:
            return modified
    return _relative_datetime(_byline_lines(lines, title), tz, now) or _url_date(url, tz)
