"""Hot issues: anchors, the hot index, consolidation (order invariance, stable ids), the CLI."""

import json
import random
import shutil
from datetime import timedelta

import pytest
from click.testing import CliRunner

from tests.nlp.helpers import REPO, T0, TZ, make_stage, post, teddy
from yuqing.cli import cli
from yuqing.hotindex import HotInputs, Signal, history, hot_index
from yuqing.models import Event
from yuqing.nlp.anchors import AnchorExtractor, anchor_conflict, anchors_match
from yuqing.nlp.consolidate import Consolidator
from yuqing.nlp.segment import read_userdict


@pytest.fixture(scope="module")
def ax():
    return AnchorExtractor(read_userdict())


def test_anchors_find_the_place_without_region_prefixes(ax):
    assert ax.extract("A市A5区魅力之城小区一楼的夜宵摊污染空气").places == ["魅力之城"]
    assert ax.extract("伊景园滨河苑开发商捆绑销售车位").places == ["伊景园滨河苑"]
    assert ax.extract("A市经济学院强制学生实习").places == ["经济学院"]
    assert ax.extract("A市经济学院强制学生实习").groups == ["学生"]
    assert ax.extract("K3县茅竹镇板桥村修路问题").places[0] == "茅竹镇板桥村"
    # generic words are not places: 我们小区, 物业公司, 这条路
    assert ax.extract("我们小区物业公司乱收费，这条路也坏了").places == []
    # a generic name keeps its region: every county has a 人民医院
    d7 = ax.extract("D7县人民医院医护人员违规操作").places
    assert d7 == ["D7县人民医院"]
    assert anchor_conflict(d7, ax.extract("A市人民医院无法使用电子健康卡").places)
    # departments answer messages; they are not what an issue is about
    assert ax.extract("A市人民政府和A7县教育局").places == []


def test_anchor_matching_and_conflicts():
    assert anchors_match("滨河苑", "伊景园滨河苑") and anchors_match("魅力之城", "魅力之城")
    assert not anchors_match("滨河苑", "丽发新城")
    assert anchor_conflict(["滨河苑"], ["丽发新城"])
    assert not anchor_conflict(["滨河苑"], ["伊景园滨河苑", "地铁站"])
    assert not anchor_conflict([], ["丽发新城"])  # no place named: no conflict


def _sig(i, author, likes=0, days=0.0):
    return Signal(T0 + timedelta(days=days), author, likes, "board", 0.3)


def test_hot_index_people_outweigh_one_liked_message():
    viral = HotInputs.of([_sig(0, "a", likes=2000)])
    residents = HotInputs.of([_sig(i, f"r{i}", likes=3, days=i * 25) for i in range(14)])
    assert hot_index(residents) > hot_index(viral) > 0
    # engagement still counts: the same message without likes is cooler
    assert hot_index(viral) > hot_index(HotInputs.of([_sig(0, "a")]))


def test_one_account_templated_messages_stay_cool():
    spam = HotInputs.of([_sig(i, "same-account", days=i) for i in range(32)])
    five = HotInputs.of([_sig(i, f"r{i}", days=i) for i in range(5)])
    assert spam.authors == 1 and hot_index(five) > hot_index(spam)


def test_reposts_name_nobody_new():
    """The same message crawled from a board's API (with its author) and its HTML page (no
    author, marked as a copy) is one resident, not two."""
    original = _sig(0, "board:网友c167", likes=33)
    copy = Signal(original.time, "post:x", 0, "board-html", 0.3, repost=True, named=False)
    x = HotInputs.of([original, copy])
    assert x.authors == 1 and x.messages == 2 and x.reposts == 1 and x.peak == 1
    # a copy posted under another resident's name is that resident raising it too
    other = Signal(original.time, "board:网友0001", 0, "board", 0.3, repost=True)
    assert HotInputs.of([original, copy, other]).authors == 2


def test_concentrated_issue_is_hotter_than_the_same_spread_out():
    together = HotInputs.of([_sig(i, f"r{i}", days=i) for i in range(10)])
    spread = HotInputs.of([_sig(i, f"r{i}", days=60 * i) for i in range(10)])
    assert together.peak == 10 and spread.peak == 1
    assert hot_index(together) > hot_index(spread)


def test_history_is_the_index_after_each_day():
    sigs = [_sig(i, f"r{i}", days=d) for i, d in enumerate((0, 0.1, 3, 10))]
    h = history(sigs, TZ)
    assert [d for d, _ in h] == ["2020-05-01", "2020-05-04", "2020-05-11"]
    assert [v for _, v in h] == sorted(v for _, v in h)  # more people, hotter
    assert h[-1][1] == hot_index(HotInputs.of(sigs))


# -- consolidation ------------------------------------------------------------------------
PROBLEMS = {
    "车位": (
        "开发商捆绑销售车位，不买车位就不给办理交房手续。",
        "车位价格高达二十万，被迫签订车位购买合同。",
        "要求开发商停止捆绑销售车位的违规行为。",
        "交房时被告知必须购买车位才能拿到钥匙。",
    ),
    "噪音": (
        "附近的搅拌站每天夜间施工，轰鸣声扰民。",
        "搅拌站粉尘漫天，晚上噪音让人无法入睡。",
        "老人孩子被搅拌站噪音折磨得身体不适。",
        "请环保部门查处搅拌站夜间违规生产。",
    ),
}
ESTATES = ("伊景园滨河苑", "丽发新城小区", "魅力之城小区")
INTROS = ("我是{}的业主。", "本人住在{}。", "{}业主反映：")
CLOSERS = ("望尽快解决！", "谢谢领导。", "", "盼复。")


def _archive(n_background=390):
    """Two issues at one estate (parking, noise), the parking complaint at two other estates,
    and background messages; residents are different people writing in their own words,
    months apart."""
    rnd = random.Random(5)
    posts = []
    for i, row in enumerate(teddy("dev")[:n_background]):
        p = post(f"bg{i:03d}", row["title"], row["body"], minutes=rnd.uniform(0, 400) * 1440)
        p.author = f"u{i}"
        posts.append(p)
    for k, (problem, lines) in enumerate(PROBLEMS.items()):
        for j in range(6):
            body = rnd.choice(INTROS).format(ESTATES[0]) + "".join(rnd.sample(lines, 2))
            p = post(
                f"is{k}-{j}",
                f"{ESTATES[0]}{problem}问题",
                body + rnd.choice(CLOSERS),
                minutes=(40 * j + k) * 1440,
            )
            p.author = f"resident{k}-{j}"
            posts.append(p)
    for j, estate in enumerate(ESTATES[1:]):  # the same problem elsewhere: other issues
        lines = PROBLEMS["车位"]
        p = post(f"other{j}", f"{estate}车位问题", INTROS[0].format(estate) + "".join(lines[:2]))
        p.author = f"o{j}"
        posts.append(p)
    return posts


@pytest.fixture(scope="module")
def analysed():
    stage = make_stage()
    posts = _archive()
    for p, a in zip(
        posts,
        stage.analyzer.analyze_texts([p.title for p in posts], [p.text for p in posts]),
        strict=True,
    ):
        stage.analyzer.apply(p, a)
    return posts


def _partition(result):
    groups = {}
    for pid, eid in result.post_event.items():
        groups.setdefault(eid, set()).add(pid)
    return sorted(sorted(g) for g in groups.values())


def test_consolidation_groups_one_place_and_problem_and_ignores_arrival_order(analysed):
    c = Consolidator(anchors=AnchorExtractor(read_userdict()), tz=TZ)
    first = c.run(list(analysed))
    parts = _partition(first)
    issue0 = sorted(f"is0-{j}" for j in range(6))
    issue1 = sorted(f"is1-{j}" for j in range(6))
    assert issue0 in parts and issue1 in parts  # same estate, two problems: two issues
    assert ["other0"] in parts and ["other1"] in parts  # same problem, other estates
    rnd = random.Random(1)
    for _ in range(3):
        shuffled = list(analysed)
        rnd.shuffle(shuffled)
        again = c.run(shuffled)
        assert _partition(again) == parts
        assert {e.id: (e.title, e.hotness) for e in again.events} == {
            e.id: (e.title, e.hotness) for e in first.events
        }
    ev = next(e for e in first.events if e.size == 6 and "车位" in e.title)
    assert ev.anchors == ["伊景园滨河苑"] and ev.authors == 6
    assert len(ev.representative_ids) == 3 and ev.hot_history and ev.consolidated


def test_event_ids_are_stable_and_fragments_become_aliases(analysed):
    posts = [p for p in analysed if p.id.startswith("is0-")]
    c = Consolidator(anchors=AnchorExtractor(read_userdict()), tz=TZ)
    for i, p in enumerate(posts):  # per-post assignment left three fragments
        p.event_id = f"frag{i // 2}"
    old = {f"frag{i}": Event(id=f"frag{i}", title="", aliases=[f"older{i}"]) for i in range(3)}
    res = c.run(posts, old)
    assert len(res.events) == 1
    ev = res.events[0]
    earliest = min(posts, key=lambda p: (p.published_at, p.id))
    assert ev.id == res.post_event[earliest.id]
    assert set(ev.aliases) >= {"frag0", "frag1", "frag2", "older0"}
    assert sorted(res.retired) == ["frag0", "frag1", "frag2"]
    for p in posts:
        p.event_id = res.post_event[p.id]
    assert c.run(posts, {ev.id: ev}).changed_posts == {}  # stable: nothing moves twice


# -- the commands --------------------------------------------------------------------------
def _config_dir(tmp_path, extra: str = ""):
    """The shipped configuration with its store in ``tmp_path`` (``extra`` YAML appended)."""
    cfg_dir = tmp_path / "config"
    shutil.copytree(REPO / "config", cfg_dir)
    text = (cfg_dir / "settings.yaml").read_text(encoding="utf-8")
    text = text.replace("path: var/yuqing.db", f"path: {tmp_path / 'store.db'}")
    (cfg_dir / "settings.yaml").write_text(text + extra, encoding="utf-8")
    return cfg_dir


def test_rebuild_and_hot_commands_on_a_store(tmp_path, analysed):
    from yuqing.config import load_config
    from yuqing.storage import open_store

    cfg_dir = _config_dir(tmp_path)
    stage = make_stage()
    with open_store(load_config(cfg_dir)) as store:
        stage.sink = stage.events.sink = store
        for p in sorted(analysed, key=lambda p: p.published_at):
            p.event_id = None
            p.engagement = {"likes": 2, "dislikes": 1}
        stage.process_many([p for p in analysed])
        store.upsert_posts(analysed)
        before = {e.id for e in store.iter_events()}
    run = CliRunner().invoke
    r = run(cli, ["--config", str(cfg_dir), "events", "rebuild"])
    assert r.exit_code == 0, r.output
    stats = json.loads(r.output)
    assert stats["posts"] == len(analysed) and stats["events"] <= len(before)
    r = run(cli, ["--config", str(cfg_dir), "hot", "--top", "3", "--format", "json", "--details"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    top = out["issues"]
    assert [x["rank"] for x in top] == [1, 2, 3]
    assert top[0]["hot_index"] >= top[1]["hot_index"] >= top[2]["hot_index"]
    assert {x["messages"] for x in top[:2]} == {6} and top[0]["authors"] == 6
    assert "伊景园滨河苑" in top[0]["place"] and top[0]["likes"] == 12
    assert {m["issue_id"] for m in out["messages"]} == {x["issue_id"] for x in top}
    r = run(
        cli, ["--config", str(cfg_dir), "hot", "--since", "2020-05-01", "--until", "2020-06-30"]
    )
    assert r.exit_code == 0 and "热点问题表" in r.output and "伊景园滨河苑" in r.output
    # a period reads only its posts from the store, and ranks as over the whole store
    from datetime import datetime, timedelta, timezone

    from yuqing.dashboards.hot_table import hot_rows
    from yuqing.hotindex import HotIndexWeights

    cfg = load_config(cfg_dir)
    tz8 = timezone(timedelta(hours=8))
    since, until = datetime(2020, 5, 1, tzinfo=tz8), datetime(2020, 7, 1, tzinfo=tz8)
    with open_store(cfg) as store:
        every = list(store.iter_posts())
        expected = hot_rows(
            list(store.iter_events()),
            every,
            since=since,
            until=until,
            top=10,
            weights=HotIndexWeights.from_settings(cfg.settings.nlp.hotness),
            source_weights={s.id: s.weight for s in cfg.sources.sources},
        )
    args = ["--since", "2020-05-01", "--until", "2020-06-30", "--format", "json"]
    r = run(cli, ["--config", str(cfg_dir), "hot", *args])
    assert json.loads(r.output)["issues"] == json.loads(
        json.dumps([x.as_dict() for x in expected], ensure_ascii=False, default=str)
    )
    assert len(expected) > 1 and sum(x.messages for x in expected) < len(every)
    r = run(cli, ["--config", str(cfg_dir), "hot", "--format", "csv", "--top", "2"])
    assert r.output.splitlines()[0].startswith("排名,问题ID,热度指数,时间范围")
    r = run(cli, ["--config", str(cfg_dir), "hot", "--since", "2020-13-01"])
    assert r.exit_code != 0 and "--since" in r.output and "Traceback" not in r.output


def test_nightly_consolidation_is_scheduled_and_stable(tmp_path, analysed):
    from yuqing.app.jobs import events_rebuild_job
    from yuqing.app.scheduler import build_scheduler
    from yuqing.config import load_config
    from yuqing.nlp.rebuild import consolidator_for, rebuild_events
    from yuqing.storage import open_store

    cfg_dir = _config_dir(
        tmp_path, "nlp:\n  events: {rebuild_time: '03:15', rebuild_window: 100000d}\n"
    )
    cfg = load_config(cfg_dir)
    sched = build_scheduler(cfg, crawl=False)
    job = sched.get_job("events_rebuild")
    assert job is not None and "hour='3'" in str(job.trigger) and "minute='15'" in str(job.trigger)
    with open_store(cfg) as store:
        for p in analysed:
            p.event_id = None
        store.upsert_posts(analysed)
        first = rebuild_events(store, consolidator_for(cfg), None, T0)
    assert first["posts_repointed"] == len(analysed)
    again = events_rebuild_job(str(cfg_dir))  # nothing moved: ids are stable
    assert again["posts_repointed"] == 0 and again["merged_away"] == 0
    assert again["events"] == first["events"]


def test_nightly_consolidation_of_a_quiet_period(tmp_path):
    """No post in the window (a fresh install, a quiet night): nothing to do, no error (the
    job raised AttributeError: 'Consolidator' object has no attribute '_last')."""
    from yuqing.app.jobs import events_rebuild_job

    out = events_rebuild_job(str(_config_dir(tmp_path)))
    assert out["posts"] == 0 and out["events"] == 0 and out["posts_repointed"] == 0


def test_building_sites_are_places_and_roads_are_not_sites(ax):
    from yuqing.nlp.anchors import is_site

    # 工地 names the site of the estate or project before it (like 项目)
    assert ax.extract("A7县城南安置房工地的工人一年没拿到工钱").places == ["城南安置房"]
    assert ax.extract("金岸佳园工地晚上施工扰民").places == ["金岸佳园"]
    assert all(map(is_site, ["翠湖花园", "城南安置房", "搅拌站", "河口村", "枫林小学"]))
    assert not any(map(is_site, ["人民路", "解放大道", "东风社区", "高新产业园"]))


def test_a_period_rebuild_reads_the_period_and_its_issues_not_the_store(tmp_path, analysed):
    """``rebuild_events`` with ``since`` (the nightly job) consolidates the period's posts plus
    the earlier posts of the issues they belong to, and reads nothing else from the store: at
    a million stored posts the nightly job listed every one of them."""
    import copy

    from yuqing.config import load_config
    from yuqing.models import post_time
    from yuqing.nlp.rebuild import consolidator_for, rebuild_events
    from yuqing.storage import open_store

    cfg = load_config(_config_dir(tmp_path))
    posts = [copy.deepcopy(p) for p in analysed]
    for p in posts:
        p.event_id = None
    read: set[str] = set()

    class Reading:  # the real store, noting every post it hands out
        def __init__(self, store):
            self.store = store

        def __getattr__(self, name):
            return getattr(self.store, name)

        def iter_posts(self, *a, **kw):
            for p in self.store.iter_posts(*a, **kw):
                read.add(p.id)
                yield p

        def find_posts(self, *a, **kw):
            found = self.store.find_posts(*a, **kw)
            read.update(p.id for p in found)
            return found

    with open_store(cfg) as store:
        store.upsert_posts(posts)
        rebuild_events(store, consolidator_for(cfg), None, T0)
        every = list(store.iter_posts())
        since = T0 + timedelta(days=150)
        recent = {p.id for p in every if post_time(p) >= since}
        touched = {p.event_id for p in every if p.id in recent}
        want = {p.id for p in every if p.id in recent or p.event_id in touched}
        chosen = sorted((p for p in every if p.id in want), key=lambda p: p.id)
        old = {e: ev for e in sorted(touched) if (ev := store.get_event(e)) is not None}
        expected = consolidator_for(cfg).run(chosen, old).events  # on the whole posts
        stats = rebuild_events(Reading(store), consolidator_for(cfg), since, since)
        got = {ev.id: ev for ev in store.iter_events()}
    assert stats["posts"] == len(want) and want - recent  # issues begun earlier, read whole
    for ev in expected:  # the same events as from the whole posts (it keeps lean copies)
        ev.updated_at = since
        assert got[ev.id].to_dict() == ev.to_dict()
    margin = since - timedelta(hours=1)  # a post time may run an hour ahead of the crawl
    elsewhere = {p.id for p in every if p.id not in want and p.updated_at < margin}
    assert elsewhere and not read & elsewhere
