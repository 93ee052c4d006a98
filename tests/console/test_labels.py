"""Label feedback in the console: a correction is stored with what it corrected, escaped
everywhere, and exported."""

from __future__ import annotations

import json

from tests.conftest import run_cli
from tests.console.conftest import EVIL, form_csrf


def _post_id(rig):
    return rig.store.get_event("e1").post_ids[0]


def test_staff_corrects_category_focus_and_negativity(rig):
    s = rig.login()
    pid = _post_id(rig)
    page = s.get(f"{rig.base}/posts/{pid}")
    assert page.status_code == 200 and EVIL not in page.text and "&lt;script&gt;" in page.text
    assert "劳动和社会保障" in page.text  # the classifier's categories are offered
    r = s.post(
        f"{rig.base}/posts/{pid}/feedback",
        data={
            "csrf": form_csrf(page.text),
            "category": "劳动和社会保障",
            "focus_changed": "1",
            "focus": ["wage_arrears", "not-a-topic"],
            "negative": "yes",
            "note": EVIL,
        },
    )
    assert r.status_code == 200 and "已记录纠正" in r.text
    assert EVIL not in r.text and "&lt;img src=x" in r.text  # feedback text is escaped too
    (fb,) = rig.store.iter_feedback()
    assert (fb.post_id, fb.category, fb.focus, fb.negative) == (
        pid,
        "劳动和社会保障",
        ["wage_arrears"],
        True,
    )
    assert fb.by == "值班员甲" and fb.title.startswith("工地拖欠工资") and fb.note == EVIL
    assert fb.was["sentiment"] == -0.7
    # focus topics by their names, not their ids (the page once showed "wage_arrears")
    assert "重点领域→工资拖欠" in r.text and "wage_arrears<" not in r.text


def test_post_page_names_focus_topics(rig):
    pid = _post_id(rig)
    post = rig.store.get_post(pid)
    post.focus = ["wage_arrears", "work_safety"]
    rig.store.upsert_post(post)
    rig.store.flush()
    page = rig.login().get(f"{rig.base}/posts/{pid}").text
    assert '<td id="post-focus">工资拖欠、安全生产</td>' in page


def test_post_page_says_where_the_matter_is(rig):
    """地区: the place the aggregates count it under, and the places it names."""
    pid = _post_id(rig)
    post = rig.store.get_post(pid)
    post.regions_mentioned, post.region = ["白水洋镇", "临海市"], "临海市"
    rig.store.upsert_post(post)
    rig.store.flush()
    page = rig.login().get(f"{rig.base}/posts/{pid}").text
    place = page.split('id="post-place">', 1)[1].split("</td>", 1)[0]
    assert place.startswith("临海市白水洋镇") and "提及：白水洋镇、临海市" in place


def test_unknown_category_and_missing_csrf_are_refused(rig):
    s = rig.login()
    pid = _post_id(rig)
    page = s.get(f"{rig.base}/posts/{pid}")
    r = s.post(
        f"{rig.base}/posts/{pid}/feedback", data={"csrf": form_csrf(page.text), "category": "x"}
    )
    assert r.status_code == 400
    r = s.post(f"{rig.base}/posts/{pid}/feedback", data={"category": "劳动和社会保障"})
    assert r.status_code == 400
    assert list(rig.store.iter_feedback()) == []


def test_feedback_is_exported(rig):
    s = rig.login()
    pid = _post_id(rig)
    page = s.get(f"{rig.base}/posts/{pid}")
    s.post(
        f"{rig.base}/posts/{pid}/feedback",
        data={"csrf": form_csrf(page.text), "negative": "no"},
    )
    out = run_cli("--config", str(rig.cfg.dir), "export", "feedback", check=True)
    (row,) = [json.loads(x) for x in out.stdout.splitlines()]
    assert row["post_id"] == pid and row["negative"] is False and row["category"] is None
