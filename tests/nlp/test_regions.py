"""Place names (nlp/gazetteer.py): China's divisions, the shared data's codes, configured names;
and events kept apart by the regions their posts name."""

import functools

import pytest

from tests.nlp.helpers import make_stage, post, teddy
from yuqing.divisions import township_rows
from yuqing.nlp.gazetteer import RegionFinder, load_gazetteer, region_keys, regions_differ


@functools.lru_cache(maxsize=1)
def _segmenter():
    from yuqing.nlp.segment import DEFAULT_STOPWORDS, DEFAULT_USERDICT, get_segmenter

    return get_segmenter(DEFAULT_USERDICT, DEFAULT_STOPWORDS)


def found(text: str, configured=()) -> list[str]:
    finder = RegionFinder(configured, load_gazetteer())
    return finder.find(text, _segmenter().lcut(text))


def row(split: str, rid: str) -> dict:
    return next(r for r in teddy(split) if r["id"] == rid)


def test_the_gazetteer_holds_the_divisions_with_their_levels():
    gaz = load_gazetteer()
    assert len(gaz) > 3000  # 31 provinces, ~330 prefectures, ~2,900 counties
    assert gaz.codes["岳麓区"] == ("430104",) and gaz.codes["湖南省"] == ("43",)
    assert len(gaz.codes["鼓楼区"]) >= 4  # one name, several places
    assert gaz.short["长沙"] == "长沙市" and gaz.short["内蒙古"] == "内蒙古自治区"
    assert gaz.short["湘西"] == "湘西土家族苗族自治州"
    assert "朝阳" not in gaz.short  # 朝阳市, 朝阳区, 朝阳县: ambiguous
    assert "岳麓" not in gaz.short  # a district is named with its type


def test_full_names_at_every_level_the_most_specific_first():
    assert found("湖南省长沙市岳麓区麓谷街道某小区停车难") == ["岳麓区", "长沙市", "湖南省"]
    assert found("内蒙古自治区呼和浩特市新城区供暖不足") == [
        "新城区",
        "呼和浩特市",
        "内蒙古自治区",
    ]
    assert region_keys(found("长沙市岳麓区"))[2] == {"430104"}
    assert region_keys(["岳麓区"])[:2] == ({"43"}, {"4301"})  # a county is in its city


def test_a_post_naming_two_counties_names_both():
    names = found("岳麓区和天心区交界处的渣土车半夜运输，噪音扰民")
    assert set(names) == {"岳麓区", "天心区"}
    both = region_keys(names)
    assert not regions_differ(both, region_keys(["岳麓区"]))  # it is about 岳麓区 too
    assert regions_differ(region_keys(["岳麓区"]), region_keys(["天心区"]))
    assert regions_differ(region_keys(["岳麓区"]), region_keys(["株洲市"]))  # another city
    assert not regions_differ(region_keys(["岳麓区"]), region_keys(["长沙市"]))
    assert not regions_differ(region_keys(["岳麓区"]), region_keys([]))


def test_short_forms_only_where_unambiguous():
    assert found("我从长沙到浏阳打工") == ["浏阳市", "长沙市"]  # a county-level city first
    assert found("我是许昌市民") == ["许昌市"]  # the place before the resident
    # 朝阳 is three places and a word (the morning sun): not a place on its own
    assert found("朝阳照在小区门口，朝阳的物业不作为") == []
    # the full name is a place even when it is several: 鼓楼区 of Nanjing, Fuzhou, Xuzhou…
    assert found("鼓楼区某小区") == ["鼓楼区"]
    assert len(region_keys(["鼓楼区"])[2]) >= 4
    # … and another place named tells which one
    assert region_keys(found("南京市鼓楼区某小区"))[2] == {"320106"}
    assert found("安徽省马鞍山市和县某镇") == ["和县", "马鞍山市", "安徽省"]


@pytest.mark.parametrize(
    "text",
    [
        "市民王海城市长热线反映",  # 王/海城/市长: a person, not 海城市
        "王长沙说小区电梯坏了",  # 王/长沙: a person
        "市民许昌反映小区停车难",  # 市民/许昌: a resident named 许昌
        "记者韩城报道",  # a reporter named 韩城
        "我和县长反映过多次",  # 和县 (Anhui) is not meant
        "我们是国家级示范县",  # nor 范县 (Henan)
        "新县城建设拆迁补偿",  # nor 新县
        "城区道路积水严重",  # 城区: an everyday word, also a district's name
        "到该县、全县、邻县了解情况",
        "小区B区3栋漏水",  # an estate's block, not an anonymised code
        "乡镇卫生院和县区级医院看病贵",  # 和 is "and" (jieba makes a token of 和县)
    ],
)
def test_words_and_names_that_look_like_places_are_none(text):
    assert found(text) == []


def test_the_shared_datas_codes_and_the_demos_county():
    assert found("A市A5区萌芽小区") == ["A5区", "A市"]
    assert region_keys(["A5区", "A市"]) == (frozenset(), {"~A"}, {"~A5"})
    assert regions_differ(region_keys(["F市"]), region_keys(["I市"]))
    # a real message of the shared data: the county is anonymised as a name in no table
    r = row("train", "m3dd08c9417")
    names = found(r["text"])
    assert names[0] == "邵冬县" and "A市" in names and "E市" in names
    assert region_keys(["邵冬县"])[2] == {"?邵冬县"}


def test_configured_names_come_first_and_the_switch_turns_the_gazetteer_off():
    text = "西地省A7县某镇和长沙市的两个小区"
    assert found(text, ["西地省", "A7县"]) == ["A7县", "西地省", "长沙市"]
    off = RegionFinder(["西地省", "A7县"], None)
    assert off.find(text, _segmenter().lcut(text)) == ["A7县", "西地省"]


# ---------------------------------------------------------------------- events
def test_the_same_complaint_in_two_counties_is_two_events_a_repost_joins():
    stage = make_stage(gazetteer=True)
    text = "{}某某路段渣土车夜间违规运输，沿途撒漏严重，噪音扰民，居民无法入睡，请求整治"
    posts = [
        post("y1", "渣土车扰民", text.format("长沙市岳麓区"), minutes=0),
        post("t1", "渣土车扰民", text.format("长沙市天心区"), minutes=30),
        post("y2", "渣土车扰民", text.format("岳麓区"), minutes=60),
        post("b1", "渣土车扰民", text.format("岳麓区、天心区交界"), minutes=90),
        post("y3", "渣土车扰民", text.format("长沙市岳麓区"), minutes=120),  # a repost of y1
    ]
    done = {p.id: p for p in stage.process_many(posts)}
    assert done["y1"].event_id != done["t1"].event_id
    assert done["y2"].event_id == done["y1"].event_id
    assert done["b1"].event_id in (done["y1"].event_id, done["t1"].event_id)
    assert done["y3"].duplicate_of == "y1" and done["y3"].event_id == done["y1"].event_id
    ev = stage.sink.get_event(done["t1"].event_id)
    assert ev.region == "天心区"  # what the text names


def test_an_event_about_a_township_is_that_townships():
    """The event's region is where its messages are about — the township, with its county —
    even when they name their county, a configured name, first."""
    from yuqing.nlp.gazetteer import gazetteer_with_townships

    gaz = gazetteer_with_townships(load_gazetteer().counties_of(["临海市"]))
    stage = make_stage(gazetteer=gaz, regions=["临海市"])
    text = "临海市白水洋镇某村的养殖场臭气熏天，村民多次反映无果，请求{}督促整改"
    posts = [post(f"w{i}", "养殖场臭气扰民", text.format(i), minutes=10 * i) for i in range(3)]
    done = stage.process_many(posts)
    assert done[0].regions_mentioned[:2] == ["临海市", "白水洋镇"]
    assert len({p.event_id for p in done}) == 1
    assert stage.sink.get_event(done[0].event_id).region == "临海市白水洋镇"


def test_the_shared_datas_pyramid_schemes_in_two_cities_are_two_events():
    """Real messages about 传销 in F市 and in I市: the same problem, two cities."""
    f = row("train", "mc7518e1167")
    i1, i2 = row("train", "mdff7ba4c76"), row("dev", "m299f746aab")
    posts = [
        post("f", f["title"], f["text"], minutes=0),
        post("i1", i1["title"], i1["text"], minutes=60),
        post("i2", i2["title"], i2["text"], minutes=120),
    ]
    done = {p.id: p for p in make_stage(gazetteer=True).process_many(posts)}
    assert done["f"].regions_mentioned == ["F市"] and "I市" in done["i2"].regions_mentioned
    assert done["f"].event_id not in (done["i1"].event_id, done["i2"].event_id)


def test_consolidation_keeps_two_counties_apart():
    from yuqing.nlp.consolidate import Consolidator

    stage = make_stage(gazetteer=True)
    text = "{}某某路段渣土车夜间违规运输，沿途撒漏严重，噪音扰民，居民无法入睡，请求整治{}"
    posts = [
        post(f"{k}{n}", "渣土车扰民", text.format(place, n), minutes=30 * n + (k == "t"))
        for n in range(3)
        for k, place in (("y", "长沙市岳麓区"), ("t", "长沙市天心区"))
    ]
    done = stage.process_many(posts)
    clusters = Consolidator().cluster(done)
    by_post = {done[i].id: c for c, members in enumerate(clusters) for i in members}
    assert len({by_post[f"y{n}"] for n in range(3)}) == 1
    assert {by_post[f"y{n}"] for n in range(3)}.isdisjoint(by_post[f"t{n}"] for n in range(3))


def test_anchors_drop_divisions_full_names_not_short_forms():
    from yuqing.nlp.anchors import canonical

    assert canonical("株洲市芦淞区服饰城") == "服饰城"  # as A市A5区魅力之城 → 魅力之城
    assert canonical("长沙市岳麓区魅力之城") == "魅力之城"
    assert canonical("长沙理工大学") == "长沙理工大学"  # a short form starts a name
    assert canonical("岳麓区人民医院") == "岳麓区人民医院"  # generic: the region tells which


# ---------------------------------------------------------------------- townships (乡镇 / 街道)
def town_finder(*configured: str) -> RegionFinder:
    gaz = load_gazetteer()
    return RegionFinder(configured, gaz.with_townships(gaz.counties_of(configured)))


def town_found(finder: RegionFinder, text: str) -> list[str]:
    return finder.find(text, _segmenter().lcut(text))


def test_the_townships_of_the_configured_counties_are_found_first():
    """临海市 configured: its 19 townships are places (the most specific first); another
    county's township is not, and without townships none is."""
    gaz = load_gazetteer()
    assert gaz.counties_of(["临海市"]) == {"331082"}
    finder = town_finder("临海市")
    assert town_found(finder, "白水洋镇某村的养殖场臭气熏天，村民多次反映无果") == ["白水洋镇"]
    assert town_found(finder, "临海市杜桥镇一企业拖欠工资") == ["临海市", "杜桥镇"]
    assert town_found(finder, "古城街道巨浪路施工噪音扰民") == ["古城街道"]
    # 麓谷街道 is 岳麓区's, 城关镇 is no township of 临海市; 知道/道路 end in 道 and are none
    assert town_found(finder, "岳麓区麓谷街道停车难，我知道这条道路城关镇也有") == ["岳麓区"]
    assert found("白水洋镇某村的养殖场臭气熏天") == []  # the gazetteer alone has no townships


def test_a_prefecture_brings_all_its_counties_townships_a_province_none():
    gaz = load_gazetteer()
    counties = gaz.counties_of(["长沙市"])
    assert "430104" in counties and len(counties) == 9  # 6 districts, 长沙县, 浏阳市, 宁乡市
    assert town_found(town_finder("长沙市"), "岳麓区麓谷街道停车难") == ["麓谷街道", "岳麓区"]
    assert gaz.counties_of(["湖南省"]) == set()  # thousands of names, repeated across it
    assert gaz.counties_of(["邵冬县", "A7县"]) == set()  # names in no table


def test_a_township_is_in_its_county_for_telling_events_apart():
    """Two townships of one county are not told apart; a township and another county are;
    a township name of many places (城关镇: 88) names its county only beside that county."""
    assert region_keys(["白水洋镇"]) == region_keys(["临海市"])
    assert not regions_differ(region_keys(["白水洋镇"]), region_keys(["杜桥镇"]))
    assert regions_differ(region_keys(["白水洋镇"]), region_keys(["岳麓区"]))
    assert len(region_keys(["城关镇"])[2]) > 50
    county = next(c for c in region_keys(["城关镇"])[2])
    named = [n for n, cs in load_gazetteer().codes.items() if cs == (county,)]
    if named:  # the county has a name of its own in the table
        assert region_keys(["城关镇", named[0]])[2] == {county}


def test_within_a_township_in_its_county_prefecture_and_province():
    from yuqing.divisions import within

    assert within("白水洋镇", "临海市") and within("白水洋镇", "台州市")
    assert within("白水洋镇", "浙江省") and within("白水洋镇", "浙江")
    assert within("岳麓区", "长沙市") and within("岳麓区", "长沙")
    assert not within("白水洋镇", "岳麓区") and not within("临海市", "临海市")
    assert not within("城关镇", "临海市")  # none of the 88 is 临海市's
    assert not within("A7县", "A市") and not within("某某小区", "临海市")


@pytest.mark.parametrize("townships", [True, False])
def test_the_analyzer_finds_the_townships_of_the_sources_counties(tmp_path, townships):
    """A source of 临海市 in sources.yaml: its townships are found in the posts
    (``nlp.townships``, default on); off, only the county's own name is."""
    import shutil

    import yaml

    from tests.nlp.helpers import REPO
    from yuqing.config.loader import load_config
    from yuqing.nlp.analyzer import PostAnalyzer
    from yuqing.nlp.normalize import normalize

    cdir = tmp_path / "config"
    shutil.copytree(REPO / "config", cdir)
    settings = yaml.safe_load((cdir / "settings.yaml").read_text(encoding="utf-8")) or {}
    settings.setdefault("nlp", {})["townships"] = townships
    (cdir / "settings.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), "utf-8")
    source = {"id": "lh", "kind": "html", "urls": ["http://127.0.0.1/"], "region": "临海市"}
    (cdir / "sources.yaml").write_text(
        yaml.safe_dump({"sources": [source]}, allow_unicode=True), encoding="utf-8"
    )
    an = PostAnalyzer.from_config(load_config(cdir))
    text = normalize("白水洋镇养殖场臭气\n临海市白水洋镇某村养殖场臭气熏天，村民多次反映无果")
    assert an.analyze_text(text).regions_mentioned == (
        ["临海市", "白水洋镇"] if townships else ["临海市"]
    )


def test_a_townships_short_form_is_found_where_tokens_begin_and_end():
    """白水洋 for 白水洋镇 and 邵家渡 for 邵家渡街道 (临海市's), 梅溪湖 although jieba cuts it
    梅 / 溪湖 (长沙市's); not inside a token (白水 / 洋村), not in a county not configured, and
    never a two-character stem (临海市's 江南街道, 大田街道: everyday words)."""
    linhai = town_finder("临海市")
    assert town_found(linhai, "白水洋的养殖场臭气熏天，村民多次反映") == ["白水洋镇"]
    assert town_found(linhai, "我是邵家渡人，这里路灯坏了半年") == ["邵家渡街道"]
    assert town_found(linhai, "家住白水洋村，门口的路灯坏了") == []
    assert town_found(linhai, "江南的雨下个不停，大田里的庄稼淹了") == []
    assert town_found(linhai, "梅溪湖片区早高峰堵车严重") == []
    assert town_found(town_finder("长沙市"), "梅溪湖片区早高峰堵车严重") == ["梅溪湖街道"]
    assert town_found(town_finder("长沙市"), "白水洋的养殖场臭气熏天") == []


def test_a_short_form_of_two_townships_of_the_configured_counties_is_taken_by_neither():
    gaz = load_gazetteer()
    rows = [("331082106", "白水洋镇", "白水洋"), ("331082199", "白水洋乡", "白水洋")]
    both = gaz.with_townships({"331082"}, rows)
    assert both.town_short == {} and both.town_short_re is None
    one = gaz.with_townships({"331082"}, rows[:1])
    assert one.town_short == {"白水洋": "白水洋镇"}


def test_the_table_keeps_only_short_forms_that_name_the_township():
    """tools/build_divisions.py: the name without its ending (and a 民族乡's people), not
    when it is short, a road, a district, a facility or a river, an everyday word in jieba's
    dictionary, a famous proper name, or a division's name."""
    from tools.build_divisions import township_short

    dictionary = {"笔架山": (1306, "n"), "斯大林": (823, "nr"), "马王堆": (120, "ns")}
    taken = {"石家庄", "石家庄市"}
    short = {
        n: township_short(n, dictionary, taken)
        for n in (
            "白水洋镇",
            "孟家岗满族乡",
            "上高桥回族彝族苗族乡",
            "查巴奇鄂温克民族乡",
            "东固畲族少数民族乡",
            "江南街道",
            "学院路街道",
            "开发区街道",
            "浏阳河街道",
            "笔架山街道",
            "斯大林街道",
            "马王堆街道",
            "石家庄镇",
            "杏花村镇",
        )
    }
    assert {n: s for n, s in short.items() if s} == {
        "白水洋镇": "白水洋",
        "孟家岗满族乡": "孟家岗",
        "上高桥回族彝族苗族乡": "上高桥",
        "查巴奇鄂温克民族乡": "查巴奇",
        "马王堆街道": "马王堆",
    }
    assert {n: s for _, n, s in township_rows() if n in ("白水洋镇", "江南街道")} == {
        "白水洋镇": "白水洋",
        "江南街道": "",
    }
