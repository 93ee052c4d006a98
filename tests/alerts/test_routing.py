from __future__ import annotations

from tests.alerts.conftest import load, write_config
from yuqing.alerts.routing import Router
from yuqing.alerts.rules.base import Match


def router(tmp_path, **kw):
    return Router(load(write_config(tmp_path, [], **kw)), ["red"])


def test_focus_topic_lead_unit_first_and_co_responsible_after(tmp_path):
    r = router(tmp_path).route(Match("e", "t", focus=["food_drug"]), "yellow")
    assert r.departments == ["market", "health"] and r.lead == "market"


def test_category_then_domain_keywords(tmp_path):
    r = router(tmp_path).route(
        Match("e", "t", category="环境保护", text="小区拆迁补偿不到位"), "yellow"
    )
    assert r.departments == ["ecology", "construction"]


def test_unroutable_goes_to_duty_office_never_nowhere(tmp_path):
    r = router(tmp_path).route(Match("e", "天气晴朗"), "blue")
    assert r.departments == ["cac"]


def test_red_copies_duty_office(tmp_path):
    assert router(tmp_path).route(Match("e", "t", focus=["work_safety"]), "red").departments == [
        "emergency",
        "cac",
    ]


def test_source_alerts_go_to_owner_and_duty(tmp_path):
    r = router(tmp_path).route(Match("source:x", "t", owner="bigdata"), "blue", source_alert=True)
    assert r.departments == ["bigdata", "cac"]
    r = router(tmp_path).route(Match("source:y", "t"), "blue", source_alert=True)
    assert r.departments == ["cac"]


def test_rule_override_and_region(tmp_path):
    depts = [
        {"id": "cac", "name": "网信办", "emails": ["d@x.example"], "duty": True},
        {"id": "town", "name": "某镇", "emails": ["t@x.example"], "region": "东城镇"},
        {"id": "ecology", "name": "生态环境分局", "emails": ["e@x.example"]},
    ]
    cdir = write_config(tmp_path, [], departments=depts)
    (cdir / "topics.yaml").write_text(
        "focus: [{id: ecology, name: 生态, departments: [ecology]}]\n", encoding="utf-8"
    )
    r = Router(load(cdir), ["red"])
    assert r.route(Match("e", "t", focus=["ecology"], region="东城镇"), "yellow").departments == [
        "ecology",
        "town",
    ]
    assert r.route(Match("e", "t", focus=["ecology"]), "yellow", override=["town"]).departments == [
        "town"
    ]


def test_an_alert_about_a_township_reaches_the_units_of_its_county(tmp_path):
    """Region routing: the departments whose region is the alert's first, then those whose
    region contains it (白水洋镇 lies in 临海市, in 台州市); another county's units are not
    copied."""
    depts = [
        {"id": "cac", "name": "网信办", "emails": ["d@x.example"], "duty": True},
        {"id": "town", "name": "白水洋镇人民政府", "emails": ["t@x.example"], "region": "白水洋镇"},
        {"id": "county", "name": "临海市信访局", "emails": ["c@x.example"], "region": "临海市"},
        {"id": "city", "name": "台州市信访局", "emails": ["s@x.example"], "region": "台州市"},
        {"id": "other", "name": "岳麓区信访局", "emails": ["o@x.example"], "region": "岳麓区"},
    ]
    r = Router(load(write_config(tmp_path, [], departments=depts)), ["red"])
    route = r.route(Match("e", "t", region="白水洋镇"), "yellow")
    assert route.departments == ["town", "county", "city"]
    assert r.route(Match("e", "t", region="临海市"), "yellow").departments == ["county", "city"]
    assert r.route(Match("e", "t", region="杜桥镇"), "yellow").departments == ["county", "city"]
    assert r.route(Match("e", "t", region="邵冬县"), "yellow").departments == ["cac"]
    # a place as the aggregates name it (the township with its county in front)
    assert r.route(Match("e", "t", region="临海市白水洋镇"), "yellow").departments == [
        "town",
        "county",
        "city",
    ]
