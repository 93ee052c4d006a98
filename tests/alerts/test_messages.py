"""Alert messages a liaison can act on: evidence read back from the store, Chinese level
names, deadlines, and one signed link per recipient — delivered to a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.alerts.conftest import HOT, T0, make_event, make_post
from yuqing.alerts.links import LinkError, LinkSigner
from yuqing.alerts.workflow import due

SECRET = "test-secret-0123456789abcdef"


@pytest.fixture
def rig(make_rig, monkeypatch):
    monkeypatch.setenv("YUQING_CONSOLE_SECRET", SECRET)
    rig = make_rig([{**HOT, "level": "yellow", "departments": ["hrss", "construction"]}])
    rig.cfg.settings.console.base_url = "http://console.test:8765"
    posts = [
        make_post(
            i,
            title=f"欠薪问题第{i}条<script>alert({i})</script>",
            text=f"农民工工资拖欠 {i} 个月，" * 3,
            when=T0 - timedelta(hours=8 - i),
            author=f"user{i % 4}",
            engagement={"likes": 100 if i == 2 else i},
            sentiment=-0.8 if i % 3 else 0.2,
            event_id="e1",
            region="临海市",
            url=f"http://127.0.0.1/board/{i}" if i != 7 else "javascript:alert(7)",
        )
        for i in range(8)
    ]
    for p in posts:
        rig.store.upsert_post(p)
    event = make_event(
        "e1",
        size=8,
        focus=["wage_arrears"],
        title="某工地拖欠农民工工资",
        anchors=["城东工地"],
        groups=["农民工"],
        authors=6,  # the event counts authors over all its messages
    )
    event.post_ids = [p.id for p in posts]
    rig.store.upsert_event(event)
    rig.posts = posts
    return rig


def _mail(sink, recipient):
    return [m for rcpts, m in sink.messages if recipient in rcpts]


def test_email_shows_evidence_deadlines_chinese_level_and_signed_links(rig, smtp_sink):
    result, report = rig.check_and_deliver(T0)
    (alert,) = result.created
    assert report.sent >= 1
    lead = rig.cfg.department(alert.departments[0])
    (msg,) = _mail(smtp_sink, lead.emails[0])
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert "黄色预警" in body and "yellow" not in body
        assert "某工地拖欠农民工工资" in body
        assert "yuqing alerts" not in body  # no CLI commands for liaisons
        ack_due = due(rig.store.get_alert(alert.id), rig.settings, "ack")
        assert ack_due.strftime("%Y-%m-%d %H:%M") in body  # 签收时限 = delivery + 24h
        assert "办结时限" in body and "签收时限" in body
        assert "8 条" in body and "6 位发布者" in body
        assert "城东工地" in body and "农民工" in body
        assert "负面 62%（5/8）" in body
        assert "及其他 3 条" in body
    # top five: most liked first, then newest; links to the originals
    order = [int(n) for n in re.findall(r"欠薪问题第(\d)条", text)]
    assert order[:5] == [2, 7, 6, 5, 4]
    assert "http://127.0.0.1/board/2" in html and 'href="http://127.0.0.1/board/2"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    # the recipient's own signed link, bound to the alert and the department
    links = re.findall(r"http://console\.test:8765/r/(\w+)/([\w.-]+)", text)
    assert links and all(aid == alert.id for aid, _ in links)
    signer = LinkSigner(SECRET, 30 * 86400)
    claims = signer.verify(links[0][1], alert.id, T0)
    assert claims.department == lead.id and claims.recipient == lead.emails[0]
    assert f"/r/{alert.id}/{links[0][1]}?do=ack" in text
    with pytest.raises(LinkError) as err:
        signer.verify(links[0][1], alert.id, T0 + timedelta(days=31))
    assert err.value.reason == "expired"


def test_each_recipient_gets_a_different_link(rig, smtp_sink):
    rig.check_and_deliver(T0)
    tokens = {}
    for rcpts, m in smtp_sink.messages:
        text = m.get_body(("plain",)).get_content()
        tokens[rcpts[0]] = re.search(r"/r/\w+/([\w.-]+)", text).group(1)
    assert len(tokens) >= 2 and len(set(tokens.values())) == len(tokens)


def test_without_console_no_links_but_evidence(rig, smtp_sink, monkeypatch):
    monkeypatch.delenv("YUQING_CONSOLE_SECRET")
    rig.check_and_deliver(T0)
    text = smtp_sink.messages[0][1].get_body(("plain",)).get_content()
    assert "/r/" not in text and "网信办值班室" in text and "主要信息" in text


def test_dormant_account_alert_names_the_account_and_its_last_post(make_rig, smtp_sink):
    from yuqing.storage.base import SourceState

    src = {
        "id": "wb",
        "kind": "feed",
        "urls": ["http://127.0.0.1/weibo.xml"],
        "name": "某县发布",
        "channel": "weibo",
        "owner": "bigdata",
    }
    rig = make_rig([{"id": "sleep", "type": "dormancy", "level": "yellow"}], sources=[src])
    rig.store.upsert_post(
        make_post(
            1, title="最后一条微博", source_id="wb", channel="weibo", when=T0 - timedelta(days=20)
        )
    )
    rig.store.save_source_state(SourceState("wb", last_success_at=T0, last_crawl_at=T0))
    result, _ = rig.check_and_deliver(T0)
    assert result.created
    (msg,) = _mail(smtp_sink, "yuqing@bigdata.gov.example")
    text = msg.get_body(("plain",)).get_content()
    assert "账号：某县发布（政务微博）" in text
    assert "最后一条微博" in text and (T0 - timedelta(days=20)).strftime("%Y-%m-%d") in text


def test_a_failing_portal_is_named_a_source_not_an_account(make_rig, smtp_sink):
    """A source-health alert for a portal called it an 账号 (a new-media account) in the
    message: a website or a message board is a 信息源."""
    from yuqing.storage.base import SourceState

    src = {
        "id": "portal",
        "kind": "html",
        "urls": ["http://127.0.0.1/news/"],
        "name": "某县人民政府门户网站",
        "channel": "portal",
        "owner": "bigdata",
    }
    rig = make_rig([{"id": "health", "type": "source_health", "level": "blue"}], sources=[src])
    rig.store.save_source_state(
        SourceState("portal", last_crawl_at=T0, consecutive_failures=3, healthy=False)
    )
    result, _ = rig.check_and_deliver(T0)
    assert result.created
    (msg,) = _mail(smtp_sink, "yuqing@bigdata.gov.example")
    text = msg.get_body(("plain",)).get_content()
    assert "信息源：某县人民政府门户网站（政府门户）" in text and "账号：" not in text
    assert '<th align="left">信息源</th>' in msg.get_body(("html",)).get_content()


def test_a_source_alert_reads_the_newest_post_without_scanning_the_source(
    make_rig, smtp_sink, monkeypatch
):
    """Rendering a source alert (each message, each console view) read every post of the
    source to find its newest: a board's years of messages per e-mail. The store's index
    answers it; the newest post is the same."""
    from yuqing.storage.base import SourceState

    src = {"id": "wb", "kind": "feed", "urls": ["http://127.0.0.1/w.xml"], "channel": "weibo"}
    rig = make_rig([{"id": "sleep", "type": "dormancy", "level": "yellow"}], sources=[src])
    for i, days in enumerate((40, 20, 30)):
        when = T0 - timedelta(days=days)
        rig.store.upsert_post(make_post(i, title=f"第{days}天前", source_id="wb", when=when))
    rig.store.save_source_state(SourceState("wb", last_success_at=T0, last_crawl_at=T0))

    def scan(*args, **kwargs):
        raise AssertionError("iter_posts: the whole source read for one message")

    monkeypatch.setattr(type(rig.store), "iter_posts", scan)
    result, _ = rig.check_and_deliver(T0)
    assert result.created
    text = smtp_sink.messages[0][1].get_body(("plain",)).get_content()
    assert "最后一次发布：" + (T0 - timedelta(days=20)).strftime("%Y-%m-%d") in text
    assert "第20天前" in text


def test_a_dormancy_preview_counts_the_warning_it_shows_once(make_rig, smtp_sink):
    """``yuqing alerts test`` (the dry run) after a check counted the warning raised in this
    window among the earlier ones: it previewed 第 2 次提醒 for the first warning — and, one
    short of the escalation, a red alert that the next real check then raised as well."""
    from yuqing.storage.base import SourceState

    src = {"id": "wb", "kind": "feed", "urls": ["http://127.0.0.1/w.xml"], "channel": "weibo"}
    sleep = {"id": "sleep", "type": "dormancy", "level": "yellow", "window": "7d"}
    rig = make_rig([{**sleep, "options": {"max_warnings": 1}}], sources=[src])
    rig.store.upsert_post(
        make_post(1, source_id="wb", channel="weibo", when=T0 - timedelta(days=9))
    )
    rig.store.save_source_state(SourceState("wb", last_success_at=T0, last_crawl_at=T0))
    preview = rig.engine().evaluate(T0)
    (first,) = rig.engine().check(T0).created
    assert [d.match.summary for d in preview] == [first.summary]
    assert "第 1 次提醒" in first.summary and first.level == "yellow"
    for later in (T0 + timedelta(hours=1), T0 + timedelta(days=1)):  # the same warning stands
        (d,) = rig.engine().evaluate(later)
        assert d.stored == first.id and d.level == "yellow", d.match.summary
        assert "第 1 次提醒" in d.match.summary and d.match.evidence["warning_number"] == 1
        assert not rig.engine().check(later).created
    # a week on, still silent: the second warning, red past max_warnings
    (second,) = rig.engine().check(T0 + timedelta(days=8)).created
    assert second.level == "red" and "第 2 次提醒" in second.summary
    (d,) = rig.engine().evaluate(T0 + timedelta(days=8, hours=2))
    assert d.stored == second.id and "第 2 次提醒" in d.match.summary
