"""Issue anchors: the concrete place or organisation a message is about, and the group affected.

A hot issue is concrete — *one* housing estate, company, school, village or road — so two
messages about the same estate and the same problem belong together while the same problem at
two estates does not. :class:`AnchorExtractor` finds those names:

1. **Patterns**: a name ends with a type word (``SUFFIXES``: 小区, 花园, 苑, 公司, 学院, 村,
   路, …). jieba's part-of-speech tags (jieba-rs ``tag`` or ``jieba.posseg``, with the
   project's user dictionary) find where the name starts: walking left from the type word
   over name-like tokens (nouns, place and person names, letters, numbers) and stopping at
   verbs, pronouns, particles, punctuation and generic words (我们小区, 这条路, 物业公司 are
   not anchors).
2. **User dictionary**: words tagged ``nz`` (a proper name added for the site) are anchors as
   they are.
3. **Canonical form**: administrative prefixes (A市, A5区, K3县, 西地省, and the full names of
   the gazetteer's divisions: 长沙市, 岳麓区 — :mod:`yuqing.nlp.gazetteer`) are dropped — the
   region is reported separately — unless what remains is generic (D7县人民医院, A市第一中学
   keep them) — and so are generic trailing type words that add nothing
   (小区, 楼盘, 项目, 有限公司 → 公司), so 「A市A5区魅力之城小区」 and 「魅力之城」 are one
   anchor. Two anchors *match* when equal or when one contains the other and the shorter has
   at least ``MIN_MATCH`` characters (滨河苑 / 伊景园滨河苑; a name cut short by the
   tagger, 新城 for 丽发新城, still matches rather than conflicts).

``groups`` are the people affected (业主, 学生, 家长, 农民工, …) from a small lexicon.
The problem itself is what remains of a message's keywords once anchors are removed (the
event's keywords); it is not extracted separately.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from yuqing.nlp.gazetteer import load_gazetteer

__all__ = [
    "AnchorExtractor",
    "Anchors",
    "anchors_match",
    "anchor_conflict",
    "canonical",
    "is_site",
    "type_word",
    "generic_name",
    "GROUPS",
    "SUFFIXES",
]

#: Type words that end a place or organisation name. ``True``: the type word is part of the
#: name (景园 + 苑, 经济 + 学院); ``False``: generic, dropped from the canonical form.
SUFFIXES: dict[str, bool] = {
    # housing estates and buildings
    "小区": False, "楼盘": False, "项目": False, "工地": False, "安置房": True, "花园": True,
    "花苑": True, "家园": True,
    "公寓": True, "新村": True, "新城": True, "山庄": True, "公馆": True, "华府": True,
    "名苑": True, "雅苑": True, "苑": True, "园": True, "府": True, "庭": True, "湾": True,
    "城": True, "广场": True, "大厦": True, "中心": True,
    # organisations
    "有限责任公司": True, "有限公司": True, "公司": True, "集团": True, "工厂": True,
    "厂": True, "酒店": True, "超市": True, "医院": True, "卫生院": True, "银行": True,
    "平台": True, "车贷": True, "网贷": True, "驾校": True,
    # schools
    "大学": True, "学院": True, "职院": True, "中学": True, "小学": True, "学校": True,
    "幼儿园": True, "技校": True,
    # villages, roads, areas
    "村": True, "社区": True, "路": True, "街": True, "大道": True, "大桥": True,
    "高速": True, "工业园": True, "产业园": True, "园区": True, "市场": True, "景区": True,
    "车站": True, "站": True,
}  # fmt: skip
_SUFFIX_MAX = max(map(len, SUFFIXES))
#: Type words of areas and lines rather than one site: a road, a street, a community, an
#: industrial park hold many unrelated issues, so sharing one is no evidence of the same issue
#: (:func:`is_site`; a region — A市, A5区 — is never an anchor at all).
AREA_SUFFIXES = frozenset(
    "路 街 大道 高速 社区 工业园 产业园 园区 市场 景区 平台 车贷 网贷".split()
)
#: People affected; shown with the place as 地点/人群.
GROUPS = (
    "业主", "居民", "村民", "住户", "学生", "家长", "教师", "老师", "职工", "员工", "工人",
    "农民工", "司机", "老人", "患者", "商户", "投资人", "出借人", "购房者", "租户", "残疾人",
    "退休人员", "考生", "毕业生", "人才", "消费者", "乘客",
)  # fmt: skip
_GROUP_RE = re.compile("|".join(sorted(GROUPS, key=len, reverse=True)))
#: POS tags of tokens that can be part of a name.
_NAME_TAGS = frozenset("n nr nr1 nr2 nrt nrfg ns nt nz ng eng m j l an b s i vn".split())
#: POS tags that always end a name (prepositions, pronouns, particles, conjunctions, adverbs,
#: punctuation); between a region and a type word anything else may be part of the name
#: (丽发新城: 丽发 is tagged as a verb).
_BREAK_TAGS = frozenset("p r rr rz c u uj ul uz ud ug uv d x w y e o zg f mq t".split())
#: Words that end in a type character but never end a name (家庭, 政府, 县城, …).
_NEVER_TYPE = frozenset(
    "修路 家庭 法庭 政府 学府 官府 县城 城市 进城 城区 农村 乡村 本村 全村 该村 网站 马路 道路 "
    "公路 铁路 线路 思路 出路 后路 校园 海湾 养殖场 商场 现场 市场化".split()
)
#: Words that are a type word as a whole when a name precedes them (橘子洲公园).
_TYPE_WORDS = frozenset("公园 花园 家园 乐园 中心 市场 平台 广场".split())
#: Tokens that never start or extend a name (pronouns and generic nouns jieba tags as nouns).
_GENERIC = frozenset(
    "我们 我 你们 他们 本 该 这个 这 那个 那 此 各 每个 每 附近 周边 对面 旁边 旁 内 里 "
    "现在 目前 当地 原 新 老 整个 所有 全部 其他 有关 相关 某 个别 一些 部分 "
    "物业 开发 开发商 配套 农村 城市 县城 城区 市区 乡镇 地方 外地 本地 全市 全省 全国 "
    "投资 地产 房地产 置业 建设 建筑 工程 科技 信息 环境 餐饮 医药 教育 劳务 服务 管理 "
    "马路 道路 公路 街道 小区 业主 居民 村民 领导 政府 部门 单位 问题 情况 市民 群众 "
    "一 二 三 第一 第二 一个 两个 几个 多个 号 年 月 日 这条 那条 该条 一条 这里 那里".split()
)
#: Administrative prefixes: provinces, prefecture/county codes of the board (A市, K3县, …).
_ADMIN = re.compile(r"^(?:[A-Z]\d{0,2}(?:省|市|区|县)?|[\u4e00-\u9fa5]{2}省)+")
_OFFICIAL = ("政府", "局", "委", "办", "政协", "法院", "检察院")  # departments answer, not anchor
_ALNUM_ONLY = re.compile(r"^[A-Za-z0-9]+$")
#: the minimum characters the shorter of two anchors needs for containment to count
MIN_MATCH = 2
MAX_NAME_TOKENS = 5
MAX_NAME_CHARS = 12
#: A message names what it is about in its title or its opening: places mentioned later (a
#: landmark, another estate for comparison) are not its anchors.
SCAN_CHARS = 120


@dataclass
class Anchors:
    """What one text is about: places/organisations (canonical, title first) and groups."""

    places: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    @property
    def primary(self) -> str | None:
        return self.places[0] if self.places else None


#: Name heads that only say what kind of place it is (人民医院, 第一中学, 实验小学): such a name
#: keeps its region prefix, or every county's 人民医院 would be one place.
_GENERIC_HEADS = frozenset(
    "人民 中心 实验 中医 中医药 妇幼保健 城关 县 市 区 镇 第一 第二 第三 第四 第五 第六 第七 "
    "第八 第九 第十 一 二 三 四 五 六 七 八 九 十 公安 交警 消防 自来水 电力 供电 燃气 "
    "移动 电信 联通 邮政 公交 客运 职业 技工 师范".split()
)


@lru_cache(maxsize=1 << 14)  # a pure function of a name; the same names recur in every post
def canonical(name: str) -> str:
    """Drop administrative prefixes (unless the rest is generic) and generic trailing type
    words."""
    name = name.strip()
    bare = _strip_divisions(_ADMIN.sub("", name))
    suffix = _suffix_of(bare) or ""
    head = bare[: len(bare) - len(suffix)]
    name = name if bare != name and (not head or head in _GENERIC_HEADS) else bare
    for _ in range(2):
        for suffix, keep in SUFFIXES.items():
            if not keep and name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
    if name.endswith(("有限责任公司", "有限公司")):
        name = name.replace("有限责任公司", "公司").replace("有限公司", "公司")
    return name


def _strip_divisions(name: str) -> str:
    """``name`` without the full names of divisions it starts with (长沙市岳麓区魅力之城 →
    魅力之城); short forms stay (长沙理工大学 is a university's name), and so do two-character
    names (…卫生院和县区级医院: 和 is "and", not 和县)."""
    codes = load_gazetteer().codes
    while True:
        cut = next((n for n in range(len(name) - 1, 2, -1) if name[:n] in codes), 0)
        if not cut:
            return name
        name = name[cut:]


def anchors_match(a: str, b: str) -> bool:
    """Same place: equal, or one contains the other and the shorter has ≥ MIN_MATCH chars."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_MATCH and short in long_


def is_site(anchor: str) -> bool:
    """One concrete site (an estate, a factory, a school, a village, a building site), not an
    area or a line (a road, a street, a community, a park — :data:`AREA_SUFFIXES`)."""
    suffix = _suffix_of(anchor)
    return suffix not in AREA_SUFFIXES and len(anchor) > len(suffix or "")


def type_word(name: str) -> str | None:
    """The type word ``name`` ends with (:data:`SUFFIXES`: 苑, 花园, 学院, …), if any."""
    return _suffix_of(name)


def generic_name(name: str, trade: Sequence[str] = ()) -> bool:
    """A name that only says what kind of place it is: nothing before its type word but a
    generic head (实验中学, 中心小学, 职业技术学院 — ``trade``: words such a head may be,
    职业技术), so every town has one."""
    suffix = _suffix_of(name) or ""
    head = name[: len(name) - len(suffix)]
    for word in trade:
        if head.endswith(word):
            head = head[: -len(word)]
            break
    return len(head) < 2 or head in _GENERIC_HEADS or head in _GENERIC


def anchor_conflict(a: Sequence[str], b: Sequence[str]) -> bool:
    """Both name places and none of them match: about different places."""
    if not a or not b:
        return False
    return not any(anchors_match(x, y) for x in a[:3] for y in b[:3])


class _Tagger:
    """(word, POS) pairs with the user dictionary (jieba-rs, a dependency)."""

    def __init__(self, userdict: tuple[str, ...], segmenter=None):
        self.userdict = userdict
        #: a Segmenter with this dictionary: tag with its jieba-rs tokenizer if it has one
        #: (one copy of the dictionary in memory, warm from the segmentation of the same text)
        self.segmenter = segmenter
        self._tag: Callable[[str], list[tuple[str, str]]] | None = None
        self.rj = None  # the jieba-rs tokenizer tagging (built on first use)
        self._lock = threading.Lock()

    def _entries(self):
        for line in self.userdict:
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            yield parts[0], freq, parts[2] if len(parts) > 2 else None

    def __call__(self, text: str) -> list[tuple[str, str]]:
        tag = self._tag
        if tag is None:
            with self._lock:
                if self._tag is None:
                    self._tag = self._build()
                tag = self._tag
        return tag(text)

    def _build(self):
        import rjieba  # a dependency: a broken install fails here, never tags differently

        rj = self.segmenter.rjieba() if self.segmenter is not None else None
        if rj is None:
            rj = rjieba.Jieba()
            for word, freq, tag in self._entries():
                rj.add_word(word, freq, tag)
        self.rj = rj
        return lambda text: rj.tag(text, True)


@lru_cache(maxsize=4)
def _tagger(userdict: tuple[str, ...]) -> _Tagger:
    return _Tagger(userdict)


class AnchorExtractor:
    """``extract(title, body) -> Anchors``. Build once; thread-safe after the first call."""

    def __init__(
        self, userdict: Iterable[str] = (), *, extra_names: Iterable[str] = (), segmenter=None
    ):
        lines = tuple(userdict)
        # ``segmenter``: a Segmenter whose dictionary is ``userdict`` on jieba's (the
        # tagger shares its jieba-rs tokenizer)
        self.tag = _tagger(lines) if segmenter is None else _Tagger(lines, segmenter)
        # user-dictionary proper names (tag nz) are anchors by themselves
        names = [ln.split()[0] for ln in lines if len(ln.split()) > 2 and ln.split()[2] == "nz"]
        self.names = sorted(
            {canonical(n) for n in [*names, *extra_names] if n}, key=lambda n: (len(n), n)
        )
        self._regions = frozenset(
            ln.split()[0] for ln in lines if len(ln.split()) > 2 and ln.split()[2] == "ns"
        )

    @classmethod
    def from_segmenter(cls, segmenter) -> AnchorExtractor:
        shares = getattr(segmenter, "backend", None) == "rjieba"
        return cls(getattr(segmenter, "userdict", ()), segmenter=segmenter if shares else None)

    def extract(self, title: str, body: str = "") -> Anchors:
        text = f"{title}\n{body}" if title else body
        found = self._scan(text[:SCAN_CHARS])
        # in order of first mention; a shorter form stands for the longest form it matches
        merged: list[str] = []
        for p in found:
            longer = [q for q in found if len(q) > len(p) and anchors_match(p, q)]
            best = max(longer, key=lambda q: (len(q), q)) if longer else p
            if best not in merged:
                merged.append(best)
        groups = list(dict.fromkeys(_GROUP_RE.findall(text[:SCAN_CHARS])))
        return Anchors(merged[:5], groups[:4])

    def _scan(self, text: str) -> list[str]:
        out = [n for n in self.names if n in text]
        toks = self.tag(text)
        for i, (word, flag) in enumerate(toks):
            suffix = _suffix_of(word)
            if suffix is None or (flag.startswith("v") and word != suffix):  # 修路, 进城
                continue
            if word in _NEVER_TYPE:
                continue
            if word in _TYPE_WORDS:  # 公园 after a name is a type word; alone it is not
                suffix = word
            name, region = self._name_before(toks, i, word[: -len(suffix)])
            if len(name) > MAX_NAME_CHARS:
                name = name[-MAX_NAME_CHARS:]
            if region and (not name or name in _GENERIC_HEADS):
                name = region + name  # D7县人民医院: the region tells which one
            full = canonical(name + suffix)
            bare = canonical(name) if name else ""
            generic = not SUFFIXES.get(suffix, True)  # 小区, 楼盘: the name is the anchor
            if len(full) < 2 or (not generic and len(full) <= len(suffix)):
                continue
            if not bare or bare in self._regions or _ALNUM_ONLY.match(bare):
                continue
            if bare in _GENERIC or full.endswith(_OFFICIAL):
                continue
            out.append(full)
        return out

    def _name_before(self, toks: list[tuple[str, str]], i: int, head: str) -> tuple[str, str]:
        """The name ending at token ``i`` (whose own text before the type word is ``head``),
        and the region token right before it, if any."""
        parts = [head] if head else []
        loose: list[str] = []  # tokens up to a region on the left, whatever their tags
        strict_done = False
        j = i - 1
        while j >= 0 and i - j <= MAX_NAME_TOKENS + 1:
            w, f = toks[j]
            if self._is_region(w, f):
                return "".join(loose + parts), w
            if w in ("省", "市", "区", "县"):  # D7 / 县 split by the tagger
                prev = toks[j - 1][0] if j > 0 and _ALNUM_ONLY.match(toks[j - 1][0]) else ""
                return "".join(loose + parts), prev + w
            if f in _BREAK_TAGS and w != "之" or w in _GENERIC or not w.strip():
                break
            if not strict_done and (w == "之" or f in _NAME_TAGS):
                parts.insert(0, w)
            elif len(w) > 1 and not w.endswith(_OFFICIAL) and len(loose) < 2:
                strict_done = True
                loose.insert(0, w)
            else:
                break
            j -= 1
        while parts and (parts[0] in _GENERIC or parts[0] == "之"):
            parts.pop(0)
        return "".join(parts), ""

    def _is_region(self, word: str, flag: str) -> bool:
        return (
            word in self._regions
            or (flag == "ns" and _ADMIN.fullmatch(word) is not None)
            or (len(word) > 2 and word in load_gazetteer().codes)  # 岳麓区, not 长沙
        )


@lru_cache(maxsize=1 << 16)  # called for every tagged word of every opening
def _suffix_of(word: str) -> str | None:
    for n in range(min(len(word), _SUFFIX_MAX), 0, -1):
        tail = word[-n:]
        if tail in SUFFIXES:
            return tail
    return None
