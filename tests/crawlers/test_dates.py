from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from yuqing.crawlers.extraction import extract_article, find_publish_datetime, parse_datetime

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-08-20 22:57", datetime(2021, 8, 20, 22, 57)),
        ("2021-08-20 22:57:13", datetime(2021, 8, 20, 22, 57, 13)),
        ("2021/8/20 8:48:17", datetime(2021, 8, 20, 8, 48, 17)),
        ("2020年7月10日", datetime(2020, 7, 10)),
        ("2020年7月10日 09:50", datetime(2020, 7, 10, 9, 50)),
        ("发布日期：2020-07-10 09:50", datetime(2020, 7, 10, 9, 50)),
        ("发布时间:2020-07-10", datetime(2020, 7, 10)),
        ("2020-07-10T09:50:00+08:00", datetime(2020, 7, 10, 9, 50)),
        ("2020-07-10T01:50:00Z", datetime(2020, 7, 10, 9, 50)),
        ("Fri, 10 Jul 2020 09:50:00 +0800", datetime(2020, 7, 10, 9, 50)),
        ("Fri, 10 Jul 2020 01:50:00 GMT", datetime(2020, 7, 10, 9, 50)),
        ("1594345800", datetime(2020, 7, 10, 9, 50)),
        ("1594345800000", datetime(2020, 7, 10, 9, 50)),
        ("20200710", datetime(2020, 7, 10)),
        ("2020710", datetime(2020, 7, 10)),
        ("2007-08-20-23:59:59", datetime(2007, 8, 20, 23, 59, 59)),  # www.gov.cn's meta
    ],
)
def test_parse_datetime_formats(text, expected):
    got = parse_datetime(text)
    assert got is not None and got.tzinfo is not None
    assert got == expected.replace(tzinfo=SH)
    assert got.utcoffset().total_seconds() == 8 * 3600


@pytest.mark.parametrize(
    "text",
    ["2020-13-01", "2020-02-30", "1850-01-01", "2999-01-01", "© 2008-2024", "", "明天", None],
)
def test_parse_datetime_rejects_impossible(text):
    assert parse_datetime(text) is None


def test_other_timezone():
    assert parse_datetime("2020-07-10 09:50", tz="UTC").isoformat() == "2020-07-10T09:50:00+00:00"


def test_find_publish_prefers_labelled_over_footer_and_related():
    page = """<html><head><title>标题</title></head><body>
    <div class="top">今天是2024年1月1日</div>
    <h1>标题</h1><div class="info">来源：县政府办 发布时间：2020-07-10 09:50:13</div>
    <p>正文里提到2019年3月1日的事情。</p>
    <ul><li><a>相关文章</a>2018-01-01</li></ul>
    <div class="footer">Copyright © 2008-2024 版权所有 2024-01-01</div></body></html>"""
    assert find_publish_datetime(page) == datetime(2020, 7, 10, 9, 50, 13, tzinfo=SH)


def test_find_publish_uses_meta_then_first_date_after_title():
    meta = '<meta name="PubDate" content="2020-07-10 09:50"><h2>题目</h2><p>2021-01-01</p>'
    assert find_publish_datetime(meta) == datetime(2020, 7, 10, 9, 50, tzinfo=SH)
    og = '<meta property="article:published_time" content="2020-07-10T01:50:00Z"><p>x</p>'
    assert find_publish_datetime(og) == datetime(2020, 7, 10, 9, 50, tzinfo=SH)
    plain = "<title>某通知</title><div>2019-01-01 导航</div><h1>某通知</h1><span>2020-07-10 09:50</span>"
    assert find_publish_datetime(plain) == datetime(2019, 1, 1, tzinfo=SH)
    assert find_publish_datetime(plain, title="某通知") == datetime(2020, 7, 10, 9, 50, tzinfo=SH)


def test_find_publish_ignores_reply_time_and_handles_text():
    text = "留言标题\n噪音扰民\n回复时间：2020-08-01 10:00\n留言时间：2020-07-10 09:50:00"
    assert find_publish_datetime(text) == datetime(2020, 7, 10, 9, 50, tzinfo=SH)
    assert find_publish_datetime("没有日期的页面 © 2008-2024") is None
    assert find_publish_datetime("") is None


def test_find_publish_reads_wechat_epoch_behind_a_relative_time():
    page = (
        "<html><body><h1>标题</h1><em id='publish_time'>昨天</em><p>正文内容。</p>"
        '<script>var ct = "1717381800";</script></body></html>'
    )
    assert find_publish_datetime(page, title="标题") == datetime(2024, 6, 3, 10, 30, tzinfo=SH)


def test_find_publish_ignores_licence_numbers_and_falls_back_to_modified_meta():
    footer = "<div>增值电信业务经营许可证 浙B2-20181004</div>"
    page = f"<html><body><h1>标题</h1><p>正文内容。</p>{footer}</body></html>"
    assert find_publish_datetime(page, title="标题") is None
    meta = '<meta itemprop="dateUpdate" content="2024-04-26 09:32:15">'
    page = page.replace("<body>", f"<head>{meta}</head><body>")
    assert find_publish_datetime(page, title="标题") == datetime(2024, 4, 26, 9, 32, 15, tzinfo=SH)


# ----------------------------------------------- publish-time rules from real pages (fixtures ours)


def test_a_bare_date_yields_to_a_time_of_that_day_from_another_source():
    # a 政务 portal: the byline shows the day only, the PubDate <meta> has the minute
    page = (
        '<html><head><meta name="PubDate" content="2024-05-13 09:53"></head><body>'
        "<h1>关于开展安全检查的通知</h1><span>发布日期：2024-05-13</span><p>正文内容。</p></body></html>"
    )
    assert find_publish_datetime(page, title="关于开展安全检查的通知") == datetime(
        2024, 5, 13, 9, 53, tzinfo=SH
    )
    # the minute only in an attribute of the article's wrapper
    page = (
        '<html><body><div id="main" data-ptime="2024-05-13 20:02:46"><h1>标题</h1>'
        "<span>2024-05-13</span><p>正文内容。</p></div></body></html>"
    )
    assert find_publish_datetime(page, title="标题") == datetime(2024, 5, 13, 20, 2, 46, tzinfo=SH)
    # a time of another day lends nothing to the labelled day
    page = page.replace('data-ptime="2024-05-13', 'data-ptime="2024-05-12')
    page = page.replace("<span>2024", "<span>发布日期：2024")
    assert find_publish_datetime(page, title="标题") == datetime(2024, 5, 13, tzinfo=SH)


def test_publish_keys_in_scripts_json_ld_and_page_state():
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"headline": "县里召开会议", "datePublished": "2024-03-02T08:15:00+08:00"}</script>'
    )
    page = f"<html><head>{ld}</head><body><h1>县里召开会议</h1><p>正文。</p></body></html>"
    assert find_publish_datetime(page, title="县里召开会议") == datetime(
        2024, 3, 2, 8, 15, tzinfo=SH
    )
    # a page state listing other articles: only the object holding the headline counts
    state = (
        '<script>window.__STATE__ = {"news": [{"title": "别的新闻", '
        '"publishDate": "2024-03-01T05:51:23.000Z"}], "topic": {"publishDate": '
        '"2024-03-02T00:31:40.109Z", "title": "县里 召开会议"}};</script>'
    )
    page = f"<html><head>{state}</head><body><h1>县里召开会议</h1><p>正文。</p></body></html>"
    assert find_publish_datetime(page, title="县里召开会议") == datetime(
        2024, 3, 2, 8, 31, 40, 109000, tzinfo=SH
    )
    # several different times and none beside the headline: not trusted, the page's date is
    no_topic = state.replace('"title": "县里 召开会议"', '"title": "又一条"')
    page = (
        f"<html><head>{no_topic}</head><body><h1>县里召开会议</h1><span>2024-03-04</span>"
        "<p>正文。</p></body></html>"
    )
    assert find_publish_datetime(page, title="县里召开会议") == datetime(2024, 3, 4, tzinfo=SH)


def test_the_time_shown_beats_a_structured_time_minutes_apart():
    page = (
        '<html><head><meta property="article:published_time" content="2024-12-28T19:56:29+08:00">'
        "</head><body><h1>标题</h1><div><span class='date'>2024年12月28日 19:55</span>"
        "<span>来源：某报</span></div><p>正文内容。</p></body></html>"
    )
    assert find_publish_datetime(page, title="标题") == datetime(2024, 12, 28, 19, 55, tzinfo=SH)
    # on another day the page's unlabelled date is more likely something else: the meta wins
    other = page.replace("2024年12月28日 19:55", "2024年12月20日 19:55")
    assert find_publish_datetime(other, title="标题") == datetime(
        2024, 12, 28, 19, 56, 29, tzinfo=SH
    )


def test_dates_told_in_the_text_are_not_the_publish_time():
    # a 招生简章 showing no publish time: its 报名日期 sentence is not one
    page = (
        "<html><body><h1>2025年博士生招生简章</h1><p>一、招生专业：见下表。</p>"
        "<p>四、报名日期、地点：</p>"
        "<p>1、报名日期为2024年11月1日至2024年11月30日，外地考生可以提前函报。</p>"
        "<p>2、初试时间：2025年3月底。</p></body></html>"
    )
    assert find_publish_datetime(page, title="2025年博士生招生简章") is None
    # a label with its date right after it still counts
    labelled = page.replace("<p>一、", "<div>日期：2024-10-20</div><p>一、")
    assert find_publish_datetime(labelled, title="2025年博士生招生简章") == datetime(
        2024, 10, 20, tzinfo=SH
    )


def test_a_publish_label_beats_an_update_label():
    page = (
        "<html><body><h1>标题</h1><div>更新时间：2024-06-03 17:00 发布时间：2024-06-01 09:30</div>"
        "<p>正文内容。</p></body></html>"
    )
    assert find_publish_datetime(page, title="标题") == datetime(2024, 6, 1, 9, 30, tzinfo=SH)
    only_update = page.replace(" 发布时间：2024-06-01 09:30", "")
    assert find_publish_datetime(only_update, title="标题") == datetime(
        2024, 6, 3, 17, 0, tzinfo=SH
    )


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("3小时前", datetime(2024, 6, 3, 7, 20)),
        ("25分钟前", datetime(2024, 6, 3, 9, 55)),
        ("2天前", datetime(2024, 6, 1)),
        ("昨天 18:05", datetime(2024, 6, 2, 18, 5)),
        ("刚刚", datetime(2024, 6, 3, 10, 20)),
        ("05-30 12:00", datetime(2024, 5, 30, 12, 0)),
        ("12-30 12:00", datetime(2023, 12, 30, 12, 0)),  # a year-less future day: last year
    ],
)
def test_relative_and_year_less_byline_times_against_the_crawl_time(shown, expected):
    crawl = datetime(2024, 6, 3, 10, 20, 30, tzinfo=SH)
    page = f"<html><body><h1>标题</h1><div>{shown} 来源：某号</div><p>正文内容。</p></body></html>"
    assert find_publish_datetime(page, title="标题", now=crawl) == expected.replace(tzinfo=SH)


def test_relative_times_in_the_text_and_absolute_dates_come_first():
    crawl = datetime(2024, 6, 3, 10, 20, tzinfo=SH)
    page = (
        "<html><body><h1>标题</h1><div>2024-06-01 08:00</div><div>3小时前</div>"
        "<p>正文内容。</p></body></html>"
    )
    assert find_publish_datetime(page, title="标题", now=crawl) == datetime(
        2024, 6, 1, 8, 0, tzinfo=SH
    )
    prose = "<html><body><h1>标题</h1><p>他说3小时前就到了，一直在等。</p></body></html>"
    assert find_publish_datetime(prose, title="标题", now=crawl) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://www.example.gov.cn/zwgk/202405/t20240513_123456.html",
        "https://news.example.com/2024-05-13/doc-abc.shtml",
        "https://example.com/a/2024/05/13/1234.html",
    ],
)
def test_the_day_in_the_url_is_the_last_resort(url):
    page = "<html><body><h1>标题</h1><p>正文内容。</p></body></html>"
    assert find_publish_datetime(page, title="标题", url=url) == datetime(2024, 5, 13, tzinfo=SH)
    dated = page.replace("<p>", "<div>2024-05-14 08:00</div><p>")
    assert find_publish_datetime(dated, title="标题", url=url) == datetime(
        2024, 5, 14, 8, 0, tzinfo=SH
    )
    # a number that only looks like a day is not one
    assert find_publish_datetime(page, title="标题", url="http://x.cn/a/202405139.html") is None


def test_extract_article_passes_the_page_url_on():
    page = (
        "<html><head><title>标题</title></head><body><h1>标题</h1><p>正文内容。</p></body></html>"
    )
    got = extract_article(page, "http://www.example.gov.cn/zwgk/202405/t20240513_123456.html")
    assert got.published_at == datetime(2024, 5, 13, tzinfo=SH)


def test_the_unlabelled_date_is_looked_for_near_the_title_only():
    # a long article showing no date, then a list of other articles with theirs: none of
    # those is this article's publish time
    prose = "".join(
        f"<p>第{i}段，会议要求各部门抓好落实，确保各项任务按期完成。</p>" for i in range(150)
    )
    related = "<ul><li><a href='/1'>另一条新闻</a> 2024-05-20</li></ul>"
    page = f"<html><body><h1>标题</h1>{prose}{related}</body></html>"
    assert find_publish_datetime(page, title="标题") is None


def test_a_time_shown_relatively_is_read_from_its_elements_attribute():
    # forums and boards show "1周前" and keep the full time in the element's title or
    # data-tooltip: the first relative time after the headline is the post's
    crawl = datetime(2024, 5, 20, 10, 0, tzinfo=SH)
    notices = '<div class="top"><span title="2024-05-19 08:00:00">1天前</span> 系统通知</div>'
    post = (
        "<h1>小区门口路灯不亮</h1>"
        '<div class="meta">张三 · 发布于 <span title="2024-05-13 18:25:18">1周前</span></div>'
        "<p>小区门口的路灯坏了一个多月，晚上出行很不方便，希望有关部门尽快维修。</p>"
        '<div class="reply">李四 <span title="2024-05-14 09:41:43">6天前</span><p>同感。</p></div>'
    )
    page = f"<html><body>{notices}{post}</body></html>"
    assert find_publish_datetime(page, title="小区门口路灯不亮", now=crawl) == datetime(
        2024, 5, 13, 18, 25, 18, tzinfo=SH
    )
    day_only = page.replace(
        '<span title="2024-05-13 18:25:18">1周前</span>',
        '<abbr class="timeago" title="2024年05月13日">1 周前</abbr>',
    )
    assert find_publish_datetime(day_only, title="小区门口路灯不亮", now=crawl) == datetime(
        2024, 5, 13, tzinfo=SH
    )
    # the post's relative time without a full one: not the reply's full time below it
    bare = page.replace('<span title="2024-05-13 18:25:18">1周前</span>', "<span>1周前</span>")
    assert find_publish_datetime(bare, title="小区门口路灯不亮", now=crawl) != datetime(
        2024, 5, 14, 9, 41, 43, tzinfo=SH
    )
    # a Discuz thread: the post's time shown in full, a reply's relatively below it
    thread = (
        "<html><body><h1>小区门口路灯不亮</h1>"
        "<div class='authi'><em>发表于 2024-5-13 18:25:18</em> | 只看该作者</div>"
        "<p>小区门口的路灯坏了一个多月，晚上出行很不方便，希望有关部门尽快维修。</p>"
        "<div class='authi'><em>发表于 <span title='2024-5-14 09:41:43'>6&nbsp;天前</span></em>"
        "</div><p>同感。</p></body></html>"
    )
    assert find_publish_datetime(thread, title="小区门口路灯不亮", now=crawl) == datetime(
        2024, 5, 13, 18, 25, 18, tzinfo=SH
    )


def test_weibos_two_digit_year_is_read_as_a_whole_line_only():
    """Weibo shows a post of an earlier year as ``24-5-13 17:07`` under the account's name: a
    line of its own is that time; a two-digit year anywhere else (a score, an article number,
    text) is none."""
    page = (
        "<html><body><div>头条新闻</div><a class='head-info_time'> 24-5-13 17:07 </a>"
        "<div>来自 微博发布平台专业版</div>"
        "<div>【阜阳市人民政府新闻办公室通报】5月13日上午，中……</div></body></html>"
    )
    assert find_publish_datetime(page) == datetime(2024, 5, 13, 17, 7, tzinfo=SH)
    assert parse_datetime("24-5-13 17:07") == datetime(2024, 5, 13, 17, 7, tzinfo=SH)
    for text in ("比分 24-5-13 17:07 结束", "文号 24-5-13", "24-5-13", "99-13-40 10:00"):
        assert parse_datetime(text) is None, text
