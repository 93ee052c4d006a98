"""The records' shared domain rules: a post's effective time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.models import FUTURE_TOLERANCE, Post, place_of, post_id_for, post_place, post_time
from yuqing.timeutil import parse_iso

CRAWLED = parse_iso("2026-11-20T10:00:00+08:00")


def post(published) -> Post:
    url = "http://127.0.0.1/a.html"
    return Post(post_id_for(url), "s", "portal", url, "t", "x", published, CRAWLED)


@pytest.mark.parametrize(
    "published,expected",
    [
        (None, CRAWLED),  # no publish time: when we saw it
        (CRAWLED - timedelta(days=30), CRAWLED - timedelta(days=30)),  # an old post keeps its time
        (CRAWLED + timedelta(minutes=30), CRAWLED + timedelta(minutes=30)),  # clock skew
        (CRAWLED + FUTURE_TOLERANCE, CRAWLED + FUTURE_TOLERANCE),
        (CRAWLED + FUTURE_TOLERANCE + timedelta(seconds=1), CRAWLED),  # a site's mistake
        (CRAWLED + timedelta(hours=8), CRAWLED),  # e.g. a wrong time zone
    ],
)
def test_post_time(published, expected):
    assert post_time(post(published)) == expected


def test_a_naive_publish_time_is_trusted():
    naive = datetime(2026, 11, 21, 9, 0)
    assert post_time(post(naive)) == naive


def test_every_stage_uses_the_one_rule():
    from yuqing.alerts import matches
    from yuqing.dashboards import digest_data
    from yuqing.nlp import events, pipeline
    from yuqing.storage import es_docs, facets, sqlite

    # alert windows and dormancy read the store's counts on the "posted" axis (facets), which
    # both backends compute with the same rule
    for module in (matches, facets, sqlite, es_docs, digest_data, events, pipeline):
        assert module.post_time is post_time, module.__name__


@pytest.mark.parametrize(
    ("named", "region", "place"),
    [
        ([], "临海市", "临海市"),  # names nothing: its source's region
        ([], None, None),
        (["白水洋镇"], "临海市", "临海市白水洋镇"),  # a township, with its county
        (["白水洋镇"], None, "临海市白水洋镇"),  # one county has one
        (["古城街道"], "临海市", "临海市古城街道"),  # 23 have one: the source's county's
        (["古城街道"], None, "古城街道"),  # ... which, nothing tells
        (["台州市", "古城街道"], None, "临海市古城街道"),  # its city tells
        (["城关镇"], "长沙市", "城关镇"),  # none of 长沙市's
        (["临海市", "白水洋镇", "古城街道"], "台州市", "临海市白水洋镇"),  # the first township
        (["台州市"], "临海市", "临海市"),  # the source's county lies in the city named
        (["长沙市"], "临海市", "长沙市"),  # elsewhere: the place named
        (["浙江省", "长沙市"], None, "长沙市"),  # the most specific
        (["鼓楼区"], None, "鼓楼区"),  # four cities have one
        (["南京市", "鼓楼区"], None, "南京市鼓楼区"),
        (["A市", "A5区"], "西地省", "A5区"),  # anonymised codes, an unknown province
        (["邵冬县"], None, "邵冬县"),  # in no table: a county by its ending
        ([], "娄桥街道", "瓯海区娄桥街道"),  # a township's source
    ],
)
def test_a_posts_place_is_the_most_specific_it_names(named, region, place):
    assert place_of(named, region) == place
    post = Post("p", "s", "portal", "u", "t", "x", None, datetime(2026, 11, 20), region=region)
    post.regions_mentioned = named
    assert post_place(post) == place
