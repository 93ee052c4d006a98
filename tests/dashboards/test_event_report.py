"""舆情专报 (``dashboards/event_report.py``, ``yuqing events report``): one event written up from
the store — its counts, days, sentiment, messages and alerts — as text and as an escaped,
self-contained HTML page (rendered by headless Chromium too)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from click.testing import CliRunner

from tests.dashboards.conftest import NOW, T0
from yuqing.alerts import handling
from yuqing.cli import cli
from yuqing.dashboards import event_report
from yuqing.models import post_time
from yuqing.vocab import NEGATIVE_BELOW

STAFF = handling.Actor("王值班", "staff")


def _posts(store, event):
    return [store.get_post(i) for i in event.post_ids]


def test_the_report_counts_what_the_store_holds(filled):
    cfg, store = filled
    event = store.get_event("ev-wage")
    alert = store.get_alert("a-red-wage")
    handling.respond(
        store, alert, T0, STAFF, "已约谈施工方，承诺月底前结清", "https://gov.example/r/1"
    )
    r = event_report.build(cfg, store, event, NOW, note="建议人社局牵头，一周内回访")
    posts = _posts(store, event)
    assert r.read == len(posts) == r.evidence.messages
    by_day = Counter(post_time(p).astimezone(NOW.tzinfo).date() for p in posts)
    assert r.days == sorted(by_day.items()) and len(r.days) == 7  # the fixture's rising week
    assert r.peak == max(by_day.items(), key=lambda d: (d[1], d[0]))
    negative = sum(p.sentiment < NEGATIVE_BELOW for p in posts)
    assert (r.negative, r.negative + r.neutral + r.positive) == (negative, len(posts))
    assert r.focus == ["工资拖欠"] and r.category == "劳动和社会保障"
    (a,) = r.alerts
    assert (a.id, a.level, a.status, a.departments) == (
        "a-red-wage",
        "red",
        "已签收",
        ["人力社保局"],
    )
    assert a.responses[0]["text"] == "已约谈施工方，承诺月底前结清"

    text = event_report.text(r)
    assert text.startswith("【舆情专报】某建筑工地拖欠农民工工资\n")
    for heading in ("一、事件概况", "二、传播态势", "三、情感倾向", "四、主要诉求与代表性信息",
                    "五、处置情况", "六、研判意见"):  # fmt: skip
        assert heading in text
    assert f"相关信息 {len(posts)} 条" in text
    assert f"峰值 {r.peak[0]:%Y-%m-%d}，{r.peak[1]} 条" in text
    assert "红色预警（规则 hot，" in text and "已签收" in text and "牵头单位：人力社保局" in text
    assert "已约谈施工方，承诺月底前结清 https://gov.example/r/1" in text
    assert text.rstrip().endswith("建议人社局牵头，一周内回访")


def test_crawled_text_is_escaped_and_links_are_http_only(filled, browser, tmp_path):
    cfg, store = filled
    event = store.get_event("ev-water")  # titled EVIL_TITLE, alerted (orange, open)
    post = store.get_post(event.post_ids[0])
    post.url = "javascript:alert(1)"
    store.upsert_post(post)
    r = event_report.build(cfg, store, event, NOW, note='<img src=x onerror="alert(2)">')
    page = event_report.html(r)
    assert "<script>" not in page and "<img src=x" not in page and "javascript:" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page
    text = event_report.text(r)
    assert "\r" not in text and "javascript:" not in text  # control characters and bad links
    assert "尚未预警" not in text and "橙色预警（规则 hot" in text

    out = tmp_path / "report.html"
    out.write_text(page, encoding="utf-8")
    dom = browser.dump_dom(out.as_uri())
    assert "【舆情专报】" in dom and "<script>alert" not in dom
    assert 'id="handling"' in dom and "待签收" in dom


def test_an_event_without_alerts_says_so(filled):
    cfg, store = filled
    event = store.get_event("ev-school")
    store.update_alert("a-yellow-school", event_id="ev-other")  # its only alert, elsewhere
    text = event_report.text(event_report.build(cfg, store, event, NOW))
    assert "五、处置情况\n尚未预警。" in text and "（待值班人员填写）" in text


def test_cli_writes_the_report_for_an_event_or_a_posts_event(filled, tmp_path):
    cfg, store = filled
    post_id = store.get_event("ev-wage").post_ids[-1]

    def yq(*args):
        return CliRunner().invoke(cli, ["--config", str(cfg.dir), *args])

    out = tmp_path / "zb.html"
    r = yq("events", "report", post_id, "--note", "建议约谈", "--html", str(out))
    assert r.exit_code == 0, r.output
    assert r.output.startswith("【舆情专报】某建筑工地拖欠农民工工资") and "建议约谈" in r.output
    assert "<title>【舆情专报】某建筑工地拖欠农民工工资</title>" in out.read_text(encoding="utf-8")
    r = yq("events", "report", "nope")
    assert r.exit_code == 1 and "no event or post 'nope'" in r.output
    r = yq("events", "report", "ev-wage", "--html", str(tmp_path / "missing" / "x.html"))
    assert r.exit_code == 1 and "--html: cannot write" in r.output


def test_messages_per_day_follow_the_configured_time_zone(filled):
    """A message published at 01:30 Beijing time counts on that day, not on the UTC day
    before (17:30 UTC)."""
    cfg, store = filled
    event = store.get_event("ev-wage")
    early = T0.replace(hour=1, minute=30) - timedelta(days=3)
    before = dict(event_report.build(cfg, store, event, NOW).days)
    post = store.get_post(event.post_ids[-1])  # one of the last day's messages
    post.published_at = early
    store.upsert_post(post)
    after = dict(event_report.build(cfg, store, event, NOW).days)
    assert after[early.date()] == before[early.date()] + 1
    assert after.get(early.date() - timedelta(days=1)) == before.get(
        early.date() - timedelta(days=1)
    )
