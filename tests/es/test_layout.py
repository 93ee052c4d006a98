"""Templates, aliases, rollover and retention on a real node."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.es.helpers import make_store, posts
from tests.storage.contract import T0, make_post
from yuqing.models import Alert, Event
from yuqing.storage import es_schema
from yuqing.storage.es_schema import IndexNames


def test_setup_reports_created_then_unchanged_then_updated(es_client, es_prefix, monkeypatch):
    names = IndexNames(es_prefix)
    first = es_schema.setup(es_client, names)
    assert set(first.values()) == {"created"} and len(first) == len(es_schema.KINDS)
    assert set(es_schema.setup(es_client, names).values()) == {"unchanged"}

    original = es_schema.load_template

    def changed(kind, prefix):
        body = original(kind, prefix)
        if kind == "posts":
            body["template"]["mappings"]["properties"]["new_field"] = {"type": "keyword"}
            body["_meta"]["hash"] = "changed"
        return body

    monkeypatch.setattr(es_schema, "load_template", changed)
    report = es_schema.install_templates(es_client, names)
    assert report[f"{es_prefix}-posts"] == "updated"
    assert report[f"{es_prefix}-events"] == "unchanged"


def test_write_and_read_aliases(es_client, es_prefix):
    names = IndexNames(es_prefix)
    es_schema.setup(es_client, names)
    aliases = es_client.indices.get_alias(index=f"{es_prefix}-posts-000001").body
    assert aliases[f"{es_prefix}-posts-000001"]["aliases"] == {
        f"{es_prefix}-posts": {},
        f"{es_prefix}-posts-write": {"is_write_index": True},
    }
    es_schema.rollover(es_client, names, force=True)
    assert es_schema.concrete_indices(es_client, names, "posts") == [
        f"{es_prefix}-posts-000001",
        f"{es_prefix}-posts-000002",
    ]
    mapping = es_client.indices.get_mapping(index=f"{es_prefix}-posts-000002").body
    props = mapping[f"{es_prefix}-posts-000002"]["mappings"]["properties"]
    assert props["tokens"]["analyzer"] == "whitespace"
    assert props["category"]["type"] == "keyword" and props["published_at"]["type"] == "date"


def test_updates_after_rollover_stay_in_the_index_holding_the_document(
    es_url, es_prefix, tmp_path, es_client
):
    store = make_store(es_url, es_prefix, tmp_path / "spool.db")
    store.upsert_posts(posts(3))
    store.upsert_event(Event(id="e1", title="停水", last_seen=T0))
    store.insert_alert(Alert(id="a1", level="red", rule="hot", created_at=T0))
    store.maintain(now=T0, force_rollover=True)
    later = T0 + timedelta(days=1)
    assert (
        store.upsert_post(
            make_post(url="http://127.0.0.1/p/1.html", text="已恢复供水", crawled_at=later)
        )
        == "updated"
    )
    assert store.upsert_post(posts(1)[0]) == "unchanged"
    store.upsert_event(Event(id="e1", title="停水", size=3, last_seen=later))
    assert store.insert_alert(Alert(id="a1", level="red", rule="hot", created_at=T0)) is False
    assert store.update_alert("a1", expect={"status": "open"}, status="acked")
    store.upsert_post(make_post(url="http://h/new", crawled_at=later))
    store.flush()
    assert store.count_posts() == 4
    old, new = f"{es_prefix}-posts-000001", f"{es_prefix}-posts-000002"
    assert es_client.count(index=old)["count"] == 3 and es_client.count(index=new)["count"] == 1
    assert es_client.count(index=f"{es_prefix}-events")["count"] == 1
    assert es_client.count(index=f"{es_prefix}-alerts")["count"] == 1
    assert store.get_post(posts(2)[1].id).text == "已恢复供水"
    assert store.get_event("e1").size == 3 and store.get_alert("a1").status == "acked"
    store.close()


def test_retention_deletes_old_rolled_over_indices_only(es_url, es_prefix, tmp_path, es_client):
    store = make_store(es_url, es_prefix, tmp_path / "spool.db", retention_days=30)
    store.upsert_posts(posts(5))  # crawled 2026-11-20
    store.insert_alert(Alert(id="old", level="blue", rule="r", created_at=T0))
    store.maintain(now=T0, force_rollover=True)  # 000001 now read-only
    recent = T0 + timedelta(days=100)
    store.upsert_post(make_post(url="http://h/recent", crawled_at=recent))
    store.flush()
    names = IndexNames(es_prefix)

    # events-000001 is empty: it ages by its creation date (today, 100 days before "recent")
    expected = [f"{es_prefix}-{kind}-000001" for kind in ("posts", "events", "alerts")]
    assert es_schema.apply_retention(es_client, names, 30, now=recent, dry_run=True) == expected
    assert es_schema.apply_retention(es_client, names, 200, now=recent) == []
    assert sorted(store.maintain(now=recent)["deleted"]) == sorted(expected)
    assert not es_client.indices.exists(index=f"{es_prefix}-posts-000001")
    # the write indices (events never rolled over with data; new posts) are kept
    assert es_client.indices.exists(index=f"{es_prefix}-posts-000002")
    assert store.count_posts() == 1 and store.get_post(posts(1)[0].id) is None
    assert [p.url for p in store.iter_posts()] == ["http://h/recent"]
    store.close()


@pytest.mark.parametrize("kind", ["posts", "alerts"])
def test_lookups_survive_an_index_deleted_behind_the_cache(
    es_url, es_prefix, tmp_path, es_client, kind
):
    store = make_store(es_url, es_prefix, tmp_path / "spool.db")
    store.upsert_posts(posts(2))
    store.insert_alert(Alert(id="a", level="red", rule="r", created_at=T0))
    store.maintain(now=T0, force_rollover=True)
    store.indices(kind)  # cache holds 000001 and 000002
    es_client.indices.delete(index=f"{es_prefix}-{kind}-000001")
    if kind == "posts":
        assert store.get_post(posts(1)[0].id) is None
    else:
        assert store.get_alert("a") is None
    store.close()


def test_a_wiped_cluster_is_set_up_again_not_polluted(es_url, es_prefix, tmp_path, es_client):
    store = make_store(es_url, es_prefix, tmp_path / "spool.db")
    store.upsert_posts(posts(2))
    es_client.indices.delete(index=f"{es_prefix}-posts-000001")  # behind the store's back
    assert store.upsert_posts(posts(3))["new"] == 3
    store.flush()
    assert es_client.indices.exists_alias(name=f"{es_prefix}-posts-write")
    assert list(es_client.indices.get(index=f"{es_prefix}-posts-*").body) == [
        f"{es_prefix}-posts-000001"
    ]
    assert store.count_posts() == 3
    store.close()


def test_posts_stored_before_places_are_counted_by_place_after_the_upgrade(
    es_url, es_prefix, tmp_path, es_client, monkeypatch
):
    """A store the previous program wrote (no ``place`` in its template or its documents, in
    two rolled-over indices) keeps every post: the upgraded store adds the field to the
    indices' mappings, counting by place writes the place of the window's old posts first,
    and the daily maintenance that of all the others."""
    from tests.storage.contract import aggregate_posts, expected_tally
    from yuqing.models import post_place
    from yuqing.storage import elastic
    from yuqing.storage.facets import axis_time

    original, write = es_schema.load_template, elastic.record_doc

    def old_template(kind, prefix):
        body = original(kind, prefix)
        if kind == "posts":
            del body["template"]["mappings"]["properties"]["place"]
            body["_meta"]["hash"] = "before places"
        return body

    def old_doc(record):
        doc = write(record)
        doc.pop("place", None)
        return doc

    monkeypatch.setattr(es_schema, "load_template", old_template)
    monkeypatch.setattr(elastic, "record_doc", old_doc)
    old = make_store(es_url, es_prefix, tmp_path / "old.db")
    first = aggregate_posts(old)[:30]
    es_schema.setup(es_client, IndexNames(es_prefix))
    es_schema.rollover(es_client, IndexNames(es_prefix), force=True)
    old.flush()
    stored = [old.get_post(p.id) for p in first] + aggregate_posts(old)[30:]
    old.close()
    monkeypatch.undo()
    alias = f"{es_prefix}-posts"
    assert len(es_schema.concrete_indices(es_client, IndexNames(es_prefix), "posts")) == 2
    assert es_client.count(index=alias, query={"exists": {"field": "place"}})["count"] == 0

    store = make_store(es_url, es_prefix, tmp_path / "new.db")
    span = (T0 - timedelta(hours=6), T0 + timedelta(hours=6))
    got = store.tally("place", *span, axis="collected", closed="left")
    want = expected_tally(stored, "place", *span, "collected", "left", -0.2)
    assert {k: t.posts for k, t in got.items()} == {k: v[0] for k, v in want.items()}
    assert "临海市白水洋镇" in got
    by_place = store.find_posts(*span, by="place", key="临海市白水洋镇")
    assert {p.id for p in by_place} == {
        p.id
        for p in stored
        if post_place(p) == "临海市白水洋镇" and span[0] < axis_time(p, "posted") <= span[1]
    }
    placed = [p for p in stored if p.region or p.regions_mentioned]
    result = store.maintain(now=T0)
    assert 0 < result["places"] < len(placed)  # the window's were written already
    assert es_client.count(index=alias, query={"exists": {"field": "place"}})["count"] == len(
        placed
    )
    assert store.maintain(now=T0)["places"] == 0
    assert store.count_posts() == len(stored)
    store.close()
