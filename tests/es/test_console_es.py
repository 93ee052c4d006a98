"""The response console on the Elasticsearch backend: the liaison's loop through the link
from the e-mail, staff metrics, and label feedback, against a real node."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from tests.console.conftest import EVIL, SECRET, ConsoleRig, form_csrf
from tests.es.helpers import make_store
from tests.servers import smtp_sink  # noqa: F401 - the shared fixture

HRSS = "yuqing@hrss.gov.example"


@pytest.fixture
def rig(tmp_path, smtp_sink, monkeypatch, es_url, es_prefix):  # noqa: F811
    monkeypatch.setenv("YUQING_CONSOLE_SECRET", SECRET)
    r = ConsoleRig(
        tmp_path,
        smtp_sink,
        store_factory=lambda cfg: make_store(es_url, es_prefix, tmp_path / "spool.db"),
    ).start()
    yield r
    r.close()


def test_liaison_loop_metrics_and_feedback_on_elasticsearch(rig):
    link = rig.link(HRSS)
    page = requests.get(link)
    assert page.status_code == 200 and "工地拖欠工资" in page.text
    csrf = form_csrf(page.text)
    assert requests.post(f"{link}/ack", data={"csrf": csrf}).status_code == 200
    rig.clock.at += timedelta(hours=1)
    r = requests.post(f"{link}/respond", data={"csrf": csrf, "url": "https://gov.example/r/9"})
    assert r.status_code == 200
    r = requests.post(f"{link}/resolve", data={"csrf": csrf, "outcome": "已办结"})
    assert r.status_code == 200 and "已办结" in r.text
    rig.store.flush()
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.status == "resolved" and alert.responded_at == rig.clock.at
    assert [h["action"] for h in alert.evidence["history"]] == ["ack", "respond", "resolve"]

    s = rig.login()
    metrics = s.get(f"{rig.base}/departments")
    assert (
        '<td class="response-rate">100%</td><td class="precision-rate">100%</td>'
        '<td class="resolve-rate">100%</td>'
    ) in metrics.text
    pid = rig.store.get_event("e1").post_ids[0]
    post = s.get(f"{rig.base}/posts/{pid}")
    r = s.post(
        f"{rig.base}/posts/{pid}/feedback",
        data={"csrf": form_csrf(post.text), "negative": "no", "note": "误判"},
    )
    assert r.status_code == 200
    rig.store.flush()
    (fb,) = rig.store.iter_feedback()
    assert fb.post_id == pid and fb.negative is False


def test_staff_level_change_on_elasticsearch(rig):
    """研判 on the Elasticsearch backend: the alert document's ``level`` (what Kibana and
    the export read) is the new level, the heads the engine picks standing alerts by too;
    the history keeps the original."""
    s = rig.login()
    page = s.get(f"{rig.base}/alerts/{rig.alert.id}")
    r = s.post(
        f"{rig.base}/alerts/{rig.alert.id}/relevel",
        data={"csrf": form_csrf(page.text), "level": "orange", "reason": "涉及人数增加"},
    )
    assert r.status_code == 200 and "已调整等级为橙色预警" in r.text
    rig.store.flush()
    alert = rig.store.get_alert(rig.alert.id)
    assert alert.level == "orange" and alert.contract_dict()["level"] == "orange"
    assert alert.evidence["original_level"] == "yellow"
    assert [(h["from"], h["to"]) for h in alert.evidence["history"]] == [("yellow", "orange")]
    heads = [h for h in rig.store.iter_alert_heads() if h.id == rig.alert.id]
    assert [h.level for h in heads] == ["orange"]


def test_manual_alert_report_and_status_on_elasticsearch(rig):
    """人工报送 from the event page, the events list, the 舆情专报 and yuqing status's
    figures, all reading a real node."""
    from tests.console.conftest import quiet_event
    from yuqing.app.health import status

    quiet_event(rig)
    s = rig.login()
    csrf = form_csrf(s.get(f"{rig.base}/events/e2").text)
    before = len(rig.sink.messages)
    r = s.post(
        f"{rig.base}/events/e2/raise", data={"csrf": csrf, "level": "orange", "note": "请核实"}
    )
    assert r.status_code == 200 and "已报送橙色预警" in r.text
    rig.store.flush()
    (a,) = [a for a in rig.store.iter_alerts() if a.event_id == "e2"]
    assert a.rule == "manual" and len(rig.sink.messages) > before
    r = s.post(f"{rig.base}/events/e2/raise", data={"csrf": csrf, "level": "red", "note": "x"})
    assert r.status_code == 409 and a.id in r.text  # the standing alert, read from the node
    events = s.get(f"{rig.base}/events").text
    assert f'href="/alerts/{a.id}"' in events
    report = s.get(f"{rig.base}/events/e2/report").text
    assert "人工报送" in report and f"编号 {a.id}" in report

    st = status(rig.cfg, rig.store, rig.outbox, rig.clock.at)
    assert st.alerts_unresolved == 2 and st.outbox.get("sent", 0) >= 1
    assert st.posts_day >= 2  # e2's posts, collected within the day


def test_search_on_elasticsearch(rig):
    """信息检索 over the Elasticsearch store: words, marks, escaping, pages."""
    s = rig.login()
    r = s.get(f"{rig.base}/search", params={"q": "拖欠 欠薪"})
    table = r.text.split('id="results"', 1)[1].split("</table>", 1)[0]
    found = re.findall(r'href="/posts/([^"]+)"', table)
    assert sorted(found) == sorted(rig.store.get_event("e1").post_ids) and len(found) == 4
    assert "<mark>拖欠</mark>" in r.text and EVIL not in r.text
    assert "没有符合条件的信息" in s.get(f"{rig.base}/search", params={"q": "油烟"}).text
