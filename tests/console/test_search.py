"""信息检索 over real HTTP (the console served by waitress, a real SQLite store): words in the
title or body, marked in escaped text, filters, ordering, pages, sign-in."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.alerts.conftest import T0, make_post
from tests.console.conftest import EVIL, quiet_event


def _result_ids(html: str) -> list[str]:
    table = html.split('id="results"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'href="/posts/([^"]+)"', table)


def test_staff_find_messages_by_their_words_marked_and_escaped(rig):
    quiet_event(rig)
    s = rig.login()
    r = s.get(f"{rig.base}/search", params={"q": "拖欠"})
    assert r.status_code == 200
    wage = [p.id for p in rig.store.iter_posts() if "拖欠" in p.title]
    assert sorted(_result_ids(r.text)) == sorted(wage) and len(wage) == 4
    assert "<mark>拖欠</mark>" in r.text and EVIL not in r.text
    assert "&lt;script&gt;" in r.text and 'href="/events/e1"' in r.text
    # the newest first: 工地拖欠工资…第3条 was posted last
    newest = max(
        (p for p in rig.store.iter_posts() if "拖欠" in p.title), key=lambda p: p.published_at
    )
    assert _result_ids(r.text)[0] == newest.id
    fumes = s.get(f"{rig.base}/search", params={"q": "油烟 开窗"})
    assert len(_result_ids(fumes.text)) == 2 and "<mark>开窗</mark>" in fumes.text
    none = s.get(f"{rig.base}/search", params={"q": "拖欠 油烟"})
    assert _result_ids(none.text) == [] and "没有符合条件的信息" in none.text
    # markup as the query: the messages carrying it as text are found, query and marks escaped
    evil = s.get(f"{rig.base}/search", params={"q": EVIL})
    assert evil.status_code == 200 and EVIL not in evil.text
    assert len(_result_ids(evil.text)) == 6 and "<mark>&lt;script&gt;" in evil.text
    assert "<script>" not in evil.text.split('id="results"', 1)[1]


def test_filters_order_and_unknown_values(rig):
    quiet_event(rig)
    s = rig.login()
    everything = _result_ids(s.get(f"{rig.base}/search").text)
    assert len(everything) == 6
    by_focus = s.get(f"{rig.base}/search", params={"focus": "ecology"})
    assert _result_ids(by_focus.text) == []  # the posts carry no focus of their own
    bogus = s.get(f"{rig.base}/search", params={"focus": "nonsense", "days": "9999"})
    assert _result_ids(bogus.text) == everything  # an unknown value filters nothing
    negative = s.get(f"{rig.base}/search", params={"order": "negative"})
    ids = _result_ids(negative.text)
    scored = {p.id: p.sentiment for p in rig.store.iter_posts()}
    assert [scored[i] for i in ids[:4]] == [-0.7] * 4  # the scored negatives first
    assert "负面</span>" in negative.text


def test_results_come_in_pages(rig):
    for i in range(120):
        rig.store.upsert_post(
            make_post(
                1000 + i,
                title=f"路灯不亮第{i}号",
                text="小区路灯坏了很久。",
                when=T0 - timedelta(minutes=i),
            )
        )
    rig.store.flush()
    s = rig.login()
    pages, page = [], 1
    while True:
        r = s.get(f"{rig.base}/search", params={"q": "路灯", "page": page})
        pages.append(_result_ids(r.text))
        if 'id="next-page"' not in r.text:
            break
        page += 1
    assert [len(p) for p in pages] == [50, 50, 20]
    seen = [i for p in pages for i in p]
    assert len(set(seen)) == 120
    assert "第 101–120 条" in r.text and 'id="prev-page"' in r.text


def test_search_needs_a_session(rig):
    r = rig.login(password="wrong").get(f"{rig.base}/search?q=拖欠", allow_redirects=False)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_the_search_exports_as_csv_that_runs_no_formula(rig):
    import csv
    import io

    quiet_event(rig)
    rig.store.upsert_post(
        make_post(2000, title='=HYPERLINK("http://x.example","点我")拖欠', text="-2+3 拖欠工资")
    )
    rig.store.flush()
    s = rig.login()
    page = s.get(f"{rig.base}/search", params={"q": "拖欠", "days": 30})
    assert 'href="/search.csv?q=' in page.text and "days=30" in page.text
    r = s.get(f"{rig.base}/search.csv", params={"q": "拖欠", "days": 30})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"].startswith('attachment; filename="search-')
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff时间,信息源,渠道,标题,链接")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]
    assert len(rows) == 5 == len(_result_ids(page.text))  # the page's results, all of them
    formula = next(r for r in rows if "HYPERLINK" in r[3])
    assert formula[3].startswith("'=HYPERLINK") and formula[-1] == "'-2+3 拖欠工资"
    texts = [cell for row in rows for cell in row if not re.fullmatch(r"-?[\d.]+", cell)]
    assert not [cell for cell in texts if cell.startswith(("=", "+", "-", "@"))]
    assert [row[7] for row in rows].count("-0.7") == 4  # the scores stay numbers
    assert (
        rig.login(password="wrong").get(f"{rig.base}/search.csv", allow_redirects=False).status_code
        == 302
    )


def test_spreadsheet_cells_quote_formulas_only():
    from yuqing.text import spreadsheet

    assert spreadsheet("=1+1") == "'=1+1" and spreadsheet("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet("+86 138") == "'+86 138" and spreadsheet("\t=1") == "'\t=1"
    assert spreadsheet("拖欠工资 = 违法") == "拖欠工资 = 违法"
    assert spreadsheet(-0.5) == -0.5 and spreadsheet(3) == 3 and spreadsheet(None) is None
    assert spreadsheet("a\x00b") == "ab"  # sanitised too


def test_staff_narrow_the_search_to_a_place(rig):
    """地区: the places the window's posts are about, with their counts; choosing one keeps
    its posts only."""
    from yuqing.models import post_place

    town = [
        make_post(
            3000 + i, title="白水洋养殖场臭气", text="拖欠整改", regions_mentioned=["白水洋镇"]
        )
        for i in range(2)
    ]
    for p in town:
        rig.store.upsert_post(p)
    rig.store.flush()
    place = post_place(town[0])
    assert place and "白水洋镇" in place
    s = rig.login()
    page = s.get(f"{rig.base}/search", params={"q": "拖欠"})
    assert f'<option value="{place}" >{place}（2）</option>' in page.text
    assert len(_result_ids(page.text)) == 6
    there = s.get(f"{rig.base}/search", params={"q": "拖欠", "place": place})
    assert sorted(_result_ids(there.text)) == sorted(p.id for p in town)
