"""The storage contract, as a reusable test class.

A backend's test module subclasses ``StoreContract`` and provides a ``store`` fixture that
yields a fresh, empty store. Nothing here may depend on the backend.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from yuqing.models import Alert, Event, Feedback, Post, post_id_for
from yuqing.storage import SourceState, UrlState
from yuqing.timeutil import now, parse_iso

T0 = parse_iso("2026-11-20T08:00:00+08:00")


def make_post(
    url: str = "http://127.0.0.1/a/1.html",
    title: str = "关于小区停水的问题",
    text: str = "小区已经停水三天，物业不回应。",
    crawled_at=T0,
    **kw,
) -> Post:
    return Post(
        id=post_id_for(url),
        source_id=kw.pop("source_id", "portal"),
        channel=kw.pop("channel", "portal"),
        url=url,
        title=title,
        text=text,
        published_at=kw.pop("published_at", T0 - timedelta(hours=1)),
        crawled_at=crawled_at,
        **kw,
    )


class StoreContract:
    # -- posts ---------------------------------------------------------------------------
    def test_new_post_round_trips_with_every_field(self, store):
        post = make_post(
            region="临海市",
            focus=["ecology"],
            keywords=["停水"],
            sentiment=-0.5,
            engagement={"likes": 3},
            title_orig="關於",
            category="城乡建设",
            category_score=0.9,
        )
        assert store.upsert_post(post) == "new"
        store.flush()
        got = store.get_post(post.id)
        assert got.to_dict() == post.to_dict()
        assert got.published_at == post.published_at
        assert got.updated_at == post.crawled_at

    def test_same_post_twice_is_unchanged_and_stored_once(self, store):
        assert store.upsert_post(make_post()) == "new"
        assert store.upsert_post(make_post(crawled_at=T0 + timedelta(hours=1))) == "unchanged"
        store.flush()
        assert store.count_posts() == 1
        assert store.get_post(make_post().id).crawled_at == T0

    def test_changed_post_updates_in_place_keeping_first_crawl_time(self, store):
        store.upsert_post(make_post())
        later = T0 + timedelta(hours=2)
        assert store.upsert_post(make_post(text="已经恢复供水。", crawled_at=later)) == "updated"
        store.flush()
        got = store.get_post(make_post().id)
        assert got.text == "已经恢复供水。"
        assert got.crawled_at == T0 and got.updated_at == later
        assert store.count_posts() == 1

    def test_iter_posts_since_and_by_source(self, store):
        for i in range(5):
            store.upsert_post(
                make_post(
                    url=f"http://h/{i}",
                    crawled_at=T0 + timedelta(hours=i),
                    source_id="a" if i % 2 else "b",
                )
            )
        store.flush()
        assert [p.url for p in store.iter_posts()] == [f"http://h/{i}" for i in range(5)]
        assert [p.url for p in store.iter_posts(since=T0 + timedelta(hours=3))] == [
            "http://h/3",
            "http://h/4",
        ]
        assert {p.source_id for p in store.iter_posts(source_id="a")} == {"a"}
        assert store.count_posts("a") == 2 and store.count_posts() == 5

    def test_missing_post_is_none(self, store):
        assert store.get_post("nope") is None

    # -- events --------------------------------------------------------------------------
    def test_events_upsert_and_iterate_by_last_seen(self, store):
        e1 = Event(id="e1", title="停水", post_ids=["p1"], size=1, first_seen=T0, last_seen=T0)
        e2 = Event(
            id="e2",
            title="噪音",
            post_ids=["p2"],
            size=1,
            first_seen=T0,
            last_seen=T0 + timedelta(days=2),
        )
        store.upsert_event(e1)
        store.upsert_event(e2)
        e1.size, e1.post_ids, e1.hotness = 2, ["p1", "p3"], 7.5
        store.upsert_event(e1)
        store.flush()
        assert store.get_event("e1").to_dict() == e1.to_dict()
        assert [e.id for e in store.iter_events(since=T0 + timedelta(days=1))] == ["e2"]
        assert store.get_event("missing") is None

    def test_consolidation_deletes_fragments_and_repoints_posts(self, store):
        for eid in ("keep", "gone"):
            store.upsert_event(Event(id=eid, title=eid, size=1, first_seen=T0, last_seen=T0))
        p1, p2 = make_post("http://127.0.0.1/e/1"), make_post("http://127.0.0.1/e/2")
        p1.event_id, p2.event_id = "keep", "gone"
        store.upsert_posts([p1, p2])
        store.flush()
        before = store.get_post(p2.id)
        assert store.set_post_events({p1.id: "keep", p2.id: "keep"}) == 1  # p1 already there
        assert store.delete_events(["gone", "never"]) == 1
        store.flush()
        assert store.get_event("gone") is None and store.get_event("keep") is not None
        after = store.get_post(p2.id)
        assert after.event_id == "keep"
        assert after.updated_at == before.updated_at and after.text == before.text

    # -- alerts --------------------------------------------------------------------------
    def test_alert_insert_is_idempotent(self, store):
        alert = Alert(
            id="a1", level="red", rule="hot", created_at=T0, event_id="e1", departments=["cac"]
        )
        assert store.insert_alert(alert) is True
        assert store.insert_alert(alert) is False
        store.flush()
        assert [a.id for a in store.iter_alerts()] == ["a1"]
        assert store.get_alert("a1").to_dict() == alert.to_dict()

    def test_alert_compare_and_set_lets_one_writer_win(self, store):
        store.insert_alert(Alert(id="a1", level="red", rule="hot", created_at=T0))
        t = now()
        assert store.update_alert("a1", expect={"status": "open"}, status="acked", acked_at=t)
        assert not store.update_alert("a1", expect={"status": "open"}, status="acked")
        assert store.update_alert(
            "a1", expect={"status": ("acked", "escalated")}, status="resolved", resolved_at=t
        )
        assert not store.update_alert("missing", status="acked")
        store.flush()
        got = store.get_alert("a1")
        assert got.status == "resolved" and got.acked_at == t
        assert [a.id for a in store.iter_alerts(status="resolved")] == ["a1"]
        assert list(store.iter_alerts(status="open")) == []

    def test_alert_handling_round_trips_and_races_lose(self, store):
        """The console's actions: CAS on (status, updated_at), response fields, history."""
        from yuqing.alerts import handling
        from yuqing.alerts.workflow import WorkflowError

        store.insert_alert(
            Alert(id="a2", level="yellow", rule="hot", created_at=T0, departments=["hrss"])
        )
        store.flush()
        who = handling.Actor("x@hrss.example", "liaison", "hrss", "127.0.0.1")
        stale = store.get_alert("a2")
        acked = handling.ack(store, stale, T0 + timedelta(minutes=5), who)
        with pytest.raises(WorkflowError):  # a second writer holding the old copy loses
            handling.ack(store, stale, T0 + timedelta(minutes=6), who)
        t = T0 + timedelta(hours=1)
        handling.respond(store, acked, t, who, "已回复", "https://gov.example/r/1")
        done = handling.resolve(store, store.get_alert("a2"), t + timedelta(hours=1), who, "已办")
        store.flush()
        got = store.get_alert("a2")
        assert got.to_dict() == done.to_dict()
        assert got.status == "resolved" and got.responded_at == t
        assert got.evidence["responses"][0]["url"] == "https://gov.example/r/1"
        assert [h["action"] for h in got.evidence["history"]] == ["ack", "respond", "resolve"]
        assert got.evidence["history"][0]["address"] == "127.0.0.1"

    # -- label feedback ------------------------------------------------------------------
    def test_feedback_is_stored_once_and_listed_by_time(self, store):
        first = Feedback(
            id=Feedback.make_id("p1", T0),
            post_id="p1",
            created_at=T0,
            by="值班员",
            title="小区停水<script>",
            text="停水三天",
            category="城乡建设",
            focus=["livelihood"],
            negative=True,
            was={"category": "交通运输", "sentiment": 0.4},
            note="误判",
        )
        later = Feedback(
            id=Feedback.make_id("p2", T0 + timedelta(days=1)),
            post_id="p2",
            created_at=T0 + timedelta(days=1),
            by="值班员",
            negative=False,
        )
        assert store.add_feedback(first) is True
        assert store.add_feedback(first) is False
        assert store.add_feedback(later) is True
        store.flush()
        got = list(store.iter_feedback())
        assert [f.to_dict() for f in got] == [first.to_dict(), later.to_dict()]
        assert [f.post_id for f in store.iter_feedback(since=T0 + timedelta(hours=1))] == ["p2"]

    # -- crawl state ---------------------------------------------------------------------
    def test_source_state_defaults_and_round_trip(self, store):
        assert store.get_source_state("s1") == SourceState("s1")
        state = SourceState(
            "s1",
            last_crawl_at=T0,
            consecutive_failures=3,
            healthy=False,
            last_error="http 500",
            last_summary={"fetched": 4},
        )
        store.save_source_state(state)
        store.flush()
        assert store.get_source_state("s1") == state
        assert [s.source_id for s in store.iter_source_states()] == ["s1"]

    def test_url_state_round_trip(self, store):
        assert store.get_url_state("http://h/1") is None
        state = UrlState(
            "http://h/1",
            "s1",
            etag='"abc"',
            last_modified="Fri, 20 Nov 2026",
            content_hash="x",
            post_id="p",
            fetched_at=T0,
        )
        store.save_url_state(state)
        store.flush()
        assert store.get_url_state("http://h/1") == state

    def test_reopen_keeps_everything(self, store, reopen):
        store.upsert_post(make_post())
        store.save_source_state(SourceState("s1", consecutive_failures=1))
        store.close()
        again = reopen()
        assert again.count_posts() == 1
        assert again.get_source_state("s1").consecutive_failures == 1


@pytest.fixture
def reopen():  # backends override to reopen the same underlying store
    pytest.skip("backend does not support reopen")
