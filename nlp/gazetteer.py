"""Place names in a post: China's administrative divisions and the names an operator configured.

:class:`RegionFinder` finds, in a normalized text and its jieba tokens (docs/nlp.md, Keywords,
regions, tokens):

- **configured names** (sources' and departments' ``region``, ``nlp.regions``) wherever they
  occur, first and longest first, as before;
- **divisions** of the gazetteer (``yuqing/resources/divisions.csv``, :mod:`yuqing.divisions`: the National Bureau of
  Statistics' codes of provinces, prefectures and counties, built by
  ``tools/build_divisions.py``): a full name (岳麓区, 长沙市, 内蒙古自治区) where it starts at a
  token boundary and its type character does not begin the next word (王/海城/市长 is no 海城市,
  我/和/县长 no 和县); a two-character one (和县, 沛县) only right after another full name
  (马鞍山市和县: alone it is an everyday character and 县 — 卫生院/和县/区级/医院); a short form (长沙, 浏阳, 湖南; unambiguous ones only, see the tool) where
  it is a whole token not following a one-character surname (王/长沙 is a person) nor a
  word for a person (市民/许昌 is a resident named 许昌; 许昌/市民 is a place);
- **anonymised codes** of the shared message-board data: A市 (a prefecture), A5区 / K3县 /
  C4市 (a county of it) — never a lone letter before 区 (an estate's B区);
- **unknown counties**: a token of two characters and 县 that is no everyday word (邵冬县:
  the demo's county, in no table);
- **townships** (乡镇 / 街道: ``yuqing/resources/townships.csv``, the same source's
  township-level table) of the counties the operator's configured names lie in (:meth:`Gazetteer.with_townships`,
  ``nlp.townships``): a full name (白水洋镇, 古城街道) where it starts at a token boundary, like
  a county's. Only those counties': 城关镇 alone names 88 places, 太平镇 50.

Full names are reported as written, short forms as their full name (长沙 → 长沙市).

:func:`region_keys` turns found names into places per level (1 province, 2 prefecture,
3 county; a county also counts for its prefecture and province, a township for its county and
above — two townships of one county are not told apart), :func:`within` says whether a place
lies in another (a township in its county: routing), and :func:`regions_differ`
says whether two sides clearly name different places — one each at some level, not the same —
what keeps the same problem in two counties apart as two events (nlp/events.py,
nlp/consolidate.py).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

from yuqing.divisions import (
    DIVISIONS,
    TOWN_ENDINGS,
    division_rows,
    township_codes,
    township_rows,
    within,
)

__all__ = [
    "DEFAULT_DIVISIONS",
    "Gazetteer",
    "RegionFinder",
    "gazetteer_with_townships",
    "load_gazetteer",
    "region_keys",
    "regions_differ",
    "within",
]

DEFAULT_DIVISIONS = DIVISIONS

#: the last character of a division's full name the finder looks up from
_TYPE_CHARS = re.compile("[省市区县旗州盟]")
#: ... and with townships (镇, 乡, 街道, 街道办事处, 苏木)
_TOWN_TYPE_CHARS = re.compile("[省市区县旗州盟镇乡道处木]")
#: the shared data's anonymised codes: A市 (prefecture), A5区 / K3县 / C4市 (county)
_ANONYMISED = re.compile(r"([A-Z])(\d{1,2})?(?(2)[市区县]|市)")  # not after a letter or digit
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
#: a county not in the gazetteer: two characters and 县 (checked to be one jieba token)
_COUNTY = re.compile(r"[\u4e00-\u9fa5]{2}县")
#: two-character stems of 县 that are no county (示范县, 贫困县, 该县, 全县, …)
_NOT_COUNTY_CHARS = frozenset(
    "该本全邻各每我你他她此这那某一二三两几多个大小强穷县市区省乡镇村等和与及在到是从往去了的外出进"
)
_NOT_COUNTY_STEMS = frozenset(
    "示范 贫困 先进 农业 产粮 主产 受灾 发达 试点 重点 百强 经济 工业 旅游 人口 山区 边境 民族 "
    "老区 省级 市级 国家 文明 卫生 平安 生态 园林 城关 所在 附近 周边 管辖 辖区 下辖 偏远 落后 "
    "产煤 产油 林业 牧业 渔业 模范 标兵 达标 先行 样板 强县".split()
)
#: one-character surnames that are no preposition: 王/长沙 is a person, 去/长沙 a place
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹孟熊秦邱尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃"
    "武戴莫孔汤"
)
#: people a name follows in apposition (市民许昌反映: a resident named 许昌; 许昌市民 is a place)
_PERSON_NOUNS = frozenset(
    "市民 居民 村民 网友 业主 群众 农民 农民工 工人 职工 员工 患者 家长 学生 老师 教师 记者 "
    "同志 先生 女士 老人 租户 住户 车主 司机 游客 考生 商户 店主 店长 老板 经理 律师 医生 "
    "护士 民警 干部 主任 书记 村长 乡长 镇长 局长 科长 处长".split()
)
#: full names that are everyday words (城区, 郊区: a town's urban area, not the district)
_GENERIC_NAMES = frozenset("城区 郊区 矿区 东区 西区 南区 北区".split())


class Gazetteer:
    """Full names → division codes (a name can be several places: 鼓楼区), short forms → full
    name."""

    def __init__(self, rows: Iterable[tuple[str, str, str]]):
        self.rows = list(rows)
        #: the type characters names end with (with townships, their types too)
        self.type_chars = _TYPE_CHARS
        codes: dict[str, list[str]] = {}
        self.short: dict[str, str] = {}
        for code, name, short in self.rows:
            if name in _GENERIC_NAMES:
                continue
            codes.setdefault(name, []).append(code)
            if short:
                self.short[short] = name
        self.codes: dict[str, tuple[str, ...]] = {n: tuple(c) for n, c in codes.items()}
        self.short_set = frozenset(self.short)
        #: a name's last two characters → the lengths of the names ending so, longest first
        ends: dict[str, set[int]] = {}
        for n in self.codes:
            ends.setdefault(n[-2:], set()).add(len(n))
        self.lengths = {e: sorted(ns, reverse=True) for e, ns in ends.items()}
        #: townships' short forms (白水洋 → 白水洋镇) and a pattern finding them: with_townships
        self.town_short: dict[str, str] = {}
        self.town_short_re: re.Pattern[str] | None = None

    @classmethod
    def load(cls, path: str | Path = DEFAULT_DIVISIONS) -> Gazetteer:
        """The gazetteer of a divisions table; the bundled one's rows are read once per process
        (:func:`yuqing.divisions.division_rows`, which routing uses too)."""
        if Path(path) == DEFAULT_DIVISIONS:
            return cls(division_rows())
        with open(path, encoding="utf-8", newline="") as fh:
            return cls((r["code"], r["name"], r["short"]) for r in csv.DictReader(fh))

    def __len__(self) -> int:
        return len(self.codes)

    def counties_of(self, names: Iterable[str]) -> frozenset[str]:
        """The county codes (6 digits) of the counties ``names`` name — a prefecture's:
        all of its counties; a province or an unknown name: none (a province's townships
        would be thousands, and their names repeat across it)."""
        wanted: set[str] = set()
        for name in names:
            name = self.short.get(name, name)
            wanted.update(c for c in self.codes.get(name, ()) if len(c) in (4, 6))
        return frozenset(
            c for c, _, _ in self.rows if len(c) == 6 and (c in wanted or c[:4] in wanted)
        )

    def with_townships(
        self,
        counties: Iterable[str],
        townships: Iterable[tuple[str, str, str]] | None = None,
    ) -> Gazetteer:
        """This gazetteer plus the townships (乡镇 / 街道) of ``counties`` (6-digit codes), by
        full name and by those short forms (``townships``' third column) that name one
        township of these counties and no division (白水洋 → 白水洋镇)."""
        counties = frozenset(counties)
        rows = township_rows() if townships is None else tuple(townships)
        extra = [(code, name, "") for code, name, _ in rows if code[:6] in counties]
        out = Gazetteer(self.rows + extra)
        if extra:
            out.type_chars = _TOWN_TYPE_CHARS
        named: dict[str, set[str]] = {}
        for code, name, short in rows:
            if short and code[:6] in counties:
                named.setdefault(short, set()).add(name)
        out.town_short = {
            s: next(iter(ns))
            for s, ns in named.items()
            if len(ns) == 1 and s not in out.codes and s not in out.short
        }
        if out.town_short:
            alts = "|".join(map(re.escape, sorted(out.town_short, key=len, reverse=True)))
            out.town_short_re = re.compile(alts)
        return out


@lru_cache(maxsize=2)
def load_gazetteer(path: str | None = None) -> Gazetteer:
    """The gazetteer (the bundled one by default), read once per process."""
    return Gazetteer.load(path or DEFAULT_DIVISIONS)


@lru_cache(maxsize=4)
def gazetteer_with_townships(counties: frozenset[str]) -> Gazetteer:
    """The bundled gazetteer plus the townships of ``counties``, built once per set of counties
    in a process (an analyzer is built per crawl, per NLP worker and per rebuild)."""
    gaz = load_gazetteer()
    return gaz.with_townships(counties) if counties else gaz


class RegionFinder:
    """``find(text, words) -> [name, …]``: configured names first (longest first), then the
    places found, the most specific first (counties, prefectures, provinces), longest first
    within a level, then in order of mention. Build once; stateless after."""

    def __init__(self, configured: Iterable[str] = (), gazetteer: Gazetteer | None = None):
        self.configured = sorted({r for r in configured if r}, key=lambda r: (-len(r), r))
        self.gazetteer = gazetteer

    def find(
        self, text: str, words: Sequence[str] | None = None, distinct: Iterable[str] | None = None
    ) -> list[str]:
        """``words``: the jieba tokens of ``text``; ``distinct``: the distinct ones among them
        that can be places (the content tokens' counts: fewer to look up), if at hand."""
        found = [r for r in self.configured if r in text]
        if self.gazetteer is None:
            return found
        hits: list[tuple[int, int, str]] = []  # (level, position, name)
        for m in _ANONYMISED.finditer(text):
            if m.start() == 0 or text[m.start() - 1] not in _ALNUM:
                hits.append((3 if m.group(2) else 2, m.start(), m.group()))
        bounds = _Bounds(text, words)
        gaz = self.gazetteer
        codes, lengths = gaz.codes, gaz.lengths
        after = -1  # where the last full name found ends
        for m in gaz.type_chars.finditer(text):
            end = m.end()
            for n in lengths.get(text[end - 2 : end], ()):  # longest first
                if n <= end and text[end - n : end] in codes and bounds.takes(end - n, end):
                    if n == 2 and after != end - n:
                        continue  # 和县, 沛县: only right after their city or province
                    name = text[end - n : end]
                    hits.append((_level(codes[name]), end - n, name))
                    after = end
                    break
        if words:
            for w in gaz.short_set.intersection(words if distinct is None else distinct):
                i = words.index(w)  # its first mention; a later one after a surname is rare
                if i == 0 or (words[i - 1] not in _SURNAMES and words[i - 1] not in _PERSON_NOUNS):
                    full = gaz.short[w]
                    hits.append((_level(codes[full]), text.find(w), full))
            if gaz.town_short_re is not None:  # 白水洋 for 白水洋镇: whole tokens, or several
                for m in gaz.town_short_re.finditer(text):
                    if bounds.covers(m.start(), m.end()):
                        full = gaz.town_short[m.group()]
                        hits.append((_level(codes[full]), m.start(), full))
            if "县" in text:
                for m in _COUNTY.finditer(text):
                    w = m.group()
                    if _unknown_county(w, codes) and bounds.whole(m.start(), m.end()):
                        hits.append((3, m.start(), w))
        # the most specific first (a county before its city), then the longest, then in order
        hits.sort(key=lambda h: (-h[0], -len(h[2]), h[1]))
        return list(dict.fromkeys(found + [name for _, _, name in hits]))


def _level(codes: tuple[str, ...]) -> int:
    """1 province, 2 prefecture, 3 county, 4 township (a name of several places: its
    highest)."""
    return min(len(c) for c in codes) // 2


class _Bounds:
    """Token boundaries of ``text`` (where jieba cut it), found when first asked."""

    def __init__(self, text: str, words: Sequence[str] | None):
        self.text, self.words = text, words
        self._starts: frozenset[int] | None = None
        self._known = False

    def starts(self) -> frozenset[int] | None:
        """The offsets where a token starts (and the text's end); None: no tokens of it."""
        if not self._known:
            ends = list(accumulate(map(len, self.words or ())))
            if ends and ends[-1] == len(self.text):
                self._starts = frozenset([0, *ends])
            self._known = True
        return self._starts

    def takes(self, start: int, end: int) -> bool:
        """A name at ``text[start:end]`` starts a token, and its last (type) character does not
        start another word (市长, 县长, 区域); without tokens, every name is taken."""
        starts = self.starts()
        if starts is None:
            return True
        return start in starts and (end in starts or end - 1 not in starts)

    def covers(self, start: int, end: int) -> bool:
        """``text[start:end]`` starts and ends where tokens do (one token or several: jieba
        cuts 梅溪湖 into 梅 / 溪湖; 白水 / 洋村 is no 白水洋; without tokens: never)."""
        starts = self.starts()
        return starts is not None and start in starts and end in starts

    def whole(self, start: int, end: int) -> bool:
        """``text[start:end]`` is one token (without tokens: never)."""
        starts = self.starts()
        return (
            starts is not None
            and start in starts
            and end in starts
            and not any(i in starts for i in range(start + 1, end))
        )


def _unknown_county(word: str, codes: Mapping[str, tuple[str, ...]]) -> bool:
    stem = word[:2]
    return (
        word not in codes
        and stem not in _NOT_COUNTY_STEMS
        and not any(c in _NOT_COUNTY_CHARS for c in stem)
        and all("\u4e00" <= c <= "\u9fa5" for c in stem)
    )


# ---------------------------------------------------------------------- telling places apart
@lru_cache(maxsize=1 << 14)
def _keys(names: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    gaz = load_gazetteer()
    cands: list[tuple[str, ...]] = []
    keys: list[set[str]] = [set(), set(), set()]  # province, prefecture, county
    for name in names:
        m = _ANONYMISED.fullmatch(name)  # (a whole name: nothing before it)
        if m:
            keys[1].add("~" + m.group(1))
            if m.group(2):
                keys[2].add("~" + m.group(1) + m.group(2))
        elif name in gaz.codes:
            cands.append(gaz.codes[name])
        elif name.endswith(TOWN_ENDINGS) and name in township_codes():
            cands.append(township_codes()[name])
        elif len(name) == 3 and name[2] == "县" and _unknown_county(name, gaz.codes):
            keys[2].add("?" + name)
    # a name of several places means the one under another place named (南京市 + 鼓楼区,
    # 临海市 + 城关镇), or above one (鼓楼区 + a township only it has)
    sure = {c for cs in cands if len(cs) == 1 for c in cs}
    for cs in cands:
        if len(cs) > 1:
            under = tuple(
                c
                for c in cs
                if c[:2] in sure
                or c[:4] in sure
                or c[:6] in sure
                or any(s.startswith(c) for s in sure)
            )
            cs = under or cs
        for c in cs:
            for level, n in enumerate((2, 4, 6)):
                if len(c) >= n:
                    keys[level].add(c[:n])
    return tuple(frozenset(k) for k in keys)


def region_keys(names: Iterable[str]) -> tuple[frozenset[str], ...]:
    """The places ``names`` name, per level (province, prefecture, county): division codes
    (a county's prefecture and province included), ``~A`` / ``~A5`` for anonymised codes,
    ``?邵冬县`` for an unknown county. Names of no known level (a configured 西地省) add none."""
    return _keys(tuple(sorted(set(names))))


def regions_differ(a: Sequence[frozenset[str]], b: Sequence[frozenset[str]]) -> bool:
    """Both name one place at one level, and not the same (two counties, two cities): a side
    naming several there (or an ambiguous name) is not clearly elsewhere."""
    return any(len(x) == 1 and len(y) == 1 and x != y for x, y in zip(a, b, strict=True))
