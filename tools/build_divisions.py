"""Build ``yuqing/resources/divisions.csv``, the gazetteer of China's administrative divisions.

Input: the ``dist/provinces.csv``, ``dist/cities.csv`` and ``dist/areas.csv`` of
github.com/modood/Administrative-divisions-of-China (WTFPL; the National Bureau of Statistics'
统计用区划代码, 截止 2022-10-31, commit dc3a1d7 of 2023-09-13), in the folder given.

Output columns: ``code`` (2 digits: province, 4: prefecture, 6: county), ``name`` (the full
name) and ``short`` (the short form :mod:`yuqing.nlp.gazetteer` accepts as a whole jieba
token, or empty). The short form is the name without its type (省/市/区/县/旗/盟, 自治区/州/县/
旗 with the peoples' names before it, 特别行政区), kept only when (docs/nlp.md):

- it has at least 2 characters and is not an everyday word (``COMMON``);
- the division is a province, a prefecture, or a county-level city (浏阳, 义乌: a 区 or 县 is
  named with its type — 岳麓区, 长沙县);
- every division with that short form lies on one line of descent (吉林省 ⊃ 吉林市: the highest
  is meant), except that a province wins over the rest (海南省, not 海南藏族自治州);
  otherwise it is ambiguous and dropped (朝阳: 朝阳市, 朝阳区, 朝阳县).

Placeholders (市辖区, 县, 省直辖县级行政区划) are left out. Usage:
``python tools/build_divisions.py DIST_DIR > yuqing/resources/divisions.csv``

``--townships`` builds ``yuqing/resources/townships.csv`` from the same commit's
``dist/streets.csv`` instead: ``code`` (9 digits; its first 6 are the county's) and ``name`` of
every township-level division that is a township government — a 镇, 乡 (民族乡 included),
街道 (办事处) or 苏木 —, leaving out farms, forest farms, development zones and the like
(农场, 林场, 开发区: no township government to route to, and everyday names) — and ``short``,
the name without its ending (白水洋 for 白水洋镇, 孟家岗 for 孟家岗满族乡: a 民族乡's people
too), or empty where that form would name other things (docs/nlp.md, townships):

- it has fewer than 3 characters (江南, 大田, 沿江, 新华: everyday words or names everywhere);
- it ends in a street, district, facility or river word (``_FACILITY``: 学院路, 开发区, 火车站,
  体育场 name a road or a place in every town, 浏阳河 a river through many), or names a song,
  a brand or a poem's village (``_TOWN_COMMON``: 东方红, 杏花村);
- jieba's dictionary holds it as anything but a proper name (an ordinary noun, a number or an
  idiom: 笔架山 n, 四十八 m, 十字路 l), or as a proper name used often (frequency ≥
  ``_COMMON_FREQ``: 成吉思汗, 斯大林, 黄鹤楼 — a person or a landmark more than the town);
- it is a division's name or short form (石家庄, 马鞍山: the city is meant).

:mod:`yuqing.nlp.gazetteer` then takes a short form only where it names one township among the
configured counties'. Requires jieba (the project's virtualenv):
``python tools/build_divisions.py --townships DIST_DIR > yuqing/resources/townships.csv``
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

#: the peoples named in autonomous divisions (with 族, or as in 伊犁哈萨克自治州)
_PEOPLES = sorted(
    [
        p + t
        for p in (
            "土家 苗 侗 瑶 壮 回 藏 彝 白 哈尼 傣 傈僳 佤 拉祜 纳西 景颇 布朗 阿昌 普米 怒 德昂 "
            "独龙 基诺 蒙古 满 朝鲜 布依 水 仡佬 黎 畲 仫佬 毛南 羌 土 撒拉 保安 东乡 裕固 达斡尔 "
            "鄂温克 鄂伦春 赫哲 锡伯 哈萨克 柯尔克孜 塔吉克 维吾尔 各族"
        ).split()
        for t in ("族", "")
        if len(p) > 1 or t
    ],
    key=len,
    reverse=True,
)
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
#: short forms that are everyday words or name other things everywhere (中山路, 中山公园)
COMMON = frozenset("开封 来宾 日照 中山 东方 和平 合作 城中 运河 双桥 丰满 平安 阿里".split())


def short_form(name: str) -> str | None:
    if name.endswith(("自治区", "自治州", "自治县", "自治旗")):
        stem = name[:-3]
        while True:  # the peoples' names, right to left (湘西|土家族|苗族)
            p = next((p for p in _PEOPLES if stem.endswith(p) and len(stem) - len(p) >= 2), None)
            if p is None:
                break
            stem = stem[: -len(p)]
    elif name.endswith(("特别行政区", "地区")):
        stem = name[: -5 if name.endswith("特别行政区") else -2]
    elif name[-1] in "省市区县旗盟":
        stem = name[:-1]
    else:
        return None
    return stem if len(stem) >= 2 else None


def main(dist: Path) -> None:
    rows: list[tuple[str, str]] = []
    for f in ("provinces", "cities", "areas"):
        with open(dist / f"{f}.csv", encoding="utf-8", newline="") as fh:
            rows += [
                (r["code"], r["name"]) for r in csv.DictReader(fh) if r["name"] not in _PLACEHOLDERS
            ]
    by_short: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for code, name in rows:
        s = short_form(name)
        if s is not None and s not in COMMON:
            by_short[s].append((code, name))
    chosen: dict[str, str] = {}
    for s, named in by_short.items():
        codes = sorted((c for c, _ in named), key=lambda c: (len(c), c))
        provinces = [c for c in codes if len(c) == 2]
        top = provinces[0] if len(provinces) == 1 else codes[0]
        if len(provinces) != 1 and not all(c.startswith(top) for c in codes):
            continue  # two places apart: ambiguous
        if len(top) == 6 and not dict(named)[top].endswith("市"):
            continue  # a 区 or 县 is named with its type
        chosen[top] = s
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "short"])
    for code, name in rows:
        out.writerow([code, name, chosen.get(code, "")])


#: the endings of a township government's name (街道办事处 is a 街道 written in full)
TOWNSHIP_ENDINGS = ("镇", "乡", "街道", "街道办事处", "苏木")


#: a township short form ending so names a road, a district, a facility or a river (which
#: crosses many places)
_FACILITY = tuple("路街道区园站场厂院所局队河江")
#: short forms that name a song, a brand or a poem's village more than the town
_TOWN_COMMON = frozenset("东方红 四季青 杏花村".split())
#: jieba's tags of proper names: a short form tagged otherwise is an everyday word
_PROPER = frozenset({"ns", "nr", "nz", "nrt"})
#: a proper name this frequent in jieba's dictionary means the person or landmark, not the town
_COMMON_FREQ = 300


def township_short(name: str, dictionary: dict[str, tuple[int, str]], taken: set[str]) -> str:
    """The short form of a township's ``name`` the gazetteer may take, or ``""``."""
    stem = next(
        name[: -len(e)] for e in sorted(TOWNSHIP_ENDINGS, key=len, reverse=True) if name.endswith(e)
    )
    stem = stem.removesuffix("民族").removesuffix("少数")  # 查巴奇鄂温克民族乡, 东固畲族少数民族乡
    while True:  # a 民族乡's peoples (孟家岗满族乡, 上高桥回族彝族苗族乡)
        p = next((p for p in _PEOPLES if stem.endswith(p) and len(stem) - len(p) >= 2), None)
        if p is None:
            break
        stem = stem[: -len(p)]
    if stem.endswith("族") or len(stem) < 3 or stem.endswith(_FACILITY):
        return ""  # a people not in the list left (恩和俄罗斯族, 东固畲族少数)
    if stem in taken or stem in _TOWN_COMMON:
        return ""
    freq, tag = dictionary.get(stem, (0, "ns"))
    return stem if tag in _PROPER and freq < _COMMON_FREQ else ""


def _jieba_dictionary() -> dict[str, tuple[int, str]]:
    import jieba

    out: dict[str, tuple[int, str]] = {}
    with jieba.get_dict_file() as fh:
        for line in fh:
            word, freq, *tag = line.decode("utf-8").split()
            out[word] = (int(freq), tag[0] if tag else "")
    return out


def townships(dist: Path) -> None:
    dictionary = _jieba_dictionary()
    taken: set[str] = set()  # the divisions' names and short forms
    with open(
        Path(__file__).resolve().parents[1] / "yuqing/resources/divisions.csv", encoding="utf-8"
    ) as fh:
        for r in csv.DictReader(fh):
            taken.update(n for n in (r["name"], r["short"]) if n)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "short"])
    with open(dist / "streets.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["name"].endswith(TOWNSHIP_ENDINGS) and len(r["name"]) >= 3:
                out.writerow([r["code"], r["name"], township_short(r["name"], dictionary, taken)])


if __name__ == "__main__":
    if sys.argv[1] == "--townships":
        townships(Path(sys.argv[2]))
    else:
        main(Path(sys.argv[1]))
