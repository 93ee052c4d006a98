"""The storage contract, as a reusable test class.

A backend's test module subclasses ``StoreContract`` and provides a ``store`` fixture that
yields a fresh, empty store. Nothing here may depend on the backend.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from yuqing.models import Alert, Event, Feedback, Post, post_id_for
from yuqing.storage import SourceState, UrlState
from yuqing.storage.facets import DIMENSIONS, axis_time, keys
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

    def test_post_stamps_and_posts_by_id(self, store):
        """post_stamps: what iter_posts yields, as (id, updated_at); get_posts: by id, in the
        order asked, missing ones left out."""
        for i in range(4):
            store.upsert_post(make_post(url=f"http://h/{i}", crawled_at=T0 + timedelta(hours=i)))
        later = T0 + timedelta(hours=9)
        store.upsert_post(make_post(url="http://h/0", text="改过", crawled_at=later))
        store.flush()
        since = T0 + timedelta(hours=2)
        want = [(p.id, p.updated_at.timestamp()) for p in store.iter_posts(since=since)]
        assert store.post_stamps(since) == want
        assert [pid for pid, _ in want] == [post_id_for(f"http://h/{i}") for i in (2, 3, 0)]
        assert want[-1][1] == later.timestamp()
        ids = [post_id_for("http://h/3"), "nope", post_id_for("http://h/1")]
        got = store.get_posts(ids)
        assert [p.to_dict() for p in got] == [
            store.get_post(ids[0]).to_dict(),
            store.get_post(ids[2]).to_dict(),
        ]
        assert store.get_posts([]) == []

    # -- post aggregates -----------------------------------------------------------------
    def test_tally_equals_counting_the_posts(self, store):
        posts = aggregate_posts(store)
        rnd = random.Random(3)
        base = T0 - timedelta(days=1)
        times = sorted({axis_time(p, a) for p in posts for a in ("posted", "collected")})
        for trial in range(60):
            if trial % 3 == 0:  # windows starting or ending exactly on a post or an hour
                start = rnd.choice(times) - timedelta(hours=rnd.randint(0, 5))
                end = start + timedelta(hours=rnd.randint(1, 30))
            else:
                start = base + timedelta(minutes=rnd.randint(0, 60 * 40))
                end = start + timedelta(minutes=rnd.randint(1, 60 * 30))
            axis = rnd.choice(["posted", "collected"])
            closed = rnd.choice(["left", "right"])
            by = rnd.choice(DIMENSIONS)
            below = rnd.choice([-0.2, -0.3, 0.0, 0.5])
            got = store.tally(by, start, end, axis=axis, closed=closed, below=below)
            want = expected_tally(posts, by, start, end, axis, closed, below)
            assert {k: _rounded(t) for k, t in got.items()} == want, (by, axis, closed, trial)
        for axis in ("posted", "collected"):  # windows that start or end on a post on the hour
            on_hour = [t for t in times if t.minute == 0 and t.second == 0][:6]
            for t in on_hour:
                for start, end in ((t, t + timedelta(hours=5)), (t - timedelta(hours=5), t)):
                    for closed in ("left", "right"):
                        got = store.tally("all", start, end, axis=axis, closed=closed)
                        want = expected_tally(posts, "all", start, end, axis, closed, -0.2)
                        assert {k: _rounded(v) for k, v in got.items()} == want, (t, closed)

    def test_tally_and_find_posts_from_a_posted_floor(self, store):
        """``posted_since``: a window's posts on either axis, less those posted before the
        floor — on the collected axis, a period's collection without the backfill of older
        posts (the digest's news, yuqing.models.news_since)."""
        posts = aggregate_posts(store)
        rnd = random.Random(5)
        base = T0 - timedelta(days=1)
        for trial in range(30):
            start = base + timedelta(minutes=rnd.randint(0, 60 * 40))
            end = start + timedelta(minutes=rnd.randint(60, 60 * 30))
            floor = start - timedelta(minutes=rnd.randint(0, 300))
            axis = rnd.choice(["posted", "collected"])
            by = rnd.choice(DIMENSIONS)
            news = [p for p in posts if axis_time(p, "posted") >= floor]
            got = store.tally(by, start, end, axis=axis, closed="left", posted_since=floor)
            want = expected_tally(news, by, start, end, axis, "left", -0.2)
            assert {k: _rounded(t) for k, t in got.items()} == want, (by, axis, trial)
            found = store.find_posts(start, end, axis=axis, closed="left", posted_since=floor)
            inside = {p.id for p in news if start <= axis_time(p, axis) < end}
            assert {p.id for p in found} == inside, (axis, trial)
        late = [p for p in posts if axis_time(p, "posted") < axis_time(p, "collected") - HOUR]
        assert late, "the fixture has posts collected long after they were posted"

    def test_tally_keys_and_min_posts(self, store):
        posts = aggregate_posts(store)
        start, end = T0 - timedelta(days=2), T0 + timedelta(days=2)
        full = expected_tally(posts, "focus", start, end, "posted", "right", -0.2)
        got = store.tally("focus", start, end, keys=["wage_arrears", "nope"])
        assert {k: _rounded(t) for k, t in got.items()} == {"wage_arrears": full["wage_arrears"]}
        big = store.tally("event", start, end, min_posts=3)
        assert set(big) == {k for k, t in full_events(posts).items() if t >= 3}
        assert store.tally("source", end, end + timedelta(hours=5)) == {}

    def test_find_posts_by_group_and_order(self, store):
        posts = aggregate_posts(store)
        start, end = T0 - timedelta(hours=6), T0 + timedelta(hours=12)
        inside = [p for p in posts if start < axis_time(p, "posted") <= end]
        got = store.find_posts(start, end, by="focus", key="wage_arrears")
        want = sorted(
            (p for p in inside if "wage_arrears" in p.focus),
            key=lambda p: (axis_time(p, "posted"), p.id),
            reverse=True,
        )
        assert [p.id for p in got] == [p.id for p in want] and want
        neg = store.find_posts(
            start, end, axis="collected", closed="left", order="sentiment", originals=True, limit=4
        )
        coll = [p for p in posts if start <= p.crawled_at < end and p.duplicate_of is None]
        coll.sort(key=lambda p: (-(p.sentiment or 0.0), p.crawled_at, p.id), reverse=True)
        assert [p.id for p in neg] == [p.id for p in coll[:4]]
        assert all(p.source_id == "s1" for p in store.find_posts(start, end, by="source", key="s1"))
        # an event's posts before a time, from the epoch on (the nightly rebuild's read)
        from yuqing.nlp.rebuild import _EPOCH

        for eid in sorted({p.event_id for p in posts if p.event_id}):
            early = store.find_posts(_EPOCH, end, by="event", key=eid, closed="left")
            want_ids = {p.id for p in posts if p.event_id == eid and axis_time(p, "posted") < end}
            assert {p.id for p in early} == want_ids and want_ids, eid

    def test_find_posts_by_words_several_groups_and_pages(self, store):
        """信息检索: every word in the title or the body (Latin in any case), several groups at
        once, and pages of a limit that add up to the whole list."""
        texts = [
            ("工地拖欠农民工工资", "包工头说年底再给。", "s1", ["wage_arrears"]),
            ("物业收费问题", "小区物业拖欠维修基金，工资也不发。", "s1", []),
            ("工资何时发放", "单位说资金没到位。", "s2", ["wage_arrears"]),
            ("空气质量差", "PM2.5 超标，工地扬尘严重。", "s1", ["ecology"]),
            ("拖欠工程款", "施工队被拖欠，工人没有工资。", "s2", ["wage_arrears"]),
            ("路名", '把"幸福路"改成\\幸福大道', "s2", []),
        ]
        posts = []
        for i, (title, text, source, focus) in enumerate(texts):
            p = make_post(
                url=f"http://h/search/{i}",
                title=title,
                text=text,
                source_id=source,
                focus=focus,
                published_at=T0 - timedelta(hours=i),
            )
            store.upsert_post(p)
            posts.append(p)
        store.flush()
        start, end = T0 - timedelta(days=1), T0 + timedelta(hours=1)

        def ids(**kw):
            return [p.id for p in store.find_posts(start, end, **kw)]

        both = [posts[i].id for i in (0, 1, 4)]  # newest first
        assert ids(text="拖欠 工资") == both
        assert ids(text="  工资   拖欠 工资 ") == both  # order, spaces and repeats do not matter
        assert ids(text="拖欠 工资", where={"source": "s2"}) == [posts[4].id]
        assert ids(text="工资", where={"source": "s1", "focus": "wage_arrears"}) == [posts[0].id]
        assert ids(text="pm2.5") == ids(text="PM2.5") == [posts[3].id]
        assert ids(text="停水") == [] and ids(text="") == [p.id for p in posts]
        # characters JSON writes escaped are found as written
        assert ids(text='"幸福路"') == ids(text="\\幸福") == [posts[5].id]
        pages = [ids(text="工资", limit=2, offset=o) for o in (0, 2, 4)]
        assert [i for page in pages for i in page] == ids(text="工资") and len(pages[0]) == 2
        assert pages[2] == [] and len(ids(text="工资")) == 4
        assert ids(text="工资", offset=3) == ids(text="工资")[3:]

    def test_last_post_time_of_a_source(self, store):
        posts = aggregate_posts(store)
        for source in ("s1", "s2"):
            times = sorted(axis_time(p, "posted") for p in posts if p.source_id == source)
            assert store.last_post_time(source) == times[-1]
            assert store.last_post_time(source, until=times[-2]) == times[-2]
        assert store.last_post_time("nobody") is None

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
        assert [e.id for e in store.iter_events(min_hotness=7.5)] == ["e1"]
        assert [e.id for e in store.iter_events(T0 + timedelta(days=1), min_hotness=1)] == []
        assert [e.id for e in store.iter_events(order="hotness", limit=1)] == ["e1"]
        e3 = Event(id="e3", title="新", first_seen=None, last_seen=T0 + timedelta(days=3))
        store.upsert_event(e3)
        store.flush()
        assert store.count_events(T0, T0 + timedelta(days=1)) == 2
        assert store.count_events(T0 + timedelta(seconds=1), T0 + timedelta(days=9)) == 1
        assert store.count_events(T0 + timedelta(days=3), T0 + timedelta(days=4)) == 1
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

    def test_retro_shares_reach_an_events_stored_members(self, store):
        """nlp/retro.py: a topic an event gained reaches its stored members that lack it —
        found by event (every member) or by id — in place, counted in the aggregates."""
        from yuqing.nlp.retro import RetroShare, apply_stored

        posts = [make_post(f"http://127.0.0.1/r/{i}", text=f"搅拌站噪音{i}") for i in range(4)]
        for p, eid in zip(posts, ("ev-a", "ev-a", "ev-a", "ev-b"), strict=True):
            p.event_id = eid
        posts[1].focus, posts[1].focus_evidence = ["ecology"], {"ecology": ["噪音"]}
        store.upsert_posts(posts)
        store.flush()
        before = {p.id: store.get_post(p.id) for p in posts}
        span = (T0 - timedelta(days=1), T0 + timedelta(days=1))
        assert store.tally("focus", *span, keys=["ecology"])["ecology"].posts == 1
        assert apply_stored(store, [RetroShare("ev-a", "ecology")]) == 2
        store.flush()
        after = {p.id: store.get_post(p.id) for p in posts}
        for p in posts[0], posts[2]:
            assert after[p.id].focus_evidence["ecology"] == ["event:ev-a"]
            assert after[p.id].updated_at == before[p.id].updated_at
        assert after[posts[1].id].focus_evidence == {"ecology": ["噪音"]}  # its own, kept
        assert after[posts[3].id].focus == []  # another event
        assert store.tally("focus", *span, keys=["ecology"])["ecology"].posts == 3
        assert apply_stored(store, [RetroShare("ev-b", "wage_arrears", ("nobody",))]) == 0
        assert apply_stored(store, [RetroShare("ev-b", "ecology", (posts[3].id,))]) == 1

    def test_change_mark_moves_with_every_post_or_event_write(self, store):
        marks = [store.change_mark()]
        store.upsert_post(make_post())
        store.flush()
        marks.append(store.change_mark())
        assert store.change_mark() == marks[-1]  # reading changes nothing
        store.upsert_post(make_post(text="改了"))
        store.flush()
        marks.append(store.change_mark())
        store.upsert_event(Event(id="e1", title="停水", first_seen=T0, last_seen=T0))
        store.flush()
        marks.append(store.change_mark())
        store.save_source_state(SourceState("s1", consecutive_failures=1))
        store.flush()
        assert store.change_mark() == marks[-1]  # crawl state is not posts or events
        assert len(set(marks)) == len(marks)

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

    def test_alerts_by_rule_and_subject(self, store):
        for i, (rule, subject) in enumerate(
            [("hot", "event:e1"), ("hot", "event:e2"), ("kw", "event:e1")]
        ):
            store.insert_alert(
                Alert(
                    id=f"a{i}",
                    level="yellow",
                    rule=rule,
                    created_at=T0 + timedelta(minutes=i),
                    evidence={"subject": subject},
                    event_id=subject.split(":")[1],
                )
            )
        store.flush()
        assert [a.id for a in store.iter_alerts(rule="hot")] == ["a0", "a1"]
        assert [a.id for a in store.iter_alerts(subject="event:e1")] == ["a0", "a2"]
        assert [a.id for a in store.iter_alerts(rule="hot", subject="event:e1")] == ["a0"]
        assert [a.id for a in store.iter_alerts(T0 + timedelta(minutes=1), rule="kw")] == ["a2"]
        assert [a.id for a in store.iter_alerts(event_id="e2")] == ["a1"]
        assert store.update_alert("a0", status="acked", updated_at=T0 + timedelta(hours=5))
        store.flush()
        changed = store.iter_alerts(T0, updated_since=T0 + timedelta(hours=1))
        assert [a.id for a in changed] == ["a0"]

    def test_alert_heads_are_the_alerts_fields(self, store):
        """iter_alert_heads: the alerts iter_alerts yields (same filters, same order), each
        as its AlertHead; get_alerts: by id, in the order asked."""
        from yuqing.storage import AlertHead

        evidences = [
            {"subject": "event:e1", "size": 4},
            {"subject": "event:e1", "superseded_by": "a2", "size": 2.5},
            {"subject": "event:e1", "dismissed": True, "outcome": "不予关注"},
            {
                "subject": "source:s",
                "history": [{"action": "remind"}],
                "original_level": "orange",
                "highest_level": "red",
                "relevel_due": {"at": (T0 + timedelta(hours=2)).isoformat()},
            },
        ]
        for i, ev in enumerate(evidences):
            store.insert_alert(
                Alert(
                    id=f"a{i}",
                    level=("red", "yellow", "orange", "blue")[i],
                    rule="hot" if i < 3 else "src",
                    created_at=T0 + timedelta(minutes=i),
                    event_id="e1" if i < 3 else None,
                    status="acked" if i == 1 else "open",
                    evidence=ev,
                )
            )
        store.flush()
        for kw in (
            {},
            {"event_id": "e1"},
            {"rule": "hot", "subject": "event:e1"},
            {"status": "open"},
            {"since": T0 + timedelta(minutes=2)},
        ):
            heads = list(store.iter_alert_heads(**kw))
            assert heads == [AlertHead.of(a) for a in store.iter_alerts(**kw)], kw
            assert store.alert_ids(**kw) == [h.id for h in heads], kw
        heads = {h.id: h for h in store.iter_alert_heads()}
        assert heads["a0"] == AlertHead(
            "a0", "hot", "event:e1", "e1", "red", "open", T0, 4.0, None, False
        )
        assert heads["a1"].superseded_by == "a2" and heads["a1"].size == 2.5
        assert heads["a2"].dismissed and not heads["a0"].dismissed
        assert heads["a3"].subject == "source:s" and heads["a3"].event_id is None
        # lowered by a 研判 (blue now, red once): the level it held, and when it was judged
        assert (heads["a3"].ceiling, heads["a3"].judged_at) == ("red", T0 + timedelta(hours=2))
        assert heads["a0"].ceiling is None and heads["a0"].judged_at is None
        assert heads["a1"].created_at == T0 + timedelta(minutes=1)
        got = store.get_alerts(["a3", "zz", "a0"])
        assert [a.to_dict() for a in got] == [
            store.get_alert("a3").to_dict(),
            store.get_alert("a0").to_dict(),
        ]

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


FOCUS = [[], ["wage_arrears"], ["ecology"], ["wage_arrears", "ecology"]]


HOUR = timedelta(hours=1)


def aggregate_posts(store) -> list[Post]:
    """60 posts over two days in every dimension, some published in the future (counted at
    their crawl time), some rewritten with other values (counts must follow the update)."""
    rnd = random.Random(7)
    posts = []
    for i in range(60):
        crawled = T0 + timedelta(minutes=rnd.randint(-1800, 1800))
        published = crawled - timedelta(minutes=rnd.randint(0, 600))
        if i % 5 == 0:  # exactly on the hour: an edge case for whole-hour counts
            crawled = T0 + timedelta(hours=rnd.randint(-20, 20))
            published = crawled - timedelta(hours=rnd.randint(0, 3))
        if i % 11 == 0:
            published = crawled + timedelta(hours=3)  # a bad publish time
        p = make_post(
            url=f"http://h/agg/{i}",
            crawled_at=crawled,
            published_at=None if i % 13 == 0 else published,
            source_id=f"s{i % 3}",
            channel=["portal", "weibo"][i % 2],
            category=[None, "城乡建设", "劳动和社会保障"][i % 3],
            region=[None, "A1区", "B2县"][rnd.randint(0, 2)],
            focus=FOCUS[rnd.randint(0, 3)],
            regions_mentioned=PLACES[i % len(PLACES)],
            sentiment=None if i % 7 == 0 else round(rnd.uniform(-1, 1), 3),
            event_id=f"ev{i % 5}" if i % 6 else None,
            duplicate_of="x" if i % 9 == 0 else None,
        )
        posts.append(p)
        store.upsert_post(p)
    for p in posts[::4]:  # changed content: new values, first crawl time kept
        p.text += "（更新）"
        p.__post_init__()
        p.focus = FOCUS[(FOCUS.index(p.focus) + 1) % 4]
        p.sentiment = -0.95 if p.sentiment is None else None
        p.category = "环境保护"
        p.regions_mentioned = [] if p.regions_mentioned else ["临海市", "白水洋镇"]
        store.upsert_post(p)
    store.flush()
    return [store.get_post(p.id) for p in posts]


#: places named (regions_mentioned): townships (with and without their county), a city, a
#: name of 88 places, none
PLACES = [[], ["白水洋镇"], ["临海市", "古城街道"], ["台州市"], ["城关镇"], ["A5区", "A市"]]


def expected_tally(posts, by, start, end, axis, closed, below) -> dict:
    out: dict = {}
    for p in posts:
        t = axis_time(p, axis)
        if not (start <= t < end if closed == "left" else start < t <= end):
            continue
        for k in keys(p, by):
            c = out.setdefault(k, [0, 0, 0, 0.0, 0.0])
            c[0] += 1
            if p.sentiment is not None:
                c[1] += 1
                c[2] += p.sentiment < below
                c[3] += p.sentiment
                c[4] += max(0.0, -p.sentiment)
    return {k: (c[0], c[1], c[2], round(c[3], 4), round(c[4], 4)) for k, c in out.items()}


def full_events(posts) -> dict:
    out: dict = {}
    for p in posts:
        if p.event_id:
            out[p.event_id] = out.get(p.event_id, 0) + 1
    return out


def _rounded(t) -> tuple:
    """Counts exactly, sums to 4 places (Elasticsearch keeps sentiment as a 32-bit float)."""
    return (t.posts, t.scored, t.negative, round(t.sentiment_sum, 4), round(t.negativity_sum, 4))


@pytest.fixture
def reopen():  # backends override to reopen the same underlying store
    pytest.skip("backend does not support reopen")
