"""Generate the bundled demo/fixture sites under ``yuqing/demo/sites/``.

The article text is real: citizen messages from ``data/teddy2020/train.csv`` picked by
fixed ids (below). Only the site chrome (navigation, headers, footers, share bars, generic
reply boilerplate of the message board) is written here. The output is deterministic and is
committed; rerun from the repository root with::

    .venv/bin/python tools/build_demo_sites.py [--data PATH/train.csv]

A development tool, not part of the installed package (the server that serves the sites is
``yuqing.demo.server``).
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "yuqing" / "demo" / "sites"
# the labelled data shipped in the repository (see data/README.md)
DEFAULT_DATA = ROOT / "data" / "teddy2020" / "train.csv"
TZ = ZoneInfo("Asia/Shanghai")
PORT = "{{PORT}}"  # replaced by the server with its port

# Fixed row ids (teddy2020 train.csv), grouped by the site that shows them.
PORTAL_IDS = [
    "m040460d6f6",
    "m054f953c11",
    "m062288df00",
    "m06eaf13a9b",
    "m0791371e13",
    "m090fe7d514",
    "m102956e785",
    "m115106c2a2",
    "m139b3b3cfd",
    "m1e0d9816d5",
    "m2150eb2475",
    "m24c5c32558",
    "m26e2be6646",
    "m3589bbfad0",
    "m378acfcc62",
    "m40a5b44b7b",
    "m4557788154",
    "m4b475ed469",
    "m4b834dd82a",
    "m4c9348dcbf",
    "m533c8859c1",
    "m53bdc0c169",
    "m5440cb4a84",
    "m5b23984719",
    "m5b64af167a",
]
PRIVATE_ID = "m5c82e3f14b"
TW_IDS = ["m5def9f9997", "m5febe23f33", "m62b1f4ac83", "m6364533c99", "m64ecbe3e8b"]
BOARD_IDS = [
    "m655b4dec12",
    "m6738b8578b",
    "m682dbf4443",
    "m6f6c392e88",
    "m71cff60d73",
    "m74cd3b8177",
    "m777adffde4",
    "m7a1a0d67cf",
    "m7dfa4ff10d",
    "m82245338dd",
    "m83436fc7d2",
    "m85481e98c3",
    "m87dd2f7a82",
    "m88d2cb1305",
    "m8ad6a31cb3",
    "m8c6f4ee6f4",
    "m8f28ef224e",
    "m90873dbe7d",
    "m93c60cf476",
    "m958d139d70",
    "m97b4fbc167",
    "m9e3b838de0",
    "m9e3c5afdf8",
    "ma1aa57e606",
    "ma2cc81f976",
]
WEIBO_IDS = [
    "ma46e65272c",
    "ma4a6512c9a",
    "made163e824",
    "mae15996ecc",
    "mb17e95216d",
    "mb6af7b9750",
    "mb97e1c1125",
    "mbf6a92ffd8",
]
WECHAT_IDS = [
    "mc72e097a20",
    "mc9704bcd7d",
    "mcf24a119de",
    "mcf3165ba98",
    "md09ef1f582",
    "md1b02ddd13",
    "md511a3c72f",
    "mdc45b93a40",
]
NEWS_REPOSTS = [0, 3, 7, 12, 18]  # indexes into PORTAL_IDS
PORTAL_PAGE_SIZE = 10
BOARD_PAGE_SIZE = 10

COUNTY = "A7县"
PORTAL_NAME = f"{COUNTY}人民政府"
SOURCES = ["县政府办公室", "县融媒体中心", "县信访局", "县政务服务中心"]
DEPTS = [
    "县住房和城乡建设局",
    "县人力资源和社会保障局",
    "县教育局",
    "县市场监督管理局",
    "县卫生健康局",
    "县生态环境分局",
    "县交通运输局",
]
REPLIES = [  # generic reply boilerplate of the board chrome (not article text)
    "网友您好！您反映的问题已收悉，我单位已安排专人调查核实，将依法依规处理。感谢您对我们工作的关注与支持。",
    "您好！来信收悉。经研究，已将您反映的情况转交属地乡镇核实办理，办理结果将及时反馈。",
    "网友您好，您的留言已转交相关科室办理，如有疑问请拨打12345政务服务热线咨询。",
]


@dataclass
class Row:
    id: str
    title: str
    body: str
    published: datetime
    label: str

    @property
    def paragraphs(self) -> list[str]:
        return split_paragraphs(self.body)

    @property
    def golden_body(self) -> str:
        return "\n".join(self.paragraphs)


def split_paragraphs(text: str, target: int = 110) -> list[str]:
    """Split one message into realistic paragraphs at sentence ends (text is not changed)."""
    text = re.sub(r"\s+", "", text)
    sentences = re.findall(r"[^。！？!?]+[。！？!?”」]*|[。！？!?]+", text)
    paras: list[str] = []
    cur = ""
    for s in sentences:
        cur += s
        if len(cur) >= target:
            paras.append(cur)
            cur = ""
    if cur:
        if paras and len(cur) < 20:
            paras[-1] += cur
        else:
            paras.append(cur)
    return paras


def load_rows(path: Path) -> dict[str, Row]:
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if not r["published_at"]:
                continue
            ts = datetime.strptime(r["published_at"], "%Y/%m/%d %H:%M:%S").replace(tzinfo=TZ)
            out[r["id"]] = Row(r["id"], r["title"].strip(), r["body"].strip(), ts, r["label"])
    return out


def esc(s: str) -> str:
    return html.escape(s, quote=True)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def paras_html(paras: list[str], indent: str = "") -> str:
    return "\n".join(f'{indent}<p style="text-indent:2em;">{esc(p)}</p>' for p in paras)


class Golden:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(
        self,
        path: str,
        site: str,
        title: str,
        published: datetime,
        body: str,
        repost_of: str | None = None,
        **extra: str,
    ) -> None:
        rec = {
            "path": path,
            "site": site,
            "title": title,
            "published_at": iso(published),
            "body": body,
            "repost_of": repost_of,
        }
        rec.update(extra)
        self.items.append(rec)


def write(rel: str, text: str, encoding: str = "utf-8") -> None:
    p = SITES / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text.encode(encoding))


# ----------------------------------------------------------------------------- portal (GBK)

PORTAL_NAV = """<div class="topbar"><div class="w1200"><span class="welcome">欢迎访问{name}门户网站</span>
<span class="links"><a href="/portal/">无障碍浏览</a> | <a href="/tw/">繁體版</a> | <a href="/portal/">长者模式</a></span></div></div>
<div class="header"><div class="w1200"><a class="logo" href="/portal/"><img src="/portal/images/logo.png" alt="{name}"></a>
<form class="search" action="/portal/search"><input name="q" placeholder="请输入关键字"><button>搜索</button></form></div></div>
<div class="nav"><ul class="w1200">
<li><a href="/portal/">首页</a></li><li><a href="/portal/xwdt/index.html">新闻动态</a></li>
<li><a href="/portal/zwgk/">政务公开</a></li><li><a href="/portal/zwfw/">政务服务</a></li>
<li><a href="/board/index.html">政民互动</a></li><li><a href="/portal/zjxq/">走进{county}</a></li></ul></div>"""

PORTAL_FOOTER = """<div class="footer"><div class="w1200">
<p><a href="/portal/about.html">关于我们</a> | <a href="/portal/map.html">网站地图</a> | <a href="/portal/contact.html">联系我们</a> | <a href="/portal/sm.html">免责声明</a></p>
<p>Copyright &copy; 2008-2024 {name} 版权所有　主办：{name}办公室　承办：{county}大数据管理中心</p>
<p>网站标识码：4307230001　<a href="https://beian.miit.gov.cn/">湘ICP备05001234号-1</a>　湘公网安备 43072302000123号</p>
<p>联系电话：0736-1234567　地址：{county}人民路1号　邮编：415100</p></div></div>"""


def portal_chrome(title: str, head_extra: str, main: str, charset_meta: str) -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
{charset_meta}
<title>{esc(title)}</title>
<meta name="SiteName" content="{PORTAL_NAME}">
<meta name="ColumnName" content="新闻动态">
{head_extra}<link rel="stylesheet" href="/portal/css/style.css">
<script src="/portal/js/jquery.min.js"></script>
</head>
<body>
{PORTAL_NAV.format(name=PORTAL_NAME, county=COUNTY)}
{main}
{PORTAL_FOOTER.format(name=PORTAL_NAME, county=COUNTY)}
<script>var _hmt = _hmt || [];</script>
</body>
</html>
"""


def portal_detail_path(i: int, row: Row, private: bool = False) -> str:
    d = row.published
    folder = "private" if private else f"xwdt/{d:%Y%m}"
    return f"/portal/{folder}/t{d:%Y%m%d}_{40001 + i}.html"


def related_box(others: list[tuple[str, Row]]) -> str:
    items = "\n".join(
        f'<li><a href="{p}" target="_blank">{esc(r.title)}</a><span>{r.published:%Y-%m-%d}</span></li>'
        for p, r in others
    )
    return f'<div class="related"><div class="related-hd">相关链接</div><ul>\n{items}\n</ul></div>'


def sidebar(others: list[tuple[str, Row]]) -> str:
    items = "\n".join(f'<li><a href="{p}">{esc(r.title)}</a></li>' for p, r in others)
    return f"""<div class="sidebar">
<div class="box"><div class="box-hd">热点关注</div><ul>
{items}
</ul></div>
<div class="box"><div class="box-hd">便民服务</div><ul class="svc"><li><a href="/portal/zwfw/">社保查询</a></li><li><a href="/portal/zwfw/">公积金查询</a></li><li><a href="/portal/zwfw/">不动产登记</a></li><li><a href="/board/index.html">我要留言</a></li></ul></div>
</div>"""


def portal_detail(
    i: int, row: Row, path: str, others: list[tuple[str, Row]]
) -> tuple[str, datetime, str]:
    """Return (html, shown publish time, encoding) for one portal article; layout varies by i."""
    d = row.published
    layout = i % 4
    source = SOURCES[i % len(SOURCES)]
    crumbs = '<div class="position">当前位置：<a href="/portal/">首页</a> &gt; <a href="/portal/xwdt/index.html">新闻动态</a> &gt; 正文</div>'
    share = '<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>'
    tools = '<div class="tools">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</div>'
    paras = paras_html(row.paragraphs, "  ")
    if layout == 0:
        shown = d.replace(second=0)
        meta_charset = '<meta charset="gbk">'
        page_title = f"{row.title}_{PORTAL_NAME}"
        main = f"""<div class="w1200 main">
{crumbs}
<div class="article">
 <h1>{esc(row.title)}</h1>
 <div class="info">发布日期：{shown:%Y-%m-%d %H:%M}&nbsp;&nbsp;&nbsp;来源：{source}&nbsp;&nbsp;&nbsp;浏览次数：<span id="hits">{137 + i * 7}</span></div>
 <div class="TRS_Editor">
{paras}
 </div>
 {share}
 {tools}
 {related_box(others[:4])}
</div>
</div>"""
        head = f'<meta name="ArticleTitle" content="{esc(row.title)}">\n'
    elif layout == 1:
        shown = d
        meta_charset = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        page_title = f"{row.title} - 新闻动态 - {PORTAL_NAME}门户网站"
        main = f"""<div class="w1200 main clearfix">
<div class="left">{sidebar(others[:5])}</div>
<div class="right">
{crumbs}
<div class="detail">
 <div class="title">{esc(row.title)}</div>
 <div class="property"><span>来源：{PORTAL_NAME}{source[1:]}</span>&nbsp;&nbsp;<span>发布时间：{shown:%Y-%m-%d %H:%M:%S}</span>&nbsp;&nbsp;<span>【字号：大 中 小】</span></div>
 <div id="zoom">
{paras}
 </div>
 <div class="editor">责任编辑：李晓东</div>
 {tools}
</div>
</div>
</div>"""
        head = ""
    elif layout == 2:
        shown = d.replace(hour=0, minute=0, second=0)
        meta_charset = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        page_title = f"{PORTAL_NAME}_{row.title}"
        main = f"""<table width="1000" align="center" cellpadding="0" cellspacing="0" class="main">
<tr><td colspan="2" class="position">您现在的位置：<a href="/portal/">首页</a> &gt;&gt; <a href="/portal/xwdt/index.html">新闻动态</a></td></tr>
<tr><td valign="top" width="720">
 <table width="100%" cellpadding="0" cellspacing="0">
  <tr><td class="bt" align="center">{esc(row.title)}</td></tr>
  <tr><td class="sj" align="center">{shown.year}年{shown.month}月{shown.day}日&nbsp;&nbsp;信息来源：{source}</td></tr>
  <tr><td id="content" class="nr">
{paras}
  </td></tr>
  <tr><td align="right">（责任编辑：王芳）</td></tr>
  <tr><td>{share}</td></tr>
 </table>
</td>
<td valign="top" width="260">{sidebar(others[:6])}</td></tr>
</table>"""
        head = ""
    else:
        shown = d.replace(second=0)
        meta_charset = '<meta charset="gb2312">'
        page_title = f"{row.title}|{PORTAL_NAME}"
        main = f"""<div class="w1200 main">
{crumbs}
<div class="con-box">
 <h2 class="con-title">{esc(row.title)}</h2>
 <div class="con-info"><span class="date">{shown:%Y-%m-%d %H:%M}</span><span class="src">{source}</span><span class="views">阅读：{88 + i}</span></div>
 <div class="con-text">
{paras}
 </div>
 {share}
 <div class="prevnext"><p>上一篇：<a href="{others[0][0]}">{esc(others[0][1].title)}</a></p><p>下一篇：<a href="{others[1][0]}">{esc(others[1][1].title)}</a></p></div>
</div>
</div>"""
        head = f'<meta name="PubDate" content="{shown:%Y-%m-%d %H:%M}">\n<meta name="ContentSource" content="{source}">\n'
    return portal_chrome(page_title, head, main, meta_charset), shown, "gbk"


def portal_list_page(page: int, npages: int, items: list[tuple[str, Row]], extra: str = "") -> str:
    lis = "\n".join(
        f'<li><a href="{p}" target="_blank" title="{esc(r.title)}">{esc(r.title)}</a><span class="date">{r.published:%Y-%m-%d}</span></li>'
        for p, r in items
    )
    if extra:
        lis += "\n" + extra
    pages = []
    pages.append('<a href="index.html">首页</a>')
    if page > 0:
        prev = "index.html" if page == 1 else f"index_{page - 1}.html"
        pages.append(f'<a href="{prev}">上一页</a>')
    if page < npages - 1:
        pages.append(f'<a href="index_{page + 1}.html">下一页</a>')
    pages.append(f'<a href="index_{npages - 1}.html">尾页</a>')
    pages.append(f"<span>共{npages}页 当前第{page + 1}页</span>")
    main = f"""<div class="w1200 main clearfix">
<div class="position">当前位置：<a href="/portal/">首页</a> &gt; 新闻动态</div>
<div class="left-nav"><ul><li class="on"><a href="index.html">新闻动态</a></li><li><a href="/portal/zwgk/">通知公告</a></li><li><a href="/portal/zwgk/">部门动态</a></li><li><a href="/portal/zwgk/">乡镇动态</a></li></ul></div>
<div class="list-box">
<div class="list-hd">新闻动态</div>
<ul class="list">
{lis}
</ul>
<div class="page">{" ".join(pages)}</div>
</div>
</div>"""
    return portal_chrome(f"新闻动态_{PORTAL_NAME}", "", main, '<meta charset="gbk">')


def build_portal(rows: dict[str, Row], golden: Golden) -> list[tuple[str, Row, datetime]]:
    arts = [(portal_detail_path(i, rows[rid]), rows[rid]) for i, rid in enumerate(PORTAL_IDS)]
    # newest first on the list pages, like a real column
    order = sorted(range(len(arts)), key=lambda k: arts[k][1].published, reverse=True)
    shown_times = []
    for i, (path, row) in enumerate(arts):
        others = [arts[(i + k) % len(arts)] for k in range(1, 7)]
        page, shown, enc = portal_detail(i, row, path, others)
        write(path.lstrip("/"), page, enc)
        golden.add(path, "portal", row.title, shown, row.golden_body)
        shown_times.append((path, row, shown))
    npages = (len(arts) + PORTAL_PAGE_SIZE - 1) // PORTAL_PAGE_SIZE
    prow = rows[PRIVATE_ID]
    ppath = portal_detail_path(99, prow, private=True)
    page, _, enc = portal_detail(0, prow, ppath, arts[:6])
    write(ppath.lstrip("/"), page, enc)
    private_li = (
        f'<li><a href="{ppath}" target="_blank">{esc(prow.title)}</a>'
        f'<span class="date">{prow.published:%Y-%m-%d}</span></li>'
    )
    for pg in range(npages):
        chunk = [arts[k] for k in order[pg * PORTAL_PAGE_SIZE : (pg + 1) * PORTAL_PAGE_SIZE]]
        name = "index.html" if pg == 0 else f"index_{pg}.html"
        html_text = portal_list_page(pg, npages, chunk, private_li if pg == 0 else "")
        write(f"portal/xwdt/{name}", html_text, "gbk")
    home = portal_chrome(
        PORTAL_NAME,
        "",
        f"""<div class="w1200 main">
<div class="focus"><div class="hd">要闻</div><ul>
{"".join(f'<li><a href="{p}">{esc(r.title)}</a></li>' for p, r in [arts[k] for k in order[:6]])}
</ul><a class="more" href="/portal/xwdt/index.html">更多&gt;&gt;</a></div></div>""",
        '<meta charset="gbk">',
    )
    write("portal/index.html", home, "gbk")
    return shown_times


# ----------------------------------------------------------------------------- tw (Big5)


def build_tw(rows: dict[str, Row], golden: Golden) -> None:
    import opencc

    s2t = opencc.OpenCC("s2t")
    t2s = opencc.OpenCC("t2s")
    name_t = "臨海市人民政府辦公室"
    items = []
    for i, rid in enumerate(TW_IDS):
        row = rows[rid]
        utf8 = i >= 3
        path = f"/tw/{'u' if utf8 else 'b5'}/art_{2201 + i}.html"
        title_t = s2t.convert(row.title)
        paras_t = [s2t.convert(p) for p in row.paragraphs]
        d = row.published
        if i == 2:  # mangled date as some CMSes print it
            shown = d.replace(hour=0, minute=0, second=0)
            date_line = f"發佈日期：{d:%Y%m%d}"
        elif i % 2 == 0:
            shown = d.replace(second=0)
            date_line = f"發佈時間：{d:%Y-%m-%d %H:%M}"
        else:
            shown = d.replace(hour=0, minute=0, second=0)
            date_line = f"日期：{d.year}年{d.month}月{d.day}日"
        meta = '<meta charset="utf-8">\n' if utf8 else ""
        page = f"""<html>
<head>
{meta}<title>{esc(title_t)}-{name_t}</title>
<link rel="stylesheet" href="/tw/style.css">
</head>
<body>
<div id="top"><a href="/tw/">首頁</a> | <a href="/portal/">簡體版</a> | <a href="/tw/">無障礙</a></div>
<div id="banner">{name_t}</div>
<div id="menu"><a href="/tw/">首頁</a> <a href="/tw/">政務動態</a> <a href="/tw/">政府信息公開</a> <a href="/tw/">互動交流</a></div>
<div id="main">
<div class="crumb">當前位置：<a href="/tw/">首頁</a> &gt; <a href="/tw/">政務動態</a></div>
<div class="article">
<h1 class="art-title">{esc(title_t)}</h1>
<div class="art-info">{date_line}　來源：{name_t}　【<a href="javascript:print()">打印</a>】</div>
<div class="art-content">
{paras_html(paras_t)}
</div>
<div class="art-tools">【<a href="javascript:window.close()">關閉窗口</a>】</div>
</div>
</div>
<div id="footer">版權所有：{name_t}　地址：臨海市東方大道1號　Copyright 2010-2024</div>
</body>
</html>
"""
        write(path.lstrip("/"), page, "utf-8" if utf8 else "big5")
        body_t = "\n".join(paras_t)
        golden.add(
            path,
            "tw",
            t2s.convert(title_t),
            shown,
            t2s.convert(body_t),
            title_orig=title_t,
            body_orig=body_t,
        )
        items.append((path, title_t, shown))
    lis = "\n".join(f'<li><a href="{p}">{esc(t)}</a>　{s:%Y-%m-%d}</li>' for p, t, s in items)
    index = f"""<html>
<head><title>政務動態-{name_t}</title></head>
<body>
<div id="banner">{name_t}</div>
<div id="menu"><a href="/tw/">首頁</a> <a href="/tw/">政務動態</a> <a href="/tw/">政府信息公開</a></div>
<div class="crumb">當前位置：首頁 &gt; 政務動態</div>
<ul class="news-list">
{lis}
</ul>
<div id="footer">版權所有：{name_t}</div>
</body>
</html>
"""
    write("tw/index.html", index, "big5")


# ----------------------------------------------------------------------------- board


def board_messages(rows: dict[str, Row]) -> list[dict]:
    msgs = []
    for i, rid in enumerate(BOARD_IDS):
        row = rows[rid]
        reply_at = row.published + timedelta(days=3 + i % 5, hours=2 + i % 7)
        msgs.append(
            {
                "msgId": 2020070100 + i,
                "subject": row.title,
                "content": row.golden_body,
                "createTime": f"{row.published:%Y-%m-%d %H:%M:%S}",
                "userName": "网友" + rid[-4:],
                "reply": {
                    "dept": DEPTS[i % len(DEPTS)],
                    "content": REPLIES[i % len(REPLIES)],
                    "replyTime": f"{reply_at:%Y-%m-%d %H:%M:%S}",
                }
                if i % 6 != 5
                else None,
                "likes": (i * 37) % 101,
                "comments": (i * 11) % 17,
                "label": row.label,
            }
        )
    # newest first
    msgs.sort(key=lambda m: m["createTime"], reverse=True)
    return msgs


LIVE_SIZE = 12  # messages in the demo's live wage-arrears surge


#: pay owed: 拖欠/克扣/欠薪/未发 … next to 工资/工程款/民工 … (either order)
OWED_PAY = re.compile(
    r"(?:拖欠|克扣|欠薪|讨薪|未发|停发|没发).{0,10}(?:工资|工程款|民工|血汗钱|工钱)|"
    r"(?:工资|工程款|工钱).{0,10}(?:拖欠|未付|没发|未发)"
)


def live_messages(rows: dict[str, Row]) -> list[dict]:
    """The demo's live surge: real wage-arrears messages (pay owed, ``OWED_PAY``), in id
    order, that the server dates minutes ago (``ageMinutes``) so alerts see a current surge.
    (Until 2026-11-29 only 拖欠 counted, which found 10 of the 12 messages meant here.)"""
    used = set(PORTAL_IDS + TW_IDS + BOARD_IDS + WEIBO_IDS + WECHAT_IDS + [PRIVATE_ID])
    picked = [
        r
        for rid, r in sorted(rows.items())
        if rid not in used and r.title and OWED_PAY.search(r.title + r.body)
    ][:LIVE_SIZE]
    return [
        {
            "msgId": 2020079000 + i,
            "subject": r.title,
            "content": r.golden_body,
            "ageMinutes": 15 + 23 * i,
            "userName": "网友" + r.id[-4:],
            "likes": (i * 13) % 40,
            "comments": (i * 7) % 9,
            "label": r.label,
        }
        for i, r in enumerate(picked)
    ]


def build_board(rows: dict[str, Row], golden: Golden) -> None:
    msgs = board_messages(rows)
    write("board/api/messages.json", json.dumps(msgs, ensure_ascii=False, indent=1))
    write("board/api/live.json", json.dumps(live_messages(rows), ensure_ascii=False, indent=1))
    nav = """<div class="hd"><div class="logo">A市领导留言板</div><ul class="nav"><li><a href="/board/index.html">首页</a></li><li><a href="/board/index.html">留言列表</a></li><li><a href="/board/index.html">我要留言</a></li><li><a href="/board/index.html">办理统计</a></li></ul></div>"""
    foot = """<div class="ft">主办：A市人民政府办公室　技术支持：A市大数据中心　© 2015-2024 版权所有</div>"""
    for m in msgs:
        path = f"/board/detail/{m['msgId']}.html"
        ct = datetime.strptime(m["createTime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=TZ)
        paras = m["content"].split("\n")
        if m["reply"]:
            reply = f"""<div class="reply-box">
 <div class="reply-hd">回复内容</div>
 <div class="reply-info">回复单位：{m["reply"]["dept"]}　回复时间：{m["reply"]["replyTime"]}</div>
 <div class="reply-text">{esc(m["reply"]["content"])}</div>
</div>"""
        else:
            reply = '<div class="reply-box"><div class="reply-hd">回复内容</div><div class="reply-text">办理中，暂未回复。</div></div>'
        page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(m["subject"])}-领导留言板-A市人民政府</title>
</head>
<body>
{nav}
<div class="wrap">
<div class="crumb">当前位置：首页 &gt; 留言列表 &gt; 留言详情</div>
<table class="msg-table" cellspacing="0">
 <tr><th>留言标题</th><td class="msg-title">{esc(m["subject"])}</td></tr>
 <tr><th>留言人</th><td>{esc(m["userName"])}</td></tr>
 <tr><th>留言时间</th><td>{m["createTime"]}</td></tr>
 <tr><th>留言内容</th><td class="msg-content">
{paras_html(paras, "  ")}
 </td></tr>
 <tr><th>点赞</th><td>{m["likes"]}　评论 {m["comments"]}</td></tr>
</table>
{reply}
</div>
{foot}
</body>
</html>
"""
        write(path.lstrip("/"), page)
        golden.add(path, "board", m["subject"], ct, m["content"])
    npages = (len(msgs) + BOARD_PAGE_SIZE - 1) // BOARD_PAGE_SIZE
    for pg in range(npages):
        chunk = msgs[pg * BOARD_PAGE_SIZE : (pg + 1) * BOARD_PAGE_SIZE]
        rows_html = "\n".join(
            f'<tr><td><a href="/board/detail/{m["msgId"]}.html">{esc(m["subject"])}</a></td><td>{m["createTime"][:10]}</td><td>{"已回复" if m["reply"] else "办理中"}</td></tr>'
            for m in chunk
        )
        nxt = f'<a class="next" href="list_{pg + 2}.html">下一页</a>' if pg < npages - 1 else ""
        page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>留言列表-领导留言板-A市人民政府</title></head>
<body>
{nav}
<div class="wrap">
<table class="msg-list"><thead><tr><th>留言标题</th><th>留言时间</th><th>状态</th></tr></thead>
<tbody>
{rows_html}
</tbody></table>
<div class="pager">第{pg + 1}/{npages}页 {nxt}</div>
</div>
{foot}
</body>
</html>
"""
        write("board/index.html" if pg == 0 else f"board/list_{pg + 1}.html", page)


# ----------------------------------------------------------------------------- media feeds


def build_media(rows: dict[str, Row]) -> None:
    items = []
    for i, rid in enumerate(WEIBO_IDS):
        row = rows[rid]
        link = f"http://127.0.0.1:{PORT}/media/weibo/{4500000000 + i}.html"
        content = "".join(f"<p>{esc(p)}</p>" for p in row.paragraphs)
        items.append(f"""<item>
<title>{esc(row.title)}</title>
<description><![CDATA[{content}]]></description>
<pubDate>{format_datetime(row.published)}</pubDate>
<guid isPermaLink="false">weibo-{4500000000 + i}</guid>
<link>{link}</link>
<author>{COUNTY}发布</author>
</item>""")
        write(
            f"media/weibo/{4500000000 + i}.html",
            f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(row.title)} - {COUNTY}发布的微博</title></head>
<body><div class="weibo"><div class="name">{COUNTY}发布</div><div class="time">{row.published:%Y-%m-%d %H:%M}</div>
<div class="text">{content}</div></div></body></html>
""",
        )
    rss = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{COUNTY}发布 的微博</title>
<link>http://127.0.0.1:{PORT}/media/weibo.xml</link>
<atom:link href="http://127.0.0.1:{PORT}/media/weibo.xml" rel="self" type="application/rss+xml"/>
<description>{COUNTY}发布 的微博 - Made with love by RSSHub(https://github.com/DIYgod/RSSHub)</description>
<generator>RSSHub</generator>
<language>zh-cn</language>
<lastBuildDate>{format_datetime(max(rows[r].published for r in WEIBO_IDS))}</lastBuildDate>
<ttl>5</ttl>
{chr(10).join(items)}
</channel>
</rss>
"""
    write("media/weibo.xml", rss)
    entries = []
    for i, rid in enumerate(WECHAT_IDS):
        row = rows[rid]
        link = f"http://127.0.0.1:{PORT}/media/wechat/{i + 1}.html"
        content = "".join(f"<p>{esc(p)}</p>" for p in row.paragraphs)
        entries.append(f"""<entry>
<title>{esc(row.title)}</title>
<id>urn:wechat:a7xfb:{row.id}</id>
<link href="{link}" rel="alternate"/>
<updated>{iso(row.published)}</updated>
<published>{iso(row.published)}</published>
<author><name>{COUNTY}政务微信</name></author>
<content type="html">{esc(content)}</content>
</entry>""")
        write(
            f"media/wechat/{i + 1}.html",
            f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(row.title)}</title></head>
<body><div id="js_article"><h1 class="rich_media_title">{esc(row.title)}</h1>
<div class="rich_media_meta"><span>{COUNTY}政务微信</span> <em id="publish_time">{row.published:%Y-%m-%d %H:%M}</em></div>
<div class="rich_media_content" id="js_content">{content}</div></div></body></html>
""",
        )
    updated = max(rows[r].published for r in WECHAT_IDS)
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{COUNTY}政务微信</title>
<id>urn:wechat:a7xfb</id>
<link href="http://127.0.0.1:{PORT}/media/wechat.atom" rel="self"/>
<updated>{iso(updated)}</updated>
{chr(10).join(entries)}
</feed>
"""
    write("media/wechat.atom", atom)
    row = rows[WEIBO_IDS[0]]
    broken = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>{COUNTY}发布 & 政务服务</title>
<item>
<title>{esc(row.title)}
<description><p>{esc(row.paragraphs[0])}</description>
<pubDate>{format_datetime(row.published)}</pubDate>
</item
<item><title>未闭合
"""
    write("media/broken.xml", broken)


# ----------------------------------------------------------------------------- news (reposts)


def build_news(portal: list[tuple[str, Row, datetime]], golden: Golden) -> None:
    lis = []
    for n, k in enumerate(NEWS_REPOSTS):
        ppath, row, shown = portal[k]
        when = shown + timedelta(hours=26 + n * 3, minutes=17 * n)
        when = when.replace(second=0)
        path = f"/news/local/{when:%Y%m%d}/{710000 + n}.shtml"
        page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{esc(row.title)}_本地新闻_江南新闻网</title>
<meta name="keywords" content="{esc(row.label)},{COUNTY}">
<meta name="description" content="{esc(row.paragraphs[0][:60])}">
</head>
<body>
<header class="site-header"><a class="logo" href="/news/">江南新闻网</a>
<nav><a href="/news/">首页</a><a href="/news/">本地</a><a href="/news/">财经</a><a href="/news/">教育</a><a href="/news/">房产</a><a href="/news/">汽车</a></nav></header>
<div class="ad-banner">广告</div>
<main class="container">
<article class="news-article">
<h1 class="headline">{esc(row.title)}</h1>
<div class="byline"><time>{when:%Y-%m-%d %H:%M}</time> <span class="source">来源：{PORTAL_NAME}网站</span> <span class="editor">编辑：周宁</span></div>
<p class="repost-note">本文转载自{PORTAL_NAME}网站，原文链接：<a href="http://127.0.0.1:{PORT}{ppath}">http://127.0.0.1:{PORT}{ppath}</a></p>
<div class="article-body">
{paras_html(row.paragraphs)}
</div>
<p class="article-editor">【责任编辑：周宁】</p>
<div class="article-share">分享到： 微信 微博 QQ</div>
</article>
<aside class="hot"><h3>24小时热门</h3><ol>{"".join(f'<li><a href="/news/">{esc(portal[j][1].title[:18])}</a></li>' for j in range(20, 25))}</ol></aside>
</main>
<footer class="site-footer"><p>版权所有 © 2012-2024 江南新闻网 未经授权禁止转载、摘编、复制或建立镜像</p><p>互联网新闻信息服务许可证：43120180001</p></footer>
</body>
</html>
"""
        write(path.lstrip("/"), page)
        golden.add(path, "news", row.title, when, row.golden_body, repost_of=ppath)
        lis.append(
            f'<li><a href="{path}">{esc(row.title)}</a> <span>{when:%m-%d %H:%M}</span></li>'
        )
    index = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>本地新闻_江南新闻网</title></head>
<body>
<header class="site-header"><a class="logo" href="/news/">江南新闻网</a><nav><a href="/news/">首页</a><a href="/news/">本地</a><a href="/news/">财经</a></nav></header>
<main><h2>本地新闻</h2><ul class="news-list">
{chr(10).join(lis)}
</ul></main>
<footer class="site-footer">版权所有 © 2012-2024 江南新闻网 未经授权禁止转载</footer>
</body></html>
"""
    write("news/index.html", index)


# ----------------------------------------------------------------------------- errors list


def build_errors() -> None:
    links = [
        ("/redirect/once", "关于进一步做好城乡居民医疗保险参保工作的通知（已迁移）"),
        ("/redirect/loop", "关于开展安全生产大检查的通知（地址循环跳转）"),
        ("/redirect/offsite", "县政府常务会议研究部署近期重点工作（站外跳转）"),
        ("/error/404", "关于公布第一批行政许可事项清单的公告（页面已删除）"),
        ("/error/500", "关于做好防汛抗旱工作的紧急通知（服务器错误）"),
        ("/slow?seconds=8", "全县营商环境优化提升大会召开（响应较慢）"),
        ("/huge", "政府信息公开工作年度报告全文（超大页面）"),
        ("/empty", "关于调整城市公交线路的公告（空白页面）"),
        ("/badjson", "留言办理情况数据接口（错误的数据格式）"),
    ]
    lis = "\n".join(
        f'<li><a href="{u}">{t}</a><span class="date">2024-01-0{1 + i % 9}</span></li>'
        for i, (u, t) in enumerate(links)
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>通知公告_测试栏目</title></head>
<body>
<div class="nav"><a href="/portal/">首页</a> <a href="/errors/">通知公告</a></div>
<ul class="list">
{lis}
</ul>
<div class="footer">版权所有 © 2024 测试站点</div>
</body></html>
"""
    write("errors/index.html", page)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    rows = load_rows(args.data)
    for sub in ("portal", "tw", "board", "media", "news", "errors"):
        shutil.rmtree(SITES / sub, ignore_errors=True)
    golden = Golden()
    portal = build_portal(rows, golden)
    build_tw(rows, golden)
    build_board(rows, golden)
    build_media(rows)
    build_news(portal, golden)
    build_errors()
    (SITES / "golden.json").write_text(
        json.dumps(golden.items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(golden.items)} golden pages under {SITES}")


if __name__ == "__main__":
    main()
