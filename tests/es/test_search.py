"""Chinese search: standard analyzer (CJK unigrams, phrase queries) and the jieba tokens field
(whitespace analyzer) that matches the pipeline's segmentation."""

from __future__ import annotations

import jieba
import pytest

from tests.es.helpers import make_store
from tests.storage.contract import make_post


@pytest.fixture
def store(es_url, es_prefix, tmp_path):
    s = make_store(es_url, es_prefix, tmp_path / "spool.db")
    texts = {
        "a": "小区已经停水三天，物业不回应。",
        "b": "暂停水电费收缴的通知",
        "c": "三天了，小区水还是停的",
    }
    for key, text in texts.items():
        s.upsert_post(
            make_post(url=f"http://h/{key}", title=f"帖子{key}", text=text, tokens=jieba.lcut(text))
        )
    s.flush()
    yield s
    s.close()


def urls(found):
    return sorted(p.url.rsplit("/", 1)[1] for p in found)


def test_standard_phrase_query_matches_adjacent_characters(store):
    # 停水 as adjacent unigrams: in a (停水) and b (暂停水电费); not c (停 and 水 apart)
    assert urls(store.search_posts("停水")) == ["a", "b"]
    assert urls(store.search_posts("小区水")) == ["c"]


def test_jieba_tokens_field_follows_the_pipeline_segmentation(store):
    # jieba cuts b as 暂停 / 水电费, so the word 停水 is only in a
    assert urls(store.search_posts("停水", tokens=True)) == ["a"]
    assert urls(store.search_posts("小区 已经 停水", tokens=True)) == ["a"]  # token phrase
    assert urls(store.search_posts("水电费", tokens=True)) == ["b"]


def test_keyword_fields_aggregate_and_dates_keep_their_offset(
    es_url, es_prefix, tmp_path, es_client
):
    s = make_store(es_url, es_prefix, tmp_path / "spool.db")
    s.upsert_post(
        make_post(
            url="http://h/1", category="城乡建设", focus=["water", "housing"], region="临海市"
        )
    )
    s.upsert_post(make_post(url="http://h/2", category="城乡建设", channel="weibo"))
    s.flush()
    resp = es_client.search(
        index=f"{es_prefix}-posts",
        size=0,
        aggs={
            "cat": {"terms": {"field": "category"}},
            "focus": {"terms": {"field": "focus"}},
            "channel": {"terms": {"field": "channel"}},
            "hourly": {
                "date_histogram": {
                    "field": "published_at",
                    "fixed_interval": "1h",
                    "time_zone": "+08:00",
                }
            },
        },
    )
    aggs = resp["aggregations"]
    assert aggs["cat"]["buckets"] == [{"key": "城乡建设", "doc_count": 2}]
    assert {b["key"] for b in aggs["focus"]["buckets"]} == {"water", "housing"}
    assert {b["key"] for b in aggs["channel"]["buckets"]} == {"portal", "weibo"}
    assert aggs["hourly"]["buckets"][0]["key_as_string"].endswith("+08:00")
    hit = es_client.search(index=f"{es_prefix}-posts", query={"term": {"region": "临海市"}})
    assert hit["hits"]["hits"][0]["_source"]["crawled_at"] == "2026-11-20T08:00:00+08:00"
    s.close()
