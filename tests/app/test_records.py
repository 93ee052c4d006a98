"""The records' shared domain rules: a post's effective time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.models import FUTURE_TOLERANCE, Post, post_id_for, post_time
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
