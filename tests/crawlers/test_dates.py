from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from yuqing.crawlers.extraction import find_publish_datetime, parse_datetime

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
