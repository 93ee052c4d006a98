"""Article extraction: title, body, publish time (automatic, or by configured selectors)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree, html

from yuqing.crawlers.extraction._html import cjk_count, classes, norm_ws, parse, text_of
from yuqing.crawlers.extraction.dates import find_publish_datetime, parse_datetime

log = logging.getLogger(__name__)


@dataclass
class Extracted:
    title: str
    body: str
    published_at: datetime | None
    author: str | None = None
    method: str = "auto"  # auto | gne | trafilatura | selectors[+…] | bounded | failed

    @property
    def bounded(self) -> bool:
        """The page was too large a tree to extract within bounds (``extract_timeout``)."""
        return self.method == "bounded"


# Extraction stays linear in the page: a tree larger than MAX_NODES elements (a hostile page
# of 100,000 sibling <span>s, not an article) is not extracted at all; GNE, whose text-density
# pass is quadratic, is asked only about trees up to MAX_GNE_NODES.
MAX_NODES = 20_000
MAX_GNE_NODES = 5_000


# ------------------------------------------------------------------------ boilerplate rules

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "select",
    "button",
    "input",
    "textarea",
    "svg",
    "object",
    "template",
)
_BOILER_CLASS = re.compile(
    r"(?:^|[\s-])(nav|navbar|menu|topbar|footer|foot|ft|copyright|crumbs?|breadcrumbs?|position|"
    r"location|share|bdshare|tools?|print|related|relate|xgxx|sidebar|side|hot|comment|comments|"
    r"pager|pagination|prevnext|prev|next|banner|ad|ads|advert|search|login|byline|"
    r"info|property|meta|repost-note|source|keywords?|tags?|qrcode|ewm|reply-box)(?:$|[\s-])"
)
_BOILER_LINE = re.compile(
    r"^\s*[【\[(（▲]?\s*(】|\]|当前位置|您现在的位置|您的位置|當前位置|位置[:：]|分享到|分享至|打印本页|"
    r"打印|关闭窗口|关闭|關閉|责任编辑|责编[:：|｜]|責編[:：]|編輯[:：]|编辑[:：]|来源[:：|｜]|來源[:：]|"
    r"信息来源|版权所有|版權所有|"
    r"copyright|上一篇|下一篇|本文转载自|转载自|原文链接|字号|【字体|扫一扫|浏览次数|阅读次数|"
    r"访问量|点击数|发布日期|发布时间|發佈日期|發佈時間|"
    # news-site lines around the text: the original headline, photo credits, video notices,
    # source notes, links to topics and earlier reports, disclaimers, bylines in brackets
    r"本文原标题|原标题|原題|原题为|原題為|图片来源|图片来自|圖片來源|图源[:：]|图/|圖/|资料来源|"
    r"您的浏览器暂时无法播放|您的浏览器不支持|点击进入专题|此前报道[:：]|相关资讯|相关阅读[:：]|"
    r"本文来自|本文来源|免责声明|特别声明|文/|文／)",
    re.IGNORECASE,
)
# a short signature line: "新京报记者 陆一夫", "编辑 刘晓阳 校对 李铭", "采写：南都记者 余毅菁"
_SIGNATURE = re.compile(
    r"^\s*[（(【\[]?\s*(?:\S{0,6}记者|编辑|校对|审核|审校|采写|撰文|执笔人?|摄影|作者|通讯员|供稿)"
    r"(?:\s*[:：|｜/]\s*|\s+)\S{1,5}(?:[\s、，,]+\S{1,5}){0,5}\s*[）)】\]]?\s*$"
)
# the heading of a related-links block after the text: it and everything after it go
_RELATED_HEAD = re.compile(
    r"^\s*[【\[]?\s*(延伸阅读|相关阅读|推荐阅读|相关新闻|相关推荐|相关文章|相关链接|延伸\s*[·•]\s*推荐|"
    r"猜你喜欢|热门推荐|更多阅读|相关报道)\s*[】\]]?\s*[:：]?\s*$"
)
# the follow-us block closing a WeChat 公众号 article (government accounts and their reposts):
# a QR-code prompt, then menu keywords ("1、回复【社保】查询…") and "点【在看】"
_FOLLOW_HEAD = re.compile(
    r"^\s*(扫描下方二维码|扫描上方二维码|长按下方二维码|长按识别二维码|长按二维码|扫码关注|"
    r"点击上方蓝字|点击蓝字关注|关注我们[，,:：！!]?\s*$)"
)
# a photo credit standing alone: "新华社发（刘满仓摄）", "（新华社记者 李梦馨 摄）", "张三/摄" -
# no sentence in it (a caption ending in its credit, "…发表演讲。 新华社记者 李梦馨 摄", stays)
_PHOTO_CREDIT = re.compile(
    r"^[（(]?[^，。！？；,;!?]{0,20}(?:^|记者|通讯员|发[（(]|\s)"
    r"\s*[\u4e00-\u9fa5·]{2,4}\s*[/／]?\s*(?<!拍)摄\s*[）)]?$"
)
# a pager: page numbers and 上一页/下一页 links only ("|<<1234下一页>>|")
_PAGER_LINE = re.compile(
    r"^[\s|｜<>«»‹›\[\]【】\d.…]*(?:(?:上一页|下一页|首页|尾页|末页)[\s|｜<>«»‹›\[\]【】\d.…]*)+$"
)
# a byline that opens with the publish time: "2005-04-27 14:32更新 来源：千龙新闻网"
_DATELINE = re.compile(
    r"^\s*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}:\d{2}(?::\d{2})?(?P<rest>.*)$"
)
# a closing line of hashtags and mentions only: "#大家健康超能团# @大家健康"
_TAGS_LINE = re.compile(r"^(?:\s*(?:#[^#\n]{1,30}#|@\S{1,20}))+\s*$")
_FOLLOW_LINE = re.compile(r"^\s*(\d+[、.．]\s*回复[【\[]|点击菜单栏|看都看完了|点个?[“【\[]?在看)")
_BLOCKS = {
    "p",
    "div",
    "li",
    "td",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "section",
    "dd",
    "tr",
    "table",
    "ul",
    "ol",
    "article",
    "br",
}
_SITE_WORDS = re.compile(
    r"人民政府|门户网|政府网|网站|新闻网|留言板|首页|首頁|辦公室|办公室|的微博|公众号|公眾號"
)
_COLUMN_WORDS = re.compile(
    r"(新闻|政务|部门|乡镇|本地|国内|国际|图片|视频)?(动态|动态信息|要闻|资讯|新闻|中心|新闻中心|"
    r"通知公告|公告公示|信息公开|政府信息公开|领导留言|留言列表|留言详情|正文|详情|首页|首頁|動態|政務動態)"
)
_TITLE_CLASS = re.compile(
    r"title|headline|heading|bt\b|biaoti|tit\b|subject|art-?tit|con-title", re.I
)
_TITLE_PREFIX = re.compile(r"^\s*(留言标题|标题|標題|主题|主題)\s*[:：]\s*")
_AUTHOR = re.compile(r"(?:作者|记者|通讯员|文/|文／)\s*[:：]?\s*([\u4e00-\u9fa5A-Za-z·]{2,12})")


# Comment widgets (网易跟贴 and its imitators): by class/id, and by their heading
_COMMENT_CLASS = re.compile(
    r"(?:^|[\s_-])(tie|gentie|tie-?area|cmt|cmts|pinglun|plbox)(?:$|[\s_-])"
)
_COMMENT_HEAD = re.compile(
    r"^\s*(网友跟贴|网友跟帖|跟贴|跟帖|网友评论|网友热评|热门评论|最新评论|全部评论|评论区|发表评论|"
    r"我来说两句|用户评论|读者评论)"
)
# the heading of the other posts of a Q&A page or thread, under the one the page is about
# (知乎's "更多回答" above the other answers): the heading alone, a count at most
_OTHER_POSTS_HEAD = re.compile(
    r"^\s*(更多回答|其他回答|全部回答|更多回复|全部回复|网友回复|最新回复|热门回复)"
    r"\s*[（(]?\s*\d*\s*[）)]?\s*[:：]?\s*$"
)
_COMMENT_TEXT = (
    "//text()[contains(., '跟贴') or contains(., '跟帖') or contains(., '评论') "
    "or contains(., '说两句') or contains(., '回答') or contains(., '回复')]"
)


def _clean_tree(doc: html.HtmlElement, title: str = "") -> None:
    for el in list(doc.iter(*_DROP_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()
    keep = _headline_boxes(doc, title)
    for el in list(doc.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None or el in keep:
            continue
        if el.tag not in ("html", "body", "article") and (
            _BOILER_CLASS.search(classes(el)) or _COMMENT_CLASS.search(classes(el))
        ):
            el.drop_tree()
    _drop_comment_widgets(doc)


_HEADLINE_SLACK = 8  # a badge beside the headline in its element ("原创", "播报文章")


def _headline_boxes(doc: html.HtmlElement, title: str) -> set[html.HtmlElement]:
    """The blocks around the page's headline (an ``<h1>``-``<h6>`` or a title-class element
    showing ``title``, not a link): whatever their class says (``info-box``, ``article-meta``),
    they are the article's, so the boilerplate-class rule does not drop them whole (their own
    boilerplate-named parts still go)."""
    want = _squash(title)
    if len(want) < 4:
        return set()
    for el in doc.iter("h1", "h2", "h3", "h4", "h5", "h6", "div", "p", "span", "td", "strong"):
        if el.tag[0] != "h" and (len(el) > 3 or not _TITLE_CLASS.search(classes(el))):
            continue
        if _shows_headline(el, want) and not _in_link(el):
            return set(el.iterancestors())
    return set()


def _shows_headline(el: html.HtmlElement, want: str) -> bool:
    """``el`` shows the headline ``want`` (squashed), beside a badge at most."""
    text = _squash(el.text_content() or "")
    return want in text and len(text) <= len(want) + _HEADLINE_SLACK


def _drop_comment_widgets(doc: html.HtmlElement) -> None:
    """Drop each block that opens with a comment heading ("网友跟贴", "网友评论" …) or the
    heading of the other answers or replies ("更多回答", "全部回复(12)"): the largest
    ancestor of the heading whose text still starts with it."""
    for text in doc.xpath(_COMMENT_TEXT):
        head = text.strip()
        if text.is_tail or len(head) > 30:
            continue
        if not _COMMENT_HEAD.match(head) and not _OTHER_POSTS_HEAD.match(head):
            continue
        widget, el = None, text.getparent()
        while el is not None and el.tag not in ("body", "html"):
            if not norm_ws(el.text_content()).startswith(head):
                break
            widget, el = el, el.getparent()
        if widget is not None and widget.getparent() is not None:
            widget.drop_tree()


def _paragraphs(container: html.HtmlElement, skip_links: bool = False) -> list[str]:
    """Text blocks of ``container`` in order: <p>/<div>/<br>-separated pieces, normalised.
    ``skip_links``: without short blocks whose every word is link text (a list of other
    headlines, text ads, "发表评论" inside the element that holds the article)."""
    parts: list[str] = []
    buf: list[str] = []
    owned = [False]  # the block has a word outside any <a>

    def flush() -> None:
        text = norm_ws("".join(buf))
        if text and not (skip_links and not owned[0] and cjk_count(text) <= _LINK_LINE_CJK):
            parts.append(text)
        buf.clear()
        owned[0] = False

    def add(text: str, in_link: bool) -> None:
        buf.append(text)
        if not in_link and _WORD.search(text):
            owned[0] = True

    def walk(el: etree._Element, in_link: bool) -> None:
        if not isinstance(el.tag, str):
            return
        in_link = in_link or el.tag == "a"
        if el.tag in _BLOCKS:
            flush()
        if el.text:
            add(el.text, in_link)
        for child in el:
            walk(child, in_link)
            if child.tail:
                add(child.tail, in_link)
        if el.tag in _BLOCKS:
            flush()

    walk(container, False)
    flush()
    return parts


_WORD = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
_LINK_LINE_CJK = 40  # a link-only block longer than this is kept (a linked paragraph)


def _link_cjk(el: html.HtmlElement) -> int:
    return sum(cjk_count(a.text_content() or "") for a in el.iter("a"))


def _own_link_cjk(el: html.HtmlElement) -> int:
    """Link text of ``el`` outside the tables nested in it: on table-layout pages the cell
    holding the article also holds the site's link lists as tables of their own, which are
    not the text's links (their short link-only blocks are left out of the body anyway)."""
    if el.tag == "a":
        return _link_cjk(el)
    total, stack = 0, list(el)
    while stack:
        child = stack.pop()
        if not isinstance(child.tag, str) or child.tag == "table":
            continue
        if child.tag == "a":
            total += cjk_count(child.text_content() or "")
        else:
            stack.extend(child)
    return total


_PARA_BLOCKS = ("p", "div", "section", "table", "ul", "ol", "li", "blockquote", "article")


def _leaf_section(el: html.HtmlElement) -> bool:
    return next(el.iterdescendants(*_PARA_BLOCKS), None) is None


_INLINE = frozenset(("span", "font", "b", "strong", "em", "i", "u", "a", "small", "big"))


def _own_text(el: html.HtmlElement) -> str:
    return (el.text or "") + "".join(c.tail or "" for c in el)


def _wraps_one(el: html.HtmlElement | None) -> bool:
    """``el`` is a <div>/<section> around a single paragraph and nothing else."""
    if el is None or el.tag not in ("div", "section") or _own_text(el).strip():
        return False
    bearing = 0
    for child in el:
        if isinstance(child.tag, str) and (child.text_content() or "").strip():
            bearing += 1
            if bearing > 1:
                return False
    return bearing == 1


# the words of a site's copyright or disclaimer notice (著作权声明, 免责声明): a paragraph using
# three of them is the notice, not text (a news report on a copyright case uses one or two a
# paragraph)
_LEGAL = re.compile(
    r"著作权|版权|转载|摘编|稿酬|侵权|免责|法律责任|授权|不代表本|赞同其观点|真实性负责|联系删除"
)
# a self-media platform's notice that it only stores what its users publish (搜狐号, 网易号,
# 快传号: "…本平台仅提供信息存储服务"): a disclaimer, never text, however short the article
_PLATFORM_NOTE = re.compile(
    r"仅提供信息(?:存储|儲存)(?:空间|空間)?服务|provides? information storage", re.IGNORECASE
)
# a reprint or licence notice closing a post ("本作品采用《CC 协议》，转载必须注明作者和本文
# 链接", "转载请注明出处", "未经授权禁止转载"): a short line, never text
_REPRINT_NOTE = re.compile(
    r"^\W{0,2}(?:(?:本作品|本文|本帖|本站|文章|原创)[^。！？]{0,30}(?:协议|许可|转载|摘编|转发)"
    r"|(?:转载|转发|摘编)[^。！？]{0,16}(?:注明|授权|联系|须|请)"
    r"|(?:未经|谢绝|禁止|严禁|不得)[^。！？]{0,12}(?:转载|摘编))"
)
_REPRINT_NOTE_MAX = 60
_SPLIT_SHARE = 0.25  # the parent's own paragraphs, against the best element's, to take both


def _container_scores(doc: html.HtmlElement) -> dict[html.HtmlElement, float]:
    """Each element's score as the text's element: the non-link Chinese text (and punctuation)
    of its paragraph children, less three times its own link text."""
    scores: dict[html.HtmlElement, float] = {}
    # blocks inside a link are link text, whatever tags they wear (a card of a headline and
    # a summary, a live-commentary item, a gallery's caption): never the article's text
    linked = {d for a in doc.iter("a") if a.get("href") for d in a.iterdescendants()}
    for el in doc.iter("p", "br", "div", "td", "span", "font", "section", "li"):
        if el in linked:
            continue
        if el.tag == "br":
            node, text = el.getparent(), (el.tail or "")
        elif el.tag == "p" or (el.tag == "section" and _leaf_section(el)):
            # a <section> holding only inline text is a paragraph (WeChat and its editors:
            # <section><span>…</span></section>): it counts for its parent, like a <p>
            node, text = el.getparent(), el.text_content() or ""
        else:  # a text-bearing element counts for itself through its own direct text
            node = el
            text = _own_text(el)
        if node is None:
            continue
        n = cjk_count(text)
        if n < 4:
            continue
        punct = len(re.findall(r"[，。！？；、,.!?;]", text))
        if n >= 200 and punct < n / 100:
            continue  # not prose: a keyword cloud or tag list (SEO spam blocks)
        if n <= 600 and (len(set(_LEGAL.findall(text))) >= 3 or _PLATFORM_NOTE.search(text)):
            continue  # a copyright / disclaimer notice, however long the article beside it
        scores[node] = scores.get(node, 0.0) + n + 3 * punct
        # one <div> per paragraph (<div><p>…</p></div>, <div><span>…</span></div>,
        # <div>…</div>): the element holding those paragraphs counts each of them too
        holder = None
        if el.tag == "p":
            holder = node.getparent() if _wraps_one(node) else None
        elif el.tag in _INLINE:
            inline = el
            while inline.getparent() is not None and inline.getparent().tag in _INLINE:
                inline = inline.getparent()
            block = inline.getparent()
            holder = block.getparent() if block is not None and _wraps_one(block) else None
        elif el.tag in ("div", "section") and _leaf_section(el):
            holder = el.getparent()
        if holder is not None:
            scores[holder] = scores.get(holder, 0.0) + n + 3 * punct
    for node in scores:
        scores[node] -= 3 * _own_link_cjk(node)
    return scores


def _best_container(doc: html.HtmlElement, title: str = "") -> html.HtmlElement | None:
    """The element whose paragraph children carry the most non-link Chinese text (of the
    story under the headline ``title``, when the page holds another)."""
    scores = _container_scores(doc)
    if not scores:
        return None
    best = _own_story(doc, scores, max(scores, key=scores.__getitem__), title)
    # the text split in two: its first paragraphs beside a collapsed rest (搜狐号's 展开全文
    # puts the rest in <div class="hidden-content"> inside the article): take both
    parent = best.getparent()
    if (
        parent is not None
        and parent.tag not in ("body", "html")
        and scores.get(parent, 0.0) >= _SPLIT_SHARE * scores[best] > 0
    ):
        return parent
    return best


_STORY_MIN = 30  # the score of a text under the headline to prefer it to another story's


def _own_story(
    doc: html.HtmlElement,
    scores: dict[html.HtmlElement, float],
    best: html.HtmlElement,
    title: str,
) -> html.HtmlElement:
    """An ``<h1>`` opens a story: when the page's headline is an ``<h1>`` and the best element
    comes after the next ``<h1>`` (the next article of an
    endless feed, a recommended article printed whole), the text is the best element between
    the two, if one scores at least ``_STORY_MIN``: a short report does not lose to the longer
    story after it."""
    want = _squash(title)
    if len(want) < 4:
        return best
    heads = [h for h in doc.iter("h1") if not _in_link(h)]
    head = next((h for h in heads if _shows_headline(h, want)), None)
    if head is None:
        return best
    order = {el: i for i, el in enumerate(doc.iter())}
    after = [h for h in heads if order[h] > order[head] and head not in h.iterancestors()]
    if not after:
        return best
    nxt = after[0]
    if order[best] < order[nxt]:  # an element opening with an <h1> is one story (WeChat's
        return best  # text often starts with a styled <h1>)
    outer = set(nxt.iterancestors())  # the next story's own block
    own = [
        el
        for el, score in scores.items()
        if order[head] < order[el] < order[nxt]
        and el not in outer
        and head not in el.iterancestors()
        and score >= _STORY_MIN
    ]
    return max(own, key=scores.__getitem__) if own else best


def _drop_split_title(lines: list[str], title: str) -> list[str]:
    """Without the headline repeated at the top over several lines (``<br>``-broken)."""
    want, acc = _squash(title), ""
    for i, ln in enumerate(lines[:6]):
        acc += _squash(ln)
        if not want or not want.startswith(acc):
            break
        if acc == want:
            return lines[i + 1 :]
    return lines


def _cut_related(lines: list[str]) -> list[str]:
    """Without a related-links block after the text: from its heading on, when the heading
    follows most of the text (a "相关新闻" box above the text only loses its heading)."""
    for i, ln in enumerate(lines):
        if _RELATED_HEAD.match(ln) or _FOLLOW_HEAD.match(ln):
            before = sum(cjk_count(x) for x in lines[:i])
            if before and before >= sum(cjk_count(x) for x in lines[i + 1 :]):
                return lines[:i]
    return lines


def _clean_body(lines: list[str], title: str) -> str:
    out: list[str] = []
    for ln in _cut_related(_drop_split_title(lines, title)):
        ln = norm_ws(ln)
        if not ln or ln == title or _BOILER_LINE.match(ln) or len(ln) <= 2:
            continue
        if _PLATFORM_NOTE.search(ln) and cjk_count(ln) <= 200:
            continue
        if len(ln) <= _REPRINT_NOTE_MAX and _REPRINT_NOTE.match(ln):
            continue
        if title and ln.endswith(title) and len(ln) - len(title) <= 4:
            continue  # the headline behind a badge ("原创…"), kept with the headline's box
        if _RELATED_HEAD.match(ln) or _FOLLOW_HEAD.match(ln) or _FOLLOW_LINE.match(ln):
            continue
        if len(ln) <= 30 and (_SIGNATURE.match(ln) or _PHOTO_CREDIT.match(ln)):
            continue
        if _PAGER_LINE.match(ln):
            continue
        dateline = _DATELINE.match(ln)
        if dateline and cjk_count(dateline.group("rest")) <= 20:
            continue
        if _TAGS_LINE.match(ln):
            continue
        if cjk_count(ln) == 0 and len(ln) < 12:
            continue
        out.append(ln)
    return "\n".join(out)


# the text's last line announcing a table after it: "附：招生专业及考试科目", "附表1：",
# "…如下表：", "见下表"
_TABLE_NOTE = re.compile(
    r"^\s*(?:附件?|附表)\s*\d*\s*[:：、]|(?:如下表|见下表|下表|如下)\s*[:：。]?\s*$"
)


def _announced_table(container: html.HtmlElement, last_line: str) -> html.HtmlElement | None:
    """The data table right after the text's element when the text's last line announces it
    (a 招生简章's table of majors after "附：招生专业及考试科目"): the next element with text
    is the table (or wraps only it), of at least two rows of two cells, holding no table of
    its own, not a list of links."""
    if not _TABLE_NOTE.search(last_line):
        return None
    nxt = next(iter(container.xpath("following::*[normalize-space()][1]")), None)
    if nxt is None:
        return None
    table = nxt if nxt.tag == "table" else nxt.find(".//table")
    if table is None or norm_ws(table.text_content()) != norm_ws(nxt.text_content()):
        return None
    rows = [tr for tr in table.iter("tr") if len(tr.findall("td")) + len(tr.findall("th")) >= 2]
    if len(rows) < 2 or table.find(".//table") is not None:
        return None
    return table if 2 * _link_cjk(table) <= cjk_count(table.text_content()) else None


def _auto_body(doc: html.HtmlElement, title: str) -> tuple[str, str]:
    container = _best_container(doc, title)
    body = (
        _clean_body(_paragraphs(container, skip_links=True), title) if container is not None else ""
    )
    table = _announced_table(container, body.rsplit("\n", 1)[-1]) if body else None
    if table is not None:
        body = body + "\n" + _clean_body(_paragraphs(table), title)
    if cjk_count(body) >= 10:
        return body, "auto"
    return "", "auto"


def _fallback_body(markup: str, title: str, nodes: int) -> tuple[str, str]:
    if nodes > MAX_GNE_NODES:  # GNE's text density is quadratic in the tree size
        return _trafilatura_body(markup, title)
    try:
        from gne import GeneralNewsExtractor

        content = GeneralNewsExtractor().extract(markup).get("content") or ""
        body = _clean_body(content.split("\n"), title)
        if cjk_count(body) >= 10:
            return body, "gne"
    except Exception as exc:  # GNE is brittle on odd markup; fall back further
        log.debug("gne failed: %s", exc)
    return _trafilatura_body(markup, title)


def _trafilatura_body(markup: str, title: str) -> tuple[str, str]:
    try:
        import trafilatura

        content = trafilatura.extract(markup, include_comments=False, include_tables=True) or ""
        return _clean_body(content.split("\n"), title), "trafilatura"
    except Exception as exc:
        log.debug("trafilatura failed: %s", exc)
    return "", "auto"


# ------------------------------------------------------------------------------------ title


def _page_title(doc: html.HtmlElement) -> str:
    el = doc.find(".//title")
    return norm_ws(el.text_content()) if el is not None and el.text_content() else ""


def _meta(doc: html.HtmlElement, *names: str) -> str:
    for m in doc.iter("meta"):
        key = (m.get("name") or m.get("property") or "").lower()
        if key in names and (m.get("content") or "").strip():
            return norm_ws(m.get("content"))
    return ""


def strip_site_suffix(title: str) -> str:
    """``标题_XX县人民政府`` → ``标题`` (the longest part that is not a site/column name)."""
    parts = [
        p.strip()
        for p in re.split(
            r"\s*(?:[_|｜]|\s[-–—]\s|--|-(?=[^-]*(?:政府|网|板|室|站|中心)))\s*", title
        )
        if p.strip()
    ]
    if not parts:
        return title.strip()
    content = [p for p in parts if not _SITE_WORDS.search(p) and not _COLUMN_WORDS.fullmatch(p)]
    return content[0] if content else max(parts, key=len)


_SPACES = re.compile(r"\s+")
_LINE_BREAK_BY_CJK = re.compile(
    r"(?<=[\u4e00-\u9fff])[ \t\u3000]*\n\s*|\s*\n[ \t\u3000]*(?=[\u4e00-\u9fff])"
)


def _squash(text: str) -> str:
    """``text`` without whitespace: a headline broken over lines (``<br>``) or spaced differently
    in ``<title>`` (``调整2007 年末``) is still the same headline."""
    return _SPACES.sub("", text)


def _title_text(el: html.HtmlElement) -> str:
    """A headline's text; a line break next to a Chinese character is markup, not a space
    (``全国人民代表大会常务委员会<br>\n关于批准…``)."""
    text = el.text_content() or ""
    if "\n" in text:  # (the pattern's every match holds one: skip the scan of a long text)
        text = _LINE_BREAK_BY_CJK.sub("", text)
    return norm_ws(text)


def _too_long_for_title(el: html.HtmlElement) -> bool:
    """Whether ``el``'s text is sure to be longer than a headline (120 characters) once
    cleaned: the cleaning only drops whitespace and a label of at most 5 characters
    (``_TITLE_PREFIX``), so more than 125 characters besides whitespace stay too long. A
    cheap test before :func:`_title_text` on each paragraph of the text."""
    text = el.text_content() or ""
    return len(text) > 125 and len(_squash(text)) > 125


# A <title> that is only a site or column name (``北医新闻网_(新闻)``, ``世艺网>艺术教育``,
# ``新闻动态--中国地理学会官网``, ``XX市人民政府``): its parts, and what makes a part a name
_NAME_SPLIT = re.compile(r"\s*(?:[_|｜>＞»·:：/]|\s[-–—]\s|-{1,2}|——)\s*")
_SITE_END = re.compile(r"(网|网站|官网|政府|门户|首页|平台|在线|频道|栏目)$")
_BREADCRUMB = re.compile(r"[>＞»]|当前位置|您的位置|现在位置|^首页")
_BYLINE = re.compile(r"发布时间|发布日期|来源[:：]|作者[:：]|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}")


def _is_name_part(part: str) -> bool:
    part = part.strip("()（）[]【】<>《》 ")
    return (
        bool(part)
        and len(part) <= 16
        and bool(
            _SITE_WORDS.search(part) or _COLUMN_WORDS.fullmatch(part) or _SITE_END.search(part)
        )
    )


# a site and a column in short words ("科普中国-辟谣文章", "某某在线_专题"): parts split by these
_PLAIN_SPLIT = re.compile(r"\s*(?:[_|｜>＞»]|\s[-–—]\s|-{1,2})\s*")


def site_name_title(title: str) -> bool:
    """Whether ``title`` names only a site or column, no article: every part is a short name
    (``XX市人民政府``, ``北医新闻网``), or a short column (at most 6 characters) beside one;
    or two or more parts split by ``_ | > -`` of at most 6 characters each, without sentence
    punctuation (``科普中国-辟谣文章``: a site and a column in words no rule knows)."""
    parts = [p for p in _NAME_SPLIT.split(title.strip()) if p.strip("()（）[]【】 ")]
    if not parts or len(_squash(title)) > 40:
        return False
    plain = [p for p in _PLAIN_SPLIT.split(title.strip()) if p.strip()]
    if len(plain) >= 2 and all(
        len(_squash(p)) <= 6 and not re.search(r"[，。！？：:；,!?]", p) for p in plain
    ):
        return True
    named = [_is_name_part(p) for p in parts]
    return any(named) and all(n or len(_squash(p)) <= 6 for p, n in zip(parts, named, strict=True))


_CRUMB_SPLIT = re.compile(r"\s*[>＞»›]\s*")


def _crumb_title(doc: html.HtmlElement, page_title: str) -> bool:
    """The <title> is one of the crumbs of the page's breadcrumb (``网易娱乐 > 电影版区 >
    周黎明留言板``, ``首页 > 政务公开 > 通知公告``): the name of the site or a column, no
    headline, whatever its words."""
    want = _squash(page_title)
    if not want or len(want) > 20:
        return False
    for el in doc.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        if _squash(el.text_content() or "") == want:
            return False  # a headline element shows it: an article named like its crumb
    for el in doc.iter("div", "td", "p", "span", "li", "ul", "nav"):
        text = norm_ws(el.text_content() or "")
        if len(text) > 80 or len(_CRUMB_SPLIT.findall(text)) < 2:
            continue
        crumbs = [_squash(c) for c in _CRUMB_SPLIT.split(text)]
        if want in crumbs:
            return True
    return False


def _in_link(el: html.HtmlElement) -> bool:
    return any(a.tag == "a" for a in el.iterancestors())


def _headline_candidate(doc: html.HtmlElement, title_key: str) -> str:
    """The page's own headline when its <title> names only the site: the best of the
    ``<h1>``-``<h6>``, elements whose class/id names a title, and bold lines standing alone in
    their block (``<p><strong>…</strong></p>``), that come before the end of the text's element
    and are not a site/column name, a breadcrumb, a byline or a link (h1 > title class > h2-h6
    > bold; among equals the one nearest the text)."""
    container = _best_container(doc)
    order = {el: i for i, el in enumerate(doc.iter())}
    end = order.get(container, len(order))
    begin = end  # where the text's element opens: a <font> line counts only before it
    if container is not None:
        end = max(order.get(d, end) for d in container.iter())
    best, best_key = "", (0, -1)
    for el in doc.iter(
        "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "span", "p", "strong", "b", "font"
    ):
        if order.get(el, end + 1) > end or len(el) > 3:
            continue
        if el.tag == "font" and order[el] > begin:
            continue
        tag_rank = {"h1": 4, "h2": 2, "h3": 2, "h4": 2, "h5": 2, "h6": 2}.get(el.tag, 0)
        named = el.get("id") or ""
        if _TITLE_CLASS.search(classes(el)) or _TITLE_CLASS.search(named):
            tag_rank = max(tag_rank, 3)
        text = _TITLE_PREFIX.sub("", _title_text(el))
        parent = el.getparent()
        if (
            not tag_rank
            and el.tag in ("strong", "b", "font")
            and parent is not None
            and parent.tag in ("p", "td", "div")
            and _squash(_title_text(parent)) == _squash(text)
        ):
            tag_rank = 1
        if not tag_rank or not (6 <= len(text) <= 120) or cjk_count(text) < 4:
            continue
        key = _squash(text)
        if (
            key in title_key
            or _in_link(el)
            or 2 * _link_cjk(el) > cjk_count(text)  # a list of links to other articles
            or _BREADCRUMB.search(text)
            or _BYLINE.search(text)
            or _COLUMN_WORDS.fullmatch(key)
            or site_name_title(text)
        ):
            continue
        rank = (tag_rank, order[el])
        if rank > best_key:
            best, best_key = text, rank
    return best


def _auto_title(doc: html.HtmlElement) -> str:
    page_title = _page_title(doc)
    meta_title = _meta(doc, "articletitle", "og:title", "twitter:title")
    if page_title and (site_name_title(page_title) or _crumb_title(doc, page_title)):
        if (
            meta_title
            and not site_name_title(meta_title)
            and _squash(meta_title) != _squash(page_title)
        ):
            return meta_title
        headline = _headline_candidate(doc, _squash(page_title))
        if headline:
            return headline
    if page_title:
        shown = _headline_before_dash(doc, page_title)
        if shown:
            return shown
    reference = page_title or meta_title
    core = strip_site_suffix(reference) if reference else ""
    ref_key, core_key, meta_key = _squash(reference), _squash(core), _squash(meta_title)
    best, best_score = "", 0.0
    for el in doc.iter("h1", "h2", "h3", "td", "div", "span", "strong", "p", "b", "font"):
        if el.tag in ("div", "td", "span", "p", "strong", "b", "font") and len(el) > 2:
            continue
        if _too_long_for_title(el):
            continue
        text = _TITLE_PREFIX.sub("", _title_text(el))
        key = _squash(text)
        if not (4 <= len(text) <= 120) or cjk_count(text) < 2:
            continue
        score = 0.0
        if reference and key in ref_key:
            if key not in core_key and len(text) < len(core):
                continue  # only part of the site-name suffix (e.g. a logo text)
            score = len(text) * 2.0 + (20 if key == core_key else 0)
        elif meta_title and key == meta_key:
            score = len(text) * 2.0
        if score == 0:
            continue
        if el.tag in ("h1", "h2") or _TITLE_CLASS.search(classes(el)):
            score += 10
        if _SITE_WORDS.search(text):
            score -= 15
        if score > best_score:
            best, best_score = text, score
    if best:
        return best
    if meta_title:
        return meta_title
    if page_title:
        return strip_site_suffix(page_title)
    return _headline_without_title(doc)


_DASHES = re.compile(r"[-‐‑–—―－]+")
_SUFFIX_MAX = 20  # the site name after the dash


def _headline_before_dash(doc: html.HtmlElement, page_title: str) -> str:
    """The <title> is the headline, a hyphen or dash and a site name (``标题-EDN 电子技术设计``,
    ``标题-今日头条``, ``Title - XX Net``), the name not recognisable as one by its words: a
    headline element (``<h1>``-``<h6>`` or title class, not a link) showing the <title> up to a
    hyphen or dash is the title. Dashes of any kind are the same here (the page's ``——``
    is ``-`` in its <title>); an element showing the whole <title> wins (nothing is cut)."""
    want = _DASHES.sub("-", _squash(page_title))
    best, best_len = "", 0
    for el in doc.iter("h1", "h2", "h3", "h4", "h5", "h6", "div", "p", "span", "td", "strong"):
        if el.tag[0] != "h" and (len(el) > 2 or not _TITLE_CLASS.search(classes(el))):
            continue
        text = _TITLE_PREFIX.sub("", _title_text(el))
        key = _DASHES.sub("-", _squash(text))
        if len(key) < 4 or cjk_count(text) < 2 or _in_link(el):
            continue
        if key == want:
            return ""
        rest = want[len(key) :]
        if (
            want.startswith(key)
            and rest.startswith("-")
            and 0 < len(rest) - 1 <= _SUFFIX_MAX
            and len(key) > best_len
        ):
            best, best_len = text, len(key)
    return best


def _headline_without_title(doc: html.HtmlElement) -> str:
    """No <title> and no title <meta> (a page saved or served without its <head>): the first
    <h1>, else the first short element whose class names a headline (``class="Heading"``)."""
    h1 = doc.find(".//h1")
    if h1 is not None and 4 <= len(_title_text(h1)) <= 120:
        return _title_text(h1)
    for el in doc.iter("h2", "div", "td", "span", "p", "strong", "b", "font"):
        if len(el) > 2 or not (el.tag == "h2" or _TITLE_CLASS.search(classes(el))):
            continue
        text = _title_text(el)
        if 4 <= len(text) <= 120 and cjk_count(text) >= 2:
            return text
    return ""


# -------------------------------------------------------------------------------- selectors


def _select(doc: html.HtmlElement, selector: str) -> list:
    try:
        if selector.startswith(("/", "(")):
            return doc.xpath(selector)
        from lxml.cssselect import CSSSelector

        return CSSSelector(selector)(doc)
    except Exception as exc:
        log.warning("bad selector %r: %s", selector, exc)
        return []


def _selected_text(nodes: list, joiner: str = "\n") -> str:
    parts: list[str] = []
    for n in nodes:
        if isinstance(n, str):
            if norm_ws(n):
                parts.append(norm_ws(n))
        elif isinstance(n, html.HtmlElement):
            parts.extend(_paragraphs(n) if joiner == "\n" else [text_of(n)])
    return joiner.join(p for p in parts if p)


def _selected_date(nodes: list, tz: str) -> datetime | None:
    for n in nodes:
        if isinstance(n, str):
            dt = parse_datetime(n, tz)
        else:
            dt = None
            for attr in ("datetime", "content", "title"):
                if n.get(attr):
                    dt = parse_datetime(n.get(attr), tz)
                    if dt:
                        break
            dt = dt or parse_datetime(text_of(n), tz)
        if dt is not None:
            return dt
    return None


# ------------------------------------------------------------------------------------- API


def select_text(markup: str, selector: str) -> str:
    """The text of what ``selector`` (CSS, or XPath starting with ``/`` or ``(``) matches."""
    doc = parse(markup or "")
    return _selected_text(_select(doc, selector)).strip() if doc is not None else ""


def extract_article(
    markup: str, url: str = "", selectors: dict | None = None, tz: str = "Asia/Shanghai"
) -> Extracted:
    """Extract title, body and publish time from an article page. Never raises on bad HTML.

    Without ``selectors`` everything is automatic. ``selectors`` (keys ``title``, ``body``,
    ``date``: CSS, or XPath when starting with ``/`` or ``(``) override the automatic result
    field by field; a selector that matches nothing falls back to the automatic value.
    """
    try:
        return _extract(markup or "", selectors or {}, tz, url)
    except Exception as exc:  # last line of defence: a broken page must not stop a crawl
        log.warning("extraction failed for %s: %s", url, exc)
        return Extracted("", "", None, None, "failed")


def _extract(markup: str, selectors: dict, tz: str, url: str = "") -> Extracted:
    doc = parse(markup)
    if doc is None:
        return Extracted("", "", None)
    # every element's Python proxy, made once and kept for the whole extraction: each walk of
    # the tree below would otherwise make them again (lxml.html's class lookup per element)
    elements = list(doc.iter())
    nodes = len(elements)
    if nodes > MAX_NODES:
        return Extracted(strip_site_suffix(_page_title(doc)), "", None, None, "bounded")
    sel_title = sel_body = ""
    sel_date = None
    used = False
    if selectors:
        pristine = parse(markup)
        if selectors.get("title"):
            sel_title = _TITLE_PREFIX.sub(
                "", _selected_text(_select(pristine, selectors["title"]), " ")
            )
        if selectors.get("body"):
            sel_body = _clean_body(
                _selected_text(_select(pristine, selectors["body"])).split("\n"), ""
            )
        if selectors.get("date"):
            sel_date = _selected_date(_select(pristine, selectors["date"]), tz)
        used = bool(sel_title or sel_body or sel_date)
    title = sel_title or _auto_title(doc)
    published = sel_date or find_publish_datetime(markup, tz, title=title or None, url=url)
    author_m = _AUTHOR.search(html_text_head(doc))
    method = "auto"
    body = sel_body
    if not body:
        _clean_tree(doc, title)
        body, method = _auto_body(doc, title)
        if not body:
            body, method = _fallback_body(markup, title, nodes)
    if used:
        method = "selectors" if (sel_body and sel_title) else "selectors+" + method
    del elements
    return Extracted(
        title=title,
        body=body,
        published_at=published,
        author=author_m.group(1) if author_m else None,
        method=method,
    )


def html_text_head(doc: html.HtmlElement, limit: int = 3000) -> str:
    body = doc.find(".//body")
    return (text_of(body) if body is not None else "")[:limit]
