"""Title choice when <title> names only the site or column (北医新闻网_(新闻), XX市人民政府):
the page's own headline is taken; a <title> holding the headline keeps it."""

from __future__ import annotations

import pytest

from yuqing.crawlers.extraction import extract_article
from yuqing.crawlers.extraction.article import site_name_title

BODY = (
    "<div class='content'><p>为切实保障群众温暖过冬，经市政府同意，现就做好今年冬季供暖保障工作通知如下。</p>"
    "<p>各供热企业要在十一月十五日前完成管网检修和试运行，确保按时足额供热。</p>"
    "<p>各县区要建立供暖问题快速响应机制，公布投诉电话，做到接诉即办。</p></div>"
)
LOGO = "<div class='header'><h1 class='logo'><a href='/'>云溪市人民政府</a></h1></div>"
CRUMB = "<div class='location'>当前位置：<a href='/'>首页</a> &gt; 政务公开 &gt; 通知公告</div>"
HEADLINE = "关于做好2025年冬季供暖保障工作的通知"


def page(title: str, middle: str, head: str = "", tail: str = "") -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>"
        f"{LOGO}{CRUMB}{middle}{BODY}{tail}</body></html>"
    )


def title_of(markup: str) -> str:
    return extract_article(markup, "http://127.0.0.1/a.html").title


@pytest.mark.parametrize(
    "title",
    [
        "云溪市人民政府",
        "北医新闻网_(新闻)",
        "世艺网>艺术教育",
        "新闻动态--中国地理学会官网",
        "通知公告 - 云溪市人民政府门户网站",
        "首页 | 云溪日报",
        "科普中国-辟谣文章",  # short words no rule knows
    ],
)
def test_site_and_column_names_are_recognised(title):
    assert site_name_title(title)


@pytest.mark.parametrize(
    "title",
    [
        HEADLINE + "_云溪市人民政府",
        "云溪市人民政府关于做好2025年冬季供暖保障工作的通知_云溪市人民政府",
        "内蒙古延续部分到期税收优惠政策助企纾困_内蒙古自治区政府门户网站",
        "李简——新外科运动向我们走来",
        "阿里发布最强AI芯片",
        "习近平：奋斗",
        "新年贺词",
        "你好，再见-云溪",
    ],
)
def test_titles_holding_a_headline_are_not_site_names(title):
    assert not site_name_title(title)


def test_site_name_title_takes_the_h1_headline_not_the_logo():
    markup = page("云溪市人民政府", f"<h1 class='article-title'>{HEADLINE}</h1>")
    assert title_of(markup) == HEADLINE


def test_site_name_title_takes_the_article_title_meta():
    full = "云溪市人民政府办公室" + HEADLINE
    head = f"<meta name='ArticleTitle' content='{full}'>"
    assert title_of(page("云溪市人民政府", f"<h1>{HEADLINE}</h1>", head)) == full


def test_a_meta_that_is_itself_the_site_name_yields_to_the_headline():
    head = "<meta property='og:title' content='云溪市人民政府'>"
    markup = page("云溪市人民政府", f"<h1>{HEADLINE}</h1>", head)
    assert title_of(markup) == HEADLINE


def test_title_class_and_lone_bold_line_are_headline_candidates():
    by_class = page(
        "北医新闻网_(新闻)", f"<table><tr><td class='bt_title'>{HEADLINE}</td></tr></table>"
    )
    assert title_of(by_class) == HEADLINE
    bold = page("世艺网>艺术教育", f"<p><strong><br> {HEADLINE}</strong></p>")
    assert title_of(bold) == HEADLINE


def test_headline_plus_site_suffix_keeps_the_title():
    # an <h2> of another text stands before the text, but <title> holds the headline
    markup = page(HEADLINE + "_云溪市人民政府", "<h2>全市供暖保障工作会议召开情况</h2>")
    assert title_of(markup) == HEADLINE


def test_site_name_title_without_a_candidate_keeps_the_title():
    # only the logo, the breadcrumb, a column heading, a link and a byline: none is a headline
    middle = (
        "<h2 class='column-title'>通知公告</h2>"
        "<h3><a href='/zwgk/1.html'>云溪市2025年第三季度重点项目建设进展情况</a></h3>"
        "<div class='info'>发布时间：2025-11-03 09:20　来源：市住建局</div>"
    )
    assert title_of(page("云溪市人民政府", middle)) == "云溪市人民政府"


def test_headings_after_the_text_are_not_taken():
    tail = "<div class='footer'><h3>友情链接与相关网站导航</h3></div>"
    assert title_of(page("云溪市人民政府", "", tail=tail)) == "云溪市人民政府"


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        # a site name after a bare hyphen, in Latin letters or in words no rule knows
        (f"{HEADLINE}-Yunxi Daily Net", f"<h4>{HEADLINE}</h4>"),
        (f"{HEADLINE} - Yunxi Net", f"<h1>{HEADLINE}</h1>"),
        (f"{HEADLINE}-今日头条", f"<h1>{HEADLINE}</h1>"),
        # the page's dash is a hyphen in its <title> (which a share widget repeats)
        ("市场回暖——前4个月外贸向好-今日头条", "<h1>市场回暖——前4个月外贸向好</h1>"),
    ],
)
def test_a_site_name_after_a_hyphen_goes_when_the_page_shows_the_headline(title, shown):
    share = f"<div class='wx-share' style='display:none'>{title}</div>"
    got = title_of(page(title, shown + share))
    assert got == shown.split(">", 1)[1].rsplit("<", 1)[0]


def test_a_headline_with_a_hyphen_shown_whole_is_not_cut():
    title = "2025-2026学年校历发布-云溪大学"
    assert title_of(page(title, "<h1>2025-2026学年校历发布-云溪大学</h1>")) == title


def test_a_title_of_two_short_words_yields_to_the_headline():
    markup = page("科普中国-辟谣文章", f"<div class='rumor-title'>{HEADLINE}</div>")
    assert title_of(markup) == HEADLINE


def _board_page(title: str, crumbs: str, headline: str) -> str:
    paragraphs = "".join(
        f"<p><font size=3>{t}</font></p>"
        for t in (
            "我家楼下的路灯已经坏了一个多月，晚上出行很不方便，老人孩子摔倒过好几次。",
            "多次向物业反映都没有结果，希望有关部门尽快派人维修，谢谢。",
        )
    )
    return (
        f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<table><tr><td class=p2>{crumbs}</td><td>[<a href='/s'>精华区</a>] 版主：</td></tr></table>"
        "<table><tr><td><img src='icon.gif'> <font color=#FFFBB5>"
        f"{headline}</font></td></tr>"
        f"<tr><td><a href='/u/1'>居民甲</a>{paragraphs}"
        "〓 发布时间 2005/05/17 22:11:42 by 居民甲 〓</td></tr></table></body></html>"
    )


def test_a_title_the_breadcrumb_shows_as_a_crumb_names_the_site():
    # a board's <title> is only the site ("网易娱乐"), one crumb of the breadcrumb; the
    # thread's headline stands alone in a <font> in the cell above the post
    page = _board_page(
        "网易娱乐",
        "<a href='/'>网易娱乐</a> &gt; 电影版区 &gt; <a href='/f/18'>居民留言板</a>",
        "小区路灯坏了一个多月无人修",
    )
    assert extract_article(page, "http://127.0.0.1/t.html").title == "小区路灯坏了一个多月无人修"
    # a government column named by its crumb: the same
    column = _board_page(
        "民生诉求",
        "首页 &gt; 互动交流 &gt; 民生诉求",
        "小区路灯坏了一个多月无人修",
    )
    assert extract_article(column, "http://127.0.0.1/t.html").title == "小区路灯坏了一个多月无人修"


def test_an_article_named_like_its_last_crumb_keeps_its_title():
    page = (
        "<html><head><meta charset='utf-8'><title>全市防汛工作会议召开</title></head><body>"
        "<div class='crumbs'>首页 &gt; 要闻 &gt; 全市防汛工作会议召开</div>"
        "<p><b>汛期来临 全市部署防汛工作</b></p>"  # a kicker line standing alone
        "<h1>全市防汛工作会议召开</h1><p><font>会议通报了今年以来全市防汛工作情况。</font></p>"
        "<p>会议要求各部门压实责任，做好汛期值守，确保人民群众生命财产安全。</p></body></html>"
    )
    assert extract_article(page, "http://127.0.0.1/a.html").title == "全市防汛工作会议召开"
