"""Place names (nlp/gazetteer.py): China's divisions, the shared data's codes, configured names;
and events kept apart by the regions their posts name."""

import functools

import pytest

from tests.nlp.helpers import make_stage, post, teddy
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
    # 朝阳 is three places and a word (the morning sun): not a place on its own
    assert found("朝阳照在小区门口，朝阳的物业不作为") == []
    # the full name is a place even when it is several: 鼓楼区 of Nanjing, Fuzhou, Xuzhou…
    assert found("鼓楼区某小区") == ["鼓楼区"]
    assert len(region_keys(["鼓楼区"])[2]) >= 4
    # … and another place named tells which one
    assert region_keys(found("南京市鼓楼区某小区"))[2] == {"320106"}


@pytest.mark.parametrize(
    "text",
    [
        "市民王海城市长热线反映",  # 王/海城/市长: a person, not 海城市
        "王长沙说小区电梯坏了",  # 王/长沙: a person
        "我和县长反映过多次",  # 和县 (Anhui) is not meant
        "我们是国家级示范县",  # nor 范县 (Henan)
        "新县城建设拆迁补偿",  # nor 新县
        "城区道路积水严重",  # 城区: an everyday word, also a district's name
        "到该县、全县、邻县了解情况",
        "小区B区3栋漏水",  # an estate's block, not an anonymised code
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
