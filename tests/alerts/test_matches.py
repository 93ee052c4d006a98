"""Per-post rule matches found incrementally (alerts/matches.py): each check tests only what
is new or changed, and finds what a scan of the whole window finds."""

from datetime import timedelta

from tests.alerts.conftest import T0, make_post
from yuqing.alerts.matches import MARGIN, PostMatches

WINDOW = timedelta(hours=24)


class Counting:
    """A sensitive-term test that remembers which posts it was run on."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, post):
        self.seen.append(post.id)
        return {"term": "爆炸"} if "爆炸" in post.title + post.text else None


def _find(matches, store, test, now):
    return matches.find(store, "k", "fp", test, now - WINDOW, now)


def test_a_check_tests_only_new_or_changed_posts_within_the_margin(tmp_path, store):
    """Posts stored within MARGIN before a check are looked at again by the next one (a crawl
    may still have been writing); those unchanged since are not read or tested again, a
    changed one is, and the matches equal a fresh scan of the window each time."""
    matches = PostMatches(tmp_path / "rule-matches.db")
    now = T0 + timedelta(hours=1)
    recent = now - MARGIN / 3  # within the next check's margin
    store.upsert_post(make_post(0, title="化工厂爆炸", crawled_at=T0))
    store.upsert_post(make_post(1, title="道路施工", crawled_at=recent))
    store.upsert_post(make_post(2, title="仓库爆炸起火", crawled_at=recent))
    first = Counting()
    found = _find(matches, store, first, now)
    assert len(first.seen) == 3  # the window, scanned once
    assert [pid for pid, _ in found] == [make_post(i).id for i in (0, 2)]

    later = now + timedelta(minutes=5)
    second = Counting()
    assert _find(matches, store, second, later) == found
    assert second.seen == []  # posts 1 and 2 are within the margin but unchanged

    store.upsert_post(make_post(1, title="道路施工", text="施工现场爆炸", crawled_at=later))
    store.upsert_post(make_post(3, title="燃气爆炸", crawled_at=later))
    store.upsert_post(make_post(2, title="仓库起火已扑灭", crawled_at=later))  # no longer
    third = Counting()
    latest = later + timedelta(minutes=5)
    found = _find(matches, store, third, latest)
    assert sorted(third.seen) == sorted(make_post(i).id for i in (1, 2, 3))
    assert found == _find(PostMatches(), store, Counting(), latest)  # what a scan finds
    assert {pid for pid, _ in found} == {make_post(i).id for i in (0, 1, 3)}


def test_a_post_stored_late_with_an_earlier_stamp_is_still_tested(tmp_path, store):
    """A crawl stamps a post before storing it: one stamped before a check but stored after
    it is found by the next check (the margin), once."""
    matches = PostMatches(tmp_path / "rule-matches.db")
    now = T0 + timedelta(hours=1)
    _find(matches, store, Counting(), now)
    store.upsert_post(make_post(5, title="隧道爆炸", crawled_at=now - timedelta(minutes=2)))
    test = Counting()
    found = _find(matches, store, test, now + timedelta(minutes=1))
    assert test.seen == [make_post(5).id] and [pid for pid, _ in found] == test.seen
    again = Counting()
    assert _find(matches, store, again, now + timedelta(minutes=2)) == found
    assert again.seen == []
