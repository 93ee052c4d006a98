"""The digest, rendered for real: fixture records in a SQLiteStore -> HTML shown by headless
Chromium (visible text, images, a screenshot kept in var/artifacts/) -> mail at a real SMTP
server on loopback."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from tests.dashboards.conftest import EVIL_TITLE, NOW, REPO, T0, write_config
from yuqing.config import load_config
from yuqing.dashboards import charts
from yuqing.dashboards.digest import archive, build, due_periods, out_dir, run_scheduled_digest
from yuqing.dashboards.digest_data import gather
from yuqing.dashboards.mail import DigestDeliveryError, send
from yuqing.dashboards.period import daily, parse_week
from yuqing.timeutil import parse_iso

ARTIFACTS = REPO / "var" / "artifacts"
TZ = "Asia/Shanghai"


def _day():
    return daily(date(2026, 11, 21), TZ)


def test_numbers(filled):
    cfg, store = filled
    d = gather(cfg, store, _day(), NOW)
    heads = {h.label: (h.value, h.previous) for h in d.headlines}
    assert heads["采集信息"] == (16, 13)
    assert heads["新增预警"] == (2, 1)
    assert {c.channel: c.count for c in d.channels}["message_board"] == 4
    assert [e.id for e in d.hot_events] == ["ev-wage", "ev-water", "ev-school"]
    wage = d.hot_events[0]
    assert wage.alert_status == "acked" and wage.response == "已签收"
    # the sparkline plots the hot index (热度指数) after each day, not posts per day
    stored = store.get_event("ev-wage").hot_history
    assert len(wage.trend) == 7 and wage.trend[-1] == stored[-1][1]
    assert wage.trend == sorted(wage.trend) and wage.trend[0] > 0
    assert d.hot_table == []  # the 热点问题表 is for weekly and monthly digests
    assert [f.name for f in d.focus][:3] == ["营商环境", "房地产金融", "工资拖欠"]
    # an event's 负面度 (0…1, higher = more negative), never a sentiment (−1…1) under its label
    assert wage.negativity == 0.6  # its posts' sentiments −0.8 … −0.4, no stored negativity
    event = store.get_event("ev-water")
    event.negativity = 0.9375  # as the event tracker stores it
    store.upsert_event(event)
    water = next(e for e in gather(cfg, store, _day(), NOW).hot_events if e.id == "ev-water")
    assert water.negativity == 0.94
    page = build(cfg, store, _day(), NOW).html_archive
    assert "负面度 0.94" in page and "负面度 0.60" in page and "· 情感 0.94" not in page
    wage_focus = next(f for f in d.focus if f.id == "wage_arrears")
    assert wage_focus.count == 5 and wage_focus.negativity == -0.6
    assert [a.id for a in d.alerts.overdue] == ["a-orange-water"]
    assert d.alerts.by_level["red"] == 1 and d.alerts.acked_on_time == 1
    issues = {s.source_id: s for s in d.sources}
    # the level the shipped source-health rule raises (蓝色提示), as its alert says
    assert issues["news"].kind == "failing" and issues["news"].level == "blue"
    assert issues["wechat_edu"].kind == "dormant" and issues["wechat_edu"].level == "yellow"
    assert "weibo_env" not in issues


def test_a_failing_sources_badge_is_its_alerts_level(filled):
    """An unhealthy source was [红色] in the digest (failing but healthy: [黄色]) while the
    source-health rule reports it as a 蓝色提示: the badge is the level of the alert raised
    for its current run of failures, else the level the rule raises."""
    from yuqing.models import Alert

    cfg, store = filled
    state = store.get_source_state("news")

    def raised(aid: str, level: str, at):
        store.insert_alert(
            Alert(
                id=aid,
                level=level,
                rule="source-health",
                created_at=at,
                source_id="news",
                departments=["cac"],
                title="信息源异常：温州新闻网",
                evidence={"subject": "source:news:failing"},
            )
        )

    raised("a-old-run", "red", state.last_success_at - timedelta(days=1))  # an earlier run
    badge = {s.source_id: s.level for s in gather(cfg, store, _day(), NOW).sources}
    assert badge["news"] == "blue"
    raised("a-this-run", "orange", T0 - timedelta(hours=1))
    badge = {s.source_id: s.level for s in gather(cfg, store, _day(), NOW).sources}
    assert badge["news"] == "orange"
    text = build(cfg, store, _day(), NOW).text
    assert "[橙色] 温州新闻网" in text, text[text.find("信源运行") :]


def test_a_post_of_another_year_shows_its_year(filled):
    """A hot event's messages were listed as 'MM-DD HH:MM': a message of 2019 collected today
    read as one of this year in the 舆情日报."""
    from dataclasses import replace

    cfg, store = filled
    for pid in store.get_event("ev-wage").post_ids:
        old = store.get_post(pid)
        store.upsert_post(replace(old, published_at=old.published_at.replace(year=2019)))
    page = build(cfg, store, _day(), NOW).html_archive
    assert re.search(r" 2019-\d\d-\d\d \d\d:\d\d</span>", page)
    assert re.search(r" 11-2\d \d\d:\d\d</span>", page)  # this year's: without the year


def test_a_backfill_is_collected_but_not_the_days_news(filled):
    """The first crawl of an old archive (a new source, a board read for the first time)
    collects messages published months ago. They became the day's 热点事件 (本日新增 30 条)
    and 重点信息: the digest took a post for news of the day it was collected. Now a post
    published more than ``digest.backfill_after`` (3 days) before the day is a backfill:
    in 采集信息 and in its event, said in one line, not a hot event nor a notable post."""
    from dataclasses import replace

    from tests.dashboards.conftest import _post

    cfg, store = filled
    day = _day()
    before = gather(cfg, store, day, NOW)
    old = T0 - timedelta(days=200)
    for i in range(30):  # a months-old issue, the hottest of all, collected today
        p = _post(700 + i, "board", "message_board", f"某小区地下车库长期积水（{i}）", old)
        store.upsert_post(
            replace(p, crawled_at=T0, event_id="ev-archive", sentiment=-0.9, keywords=["积水"])
        )
    store.upsert_event(
        replace(
            store.get_event("ev-school"),
            id="ev-archive",
            title="某小区地下车库长期积水",
            size=30,
            hotness=99.0,
            first_seen=old,
            last_seen=old + timedelta(days=20),
            hot_history=[],
        )
    )

    def collected(i, when, eid):  # a post of an event seen today, collected on the day
        p = _post(i, "board", "message_board", f"补充反映（{i}）", when, event_id=eid)
        store.upsert_post(replace(p, crawled_at=T0 + timedelta(hours=1), sentiment=-1.0))
        return p.url

    last_month = collected(800, T0 - timedelta(days=30), "ev-water")  # its old messages too
    edge = day.start - timedelta(days=3)  # published 3 days before the day: still news
    news = collected(801, edge, "ev-school")
    late = collected(802, edge - timedelta(minutes=1), "ev-school")

    d = gather(cfg, store, day, NOW)
    heads = {h.label: h.value for h in d.headlines}
    assert heads["采集信息"] == {h.label: h.value for h in before.headlines}["采集信息"] + 33
    assert heads["新增事件"] == {h.label: h.value for h in before.headlines}["新增事件"]
    assert "ev-archive" not in [e.id for e in d.hot_events]
    period = {e.id: e.period_posts for e in d.hot_events}
    was = {e.id: e.period_posts for e in before.hot_events}
    assert period == was | {"ev-school": was["ev-school"] + 1}
    shown = {r.url for e in d.hot_events for r in e.posts} | {r.url for r in d.notable}
    assert news in {r.url for r in d.notable}  # the most negative news of the day
    assert not shown & {last_month, late} and not any("积水" in r.title for r in d.notable)
    assert d.backfill == 32 and d.backfill_after == "3 天"
    text = build(cfg, store, day, NOW).text
    assert "其中补采的历史信息 32 条（发布早于本期开始 3 天以上）" in text
    assert "某小区地下车库长期积水" not in text
    # the setting decides: a year's grace makes the archive the day's news again
    cfg.settings.digest.backfill_after = timedelta(days=365)
    d = gather(cfg, store, day, NOW)
    assert d.backfill == 0 and d.hot_events[0].id == "ev-archive"
    assert d.hot_events[0].period_posts == 30


def test_empty_day_says_so(filled):
    cfg, store = filled
    r = build(cfg, store, daily(date(2026, 10, 1), TZ), NOW)
    assert "本日无新增舆情" in r.text and "本日无新增舆情" in r.html_archive
    assert r.images == [] and "热点事件" not in r.html_archive


def test_weekly_subject_and_trend(filled):
    cfg, store = filled
    r = build(cfg, store, parse_week("2026-W47", TZ), NOW)
    assert r.subject == "【舆情周报】2026-11-16–2026-11-22"
    assert r.data is not None and len(r.data.days) == 14
    assert "本周新增" in r.text
    table = r.data.hot_table
    assert [row.rank for row in table] == [1, 2, 3]
    assert [row.hot_index for row in table] == sorted((x.hot_index for x in table), reverse=True)
    size = {e.id: e.size for e in r.data.hot_events}
    assert all(0 < row.messages <= size[row.issue_id] for row in table)  # the week's only
    for page in (r.text, r.html_archive):
        assert "热点问题表" in page and table[0].issue_id[:11] in page


def test_monthly_view_shows_the_same_table(filled):
    from yuqing.dashboards.period import parse_month

    cfg, store = filled
    r = build(cfg, store, parse_month("2026-11", TZ), NOW)
    assert r.subject == "【舆情月报】2026-11" and r.period.key == "monthly-2026-11"
    assert r.period.previous().label == "2026-10"
    week = build(cfg, store, parse_week("2026-W47", TZ), NOW)
    month = {x.issue_id: x.messages for x in r.data.hot_table}
    weekly = {x.issue_id: x.messages for x in week.data.hot_table}
    assert set(month) == set(weekly) and all(month[i] >= weekly[i] for i in weekly)
    assert sum(month.values()) == sum(e.size for e in r.data.hot_events)  # all in November
    assert "热点问题表" in r.html_archive and "本月" in r.text


def test_html_escapes_crawled_text(filled):
    cfg, store = filled
    r = build(cfg, store, _day(), NOW)
    for page in (r.html_archive, r.html_mail):
        assert "<script>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;化工厂偷排污水" in page
    assert 'src="cid:volume@yuqing-digest"' in r.html_mail
    assert r.html_archive.count('src="data:image/png;base64,') == len(r.images) == 5


def test_archive_and_index(filled, tmp_path):
    cfg, store = filled
    path = archive(build(cfg, store, _day(), NOW), out_dir(cfg))
    archive(build(cfg, store, parse_week("2026-W47", TZ), NOW), out_dir(cfg))
    assert path == out_dir(cfg) / "2026-11-21.html"
    assert path.with_suffix(".txt").read_text(encoding="utf-8").startswith("【舆情日报】")
    index = (out_dir(cfg) / "index.html").read_text(encoding="utf-8")
    assert 'href="2026-11-21.html"' in index
    assert 'href="weekly-2026-11-16_2026-11-22.html"' in index


def test_rendered_in_chromium(filled, browser):
    cfg, store = filled
    path = archive(build(cfg, store, _day(), NOW), out_dir(cfg))
    dom = browser.dump_dom(path.as_uri())
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", dom, flags=re.S))
    text = html.unescape(text)
    for expected in (
        "舆情日报",
        "2026-11-21",
        "总体态势",
        "采集信息",
        "热点事件",
        "某建筑工地拖欠农民工工资",
        "已签收",
        "重点领域",
        "工资拖欠",
        "预警处置",
        "人力社保局",
        "回应率",
        "信源运行",
        "睡眠号",
        "温州新闻网",
        EVIL_TITLE.split("\r")[0],
    ):
        assert expected in text, expected
    assert len(re.findall(r"<img\b", dom)) == 5
    assert "<script>alert" not in dom
    shot = browser.screenshot(path.as_uri(), ARTIFACTS / "digest.png", width=420, height=2400)
    assert shot.stat().st_size > 20_000


def test_empty_day_in_chromium(filled, browser):
    cfg, store = filled
    path = archive(build(cfg, store, daily(date(2026, 10, 1), TZ), NOW), out_dir(cfg))
    dom = browser.dump_dom(path.as_uri())
    assert "本日无新增舆情" in dom and "<img" not in dom


def test_charts_have_cjk_font_or_fallback():
    png = charts.volume_chart([date(2026, 11, d) for d in range(15, 22)], [1, 2, 3, 4, 5, 6, 7], 1)
    assert png.startswith(b"\x89PNG")
    if charts.cjk_font() is None:
        assert charts.label("工资拖欠", "wage_arrears") == "wage_arrears"
    else:
        assert charts.label("工资拖欠", "wage_arrears") == "工资拖欠"


def _parts(msg):
    return [p.get_content_type() for p in msg.walk()]


def test_mail_arrives(filled, smtp_sink, tmp_path):
    cfg, store = filled
    cfg = load_config(
        write_config(
            tmp_path,
            smtp_port=smtp_sink.port,
            recipients=["duty@cac.gov.example", "lead@gov.example"],
        )
    )
    r = build(cfg, store, _day(), NOW)
    report = send(cfg, r)
    assert report.sent == ["duty@cac.gov.example", "lead@gov.example"]
    assert len(smtp_sink.messages) == 2
    rcpts, msg = smtp_sink.messages[0]
    assert rcpts == ["duty@cac.gov.example"]
    assert msg["Subject"] == "【舆情日报】2026-11-21"
    assert msg["X-Yuqing-Digest"] == "2026-11-21"
    assert msg.get_content_type() == "multipart/alternative"
    types = _parts(msg)
    assert "text/plain" in types and "text/html" in types and "multipart/related" in types
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 5
    html_body = msg.get_body(("html",)).get_content()
    for img in images:
        assert img["Content-ID"].strip("<>") in html_body
        assert img.get_content_disposition() == "inline"
    assert "<script>" not in html_body and "&lt;script&gt;" in html_body
    assert "evil@example.com" not in str(msg["Subject"])
    # idempotent: a second send serves nobody twice; --resend does
    again = send(cfg, r)
    assert again.sent == [] and len(again.skipped) == 2 and len(smtp_sink.messages) == 2
    send(cfg, r, ["duty@cac.gov.example"], resend=True)
    assert len(smtp_sink.messages) == 3
    assert smtp_sink.messages[2][1]["Message-ID"] == msg["Message-ID"]


def test_mail_server_down_reports(filled, tmp_path):
    from tests.dashboards.conftest import free_port

    cfg, store = filled
    cfg = load_config(write_config(tmp_path, smtp_port=free_port()))
    with pytest.raises(DigestDeliveryError) as err:
        send(cfg, build(cfg, store, _day(), NOW))
    assert err.value.report.failed and "duty@cac.gov.example" in str(err.value)


def test_due_periods(filled):
    cfg, _ = filled
    before = due_periods(cfg, NOW.replace(hour=7))  # Sunday 07:00
    after = due_periods(cfg, NOW)  # Sunday 08:30
    assert before[0].key == "2026-11-20" and after[0].key == "2026-11-21"
    assert after[1].key == "weekly-2026-11-09_2026-11-15"  # last Monday's weekly
    monday = due_periods(cfg, NOW.replace(day=23))
    assert monday[1].key == "weekly-2026-11-16_2026-11-22"


def test_scheduled_digest_is_idempotent(filled, smtp_sink, tmp_path):
    _, store = filled
    cfg = load_config(write_config(tmp_path, smtp_port=smtp_sink.port))
    first = run_scheduled_digest(cfg, NOW)
    assert set(first) == {"2026-11-21", "weekly-2026-11-09_2026-11-15"}
    subjects = sorted(m["Subject"] for _, m in smtp_sink.messages)
    assert subjects == ["【舆情周报】2026-11-09–2026-11-15", "【舆情日报】2026-11-21"]
    assert (out_dir(cfg) / "2026-11-21.html").exists()
    second = run_scheduled_digest(cfg, NOW)
    assert set(second.values()) == {"already done"} and len(smtp_sink.messages) == 2


def test_cli_digest(filled, smtp_sink, tmp_path):
    from click.testing import CliRunner

    from yuqing.cli import cli

    _, store = filled
    cdir = write_config(tmp_path, smtp_port=smtp_sink.port)
    runner = CliRunner()
    res = runner.invoke(cli, ["--config", str(cdir), "digest", "--date", "2026-11-21", "--send"])
    assert res.exit_code == 0, res.output
    assert "2026-11-21.html" in res.output and "sent: duty@cac.gov.example" in res.output
    assert len(smtp_sink.messages) == 1
    out = tmp_path / "elsewhere" / "d.html"
    res = runner.invoke(
        cli, ["--config", str(cdir), "digest", "--week", "2026-W47", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.exists() and out.with_suffix(".txt").exists()
    res = runner.invoke(cli, ["--config", str(cdir), "digest", "--date", "21/11/2026"])
    assert res.exit_code == 1 and "not a date" in res.output
    res = runner.invoke(
        cli, ["--config", str(cdir), "digest", "--date", "2026-11-21", "--week", "last"]
    )
    assert res.exit_code == 1 and "one of --date, --week and --month" in res.output
    res = runner.invoke(cli, ["--config", str(cdir), "digest", "--month", "2026-13"])
    assert res.exit_code == 1 and "not a month" in res.output
    res = runner.invoke(cli, ["--config", str(cdir), "digest", "--send", "--to", "duty office"])
    assert (
        res.exit_code == 1 and res.output == "error: --to: not an e-mail address: 'duty office'\n"
    )
    assert len(smtp_sink.messages) == 1  # nothing built or sent


def test_dormant_accounts_follow_the_dormancy_rule(filled):
    """The digest's 睡眠号 list and the dormancy rule share one policy: rules.yaml's options."""
    cfg, store = filled
    (rule,) = [r for r in cfg.rules.rules if r.type == "dormancy"]
    assert rule.options["days"] == 7

    def dormant() -> set[str]:
        return {s.source_id for s in gather(cfg, store, _day(), NOW).sources if s.kind != "failing"}

    assert dormant() == {"wechat_edu"}  # last post 20 days ago
    rule.options = {**rule.options, "days": 21}
    assert dormant() == set()
    rule.options = {**rule.options, "days": 7, "channels": ["weibo"]}
    assert dormant() == set()
    rule.enabled = False  # no rule: the rule type's defaults (7 days, weibo + wechat)
    assert dormant() == {"wechat_edu"}


def test_dormant_account_badge_is_the_level_of_its_warning(filled):
    """A 僵尸号 is not red for its silence alone: the 信源运行 badge is the level of the dormancy
    warning raised for the account — the alert's own level (黄色预警 up to max_warnings
    warnings a year, red after: DOMAIN.md), or the level the rule raises next."""
    from yuqing.alerts.engine import Engine
    from yuqing.models import Alert

    cfg, store = filled
    rule = next(r for r in cfg.rules.rules if r.type == "dormancy")

    def badge(now) -> tuple[str, str]:
        data = gather(cfg, store, daily(now.date(), TZ), now)
        (issue,) = [s for s in data.sources if s.source_id == "wechat_edu"]
        return issue.kind, issue.level

    def warning(now) -> Alert:
        created = Engine(cfg, store).check(now).created
        (alert,) = [a for a in created if a.rule == rule.id and a.source_id == "wechat_edu"]
        return alert

    later = NOW + timedelta(days=15)  # wechat_edu: 35 days without a post
    assert badge(later) == ("zombie", "yellow")  # not warned yet: the rule's next level
    first = warning(later)
    assert first.level == "yellow" and badge(later) == ("zombie", "yellow")
    for k in range(3):  # three warnings of earlier silences within the year
        store.insert_alert(
            Alert(
                id=f"earlier-{k}",
                level="yellow",
                rule=rule.id,
                source_id="wechat_edu",
                created_at=later - timedelta(days=100 + 30 * k),
                evidence={"subject": "source:wechat_edu:dormant"},
            )
        )
    week_on = later + timedelta(days=7)
    assert badge(week_on) == ("zombie", "yellow")  # the warning that stands is yellow
    fifth = warning(week_on)
    assert fifth.level == "red" and badge(week_on) == ("zombie", "red")


def test_an_events_regions_show_the_places_its_posts_name(filled):
    cfg, store = filled
    wage = next(e for e in gather(cfg, store, _day(), NOW).hot_events if e.id == "ev-wage")
    assert wage.regions == ["瓯海区"]  # the posts' sources' region
    for pid in store.get_event("ev-wage").post_ids:
        p = store.get_post(pid)
        if p is not None:
            p.regions_mentioned = ["鹿城区", "温州市"]  # what the text names (nlp/gazetteer.py)
            store.upsert_post(p)
    wage = next(e for e in gather(cfg, store, _day(), NOW).hot_events if e.id == "ev-wage")
    assert wage.regions == ["瓯海区", "鹿城区"]  # the event's, then the first place named


def test_the_days_level_changes_are_listed(filled):
    """研判: each level change made in the period — id, from → to, who, why (escaped, cut
    to REASON_MAX) — in 预警处置; one made after the period is not."""
    from yuqing.alerts import handling
    from yuqing.alerts.engine import Engine
    from yuqing.dashboards.digest_data import REASON_MAX

    cfg, store = filled
    engine = Engine(cfg, store)  # no outbox: the notices are not this test's
    staff = handling.Actor("王值班", "staff")
    reason = "经核实为个案<script>x</script>\n已平息。" + "情况说明" * 30
    at = T0 + timedelta(hours=2)
    handling.relevel(engine, store.get_alert("a-orange-water"), at, staff, "blue", reason)
    handling.relevel(engine, store.get_alert("a-red-wage"), NOW, staff, "orange", "次日研判")
    d = gather(cfg, store, _day(), NOW)
    (c,) = d.alerts.level_changes
    assert (c.id, c.from_level, c.to_level, c.by, c.at) == (
        "a-orange-water",
        "orange",
        "blue",
        "王值班",
        at,
    )
    assert len(c.reason) == REASON_MAX and c.reason.endswith("…")
    r = build(cfg, store, _day(), NOW)
    assert "本日研判调整 1 条：" in r.text
    (line,) = [x for x in r.text.splitlines() if x.startswith("- a-orange-w")]
    assert (
        "：橙色 → 蓝色，研判人 王值班，11-21 11:00，理由：经核实为个案<script>x</script> 已平息。"
        in line
    )
    assert "次日研判" not in r.text
    for page in (r.html_archive, r.html_mail):
        assert (
            "本日研判调整 1 条" in page
            and "理由：经核实为个案&lt;script&gt;x&lt;/script&gt;" in page
        )
        assert "<script>x" not in page
    # a quiet day with nothing but a 研判 still has the section
    day = daily(date(2026, 11, 23), TZ)
    later = parse_iso("2026-11-23T10:00:00+08:00")
    handling.relevel(engine, store.get_alert("a-red-wage"), later, staff, "yellow", "影响有限")
    text = build(cfg, store, day, later + timedelta(hours=1)).text
    assert "本日无新增舆情" in text
    assert "本日研判调整 1 条：" in text and "橙色 → 黄色" in text


def test_alerts_raised_by_hand_are_counted(filled):
    """人工报送: the day's new alerts say how many of them the duty office raised by hand."""
    from yuqing.alerts.engine import Engine
    from yuqing.alerts.handling import Actor
    from yuqing.alerts.manual import raise_alert

    cfg, store = filled
    before = gather(cfg, store, _day(), NOW).alerts
    assert before.manual == 0
    assert "人工报送" not in build(cfg, store, _day(), NOW).text
    event = store.get_event("ev-school")
    raise_alert(
        Engine(cfg, store),
        event,
        T0 + timedelta(hours=3),
        Actor("王值班", "staff"),
        "orange",
        "家长集中反映，请教育局核实",
    )
    after = gather(cfg, store, _day(), NOW).alerts
    assert (after.raised, after.manual) == (before.raised + 1, 1)
    assert after.by_level["orange"] == before.by_level["orange"] + 1
    r = build(cfg, store, _day(), NOW)
    assert "；其中人工报送 1 条。" in r.text
    assert all("其中人工报送 1 条" in page for page in (r.html_archive, r.html_mail))


def test_the_places_section_counts_where_the_posts_are_about(filled):
    """地区: each post once, under the most specific place it names (a township with its
    district in front), else its source's region; the top 10, the rest as 其他, the posts with
    no place as 未标注 — each against the day before."""
    cfg, store = filled
    day = _day()
    todays = sorted(
        store.find_posts(day.start, day.end, axis="collected", closed="left"), key=lambda p: p.id
    )
    assert len(todays) == 16
    others = ["景山街道", "南白象街道", "茶山街道", "娄桥街道", "新桥街道", "三垟街道", "瞿溪街道"]
    plan = (
        [("瓯海区", ["泽雅镇"])] * 3  # a township of the source's district
        + [(None, ["瓯海区", "梧田街道"])] * 2  # named with its district
        + [("瓯海区", ["温州市"]), ("瓯海区", [])]  # its city only / nothing: the source's region
        + [(None, ["城关镇"])]  # 88 places of that name: the name alone
        + [(None, [])]  # no place, no region
        + [("瓯海区", [town]) for town in others]
    )
    for p, (region, named) in zip(todays, plan, strict=True):
        p.region, p.regions_mentioned = region, named
        store.upsert_post(p)
    d = gather(cfg, store, day, NOW)
    rows = [(r.label, r.value) for r in d.places]
    assert rows[:3] == [("瓯海区泽雅镇", 3), ("瓯海区", 2), ("瓯海区梧田街道", 2)]
    assert len(rows) == 12 and rows[-2:] == [("其他 1 处", 1), ("未标注", 1)]
    assert sum(n for _, n in rows) == 16 == d.headlines[0].value
    yesterday = store.find_posts(
        day.start - timedelta(days=1), day.start, axis="collected", closed="left"
    )
    district = next(r for r in d.places if r.label == "瓯海区")
    assert district.previous == sum(p.region == "瓯海区" for p in yesterday) > 0
    r = build(cfg, store, day, NOW)
    section = r.text[r.text.index("六、地区与来源") :]
    assert "- 瓯海区泽雅镇：3 / 0 / 新增" in section
    assert f"- 瓯海区：2 / {district.previous} / {district.change_text}" in section
    assert "- 城关镇：1 / 0 / 新增" in section and "- 未标注：1 / " in section
    page = r.html_archive
    table = page[
        page.index('class="places"') : page.index("</table>", page.index('class="places"'))
    ]
    assert table.count("<tr>") == 13 and "瓯海区泽雅镇" in table and "其他 1 处" in table
