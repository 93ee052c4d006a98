"""Focus topics as a model: per-topic logistic regressions learned by weak supervision.

The lexicon alone (:mod:`yuqing.nlp.focus`) needs listed words; residents describe noise and dust
in everyday words no list anticipates ("机器轰鸣到深夜", "灰尘落满阳台"). The model learns those
words from labelled messages whose labels come from *labelling functions* rather than from an
annotator (weak supervision):

* :func:`weak_labels` — for a training message with its **gold category**, labelling functions
  written from ``data/focus_eval/RULES.md``: the category itself where it maps to a topic (every
  环境保护 message is ``ecology``), lexicon evidence that agrees with the category (for the rarer
  topics only in the message's opening: what it is about, not a word in passing), patterns per
  topic (wages *owed* in everyday words, cartels and firms' licences, lifts that trap people …)
  and out-of-scope patterns that veto a topic (owed social insurance is not wage arrears).
* :class:`FocusModel` — one logistic regression per topic over TF-IDF of the message's content
  words plus the category classifier's probabilities (so a message the classifier puts in
  环境保护 leans to ``ecology`` whatever its words). At inference there is no gold category and
  no labelling function: only words and predicted category probabilities.
* a **pattern-evidence layer** per topic (:func:`evidence_features`): the labelling functions'
  patterns as evidence at inference too, weighed by a small regression learned on the
  hand-labelled training messages only (on weakly labelled ones the patterns are the label),
  kept for a topic only where it stays precise out of fold.

A topic is tagged when its probability reaches its threshold (chosen per topic on the
training data), or when a *strong* lexicon term (拖欠工资, 食物中毒) is present, the predicted
category agrees with the topic and the probability is at least 0.5 — for the topics where that
rule was precise on the training messages (a short "公司拖欠工资三个月" has few words for the
model; 乱收费 in a bus-fare complaint is no business-environment matter). Evidence
(``focus_evidence``) lists the lexicon terms found for the topic and the message's words that
pushed the model most (e.g. ``["噪音", "灰尘", "轰鸣"]``), so a duty officer sees why.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from yuqing.nlp.focus import FocusResult, FocusTagger

__all__ = ["FocusModel", "ModelFocusTagger", "weak_labels", "train_focus_model", "KIND"]

KIND = "focus"

#: categories (TipDM first level) in which a topic's lexicon evidence is trusted
_COMPATIBLE: dict[str, set[str]] = {
    "business_env": {"商贸旅游", "城乡建设", "交通运输"},
    "real_estate_finance": {"城乡建设", "商贸旅游"},
    "wage_arrears": {"劳动和社会保障", "城乡建设", "教育文体", "商贸旅游", "交通运输"},
    "ecology": {"环境保护", "城乡建设", "交通运输", "商贸旅游"},
    "food_drug": {"商贸旅游", "卫生计生", "环境保护"},
    "edu_med_elderly": {"教育文体", "卫生计生", "劳动和社会保障"},
    "work_safety": {"城乡建设", "商贸旅游", "劳动和社会保障"},
    "hardship": {"劳动和社会保障", "城乡建设"},
}

_OWED = (
    r"(?:拖欠|克扣|扣发|扣押|停发|欠发|拖发|未发|没发|不发|没有发|未付|不付|欠我|欠下|欠着|"
    r"讨不到|要不到|拿不到|讨要|追讨|不给|没给|不结|没结|一直拖|结清)"
)
_PAY = r"(?:工资|薪水|薪资|奖金|绩效|津贴|劳务费|工程款|加班费|血汗钱|工钱|辛苦钱|劳动报酬)"
#: wages owed in residents' words (RULES.md: pay owed to workers and not paid): someone's
#: work — 干活, 打工, a site, a work team, a foreman — and money not paid in the same sentence
#: (一分钱没拿到, 钱拖着不给, 欠条), without a pay word (老板 alone is no work: a shopkeeper too)
_LABOUR = (
    r"(?:干活|干了.{0,6}活|打工|务工|农民工|民工|工人|包工头|包工|班组|工地|施工队|做工|工友|"
    r"雇主|用工)"
)
_UNPAID = (
    r"(?:一分钱(?:都|也)?(?:没|不|拿不到|要不到|未)|"
    r"钱.{0,6}(?:没拿到|拿不到|要不到|讨不到|没给|不给|没结|不结|没发|不发|未付|没付|没着落|没影)|"
    r"(?:没|不|未)(?:给|结|发|付)(?:我们|我|大家)?.{0,2}钱|拖着不(?:给|结|发|付)|欠条|白条|"
    r"(?:结账|结算|算账)[^。!?！？\n]{0,10}(?:不给|没给|拖|推))"
)
#: a business's red tape in residents' words (RULES.md: licences and approvals for a
#: business, administrative efficiency towards firms): a business being set up or run and
#: trips, stamps, missing papers or passing the buck in the same sentence
_BUSINESS = (
    r"(?:开店|开了.{0,4}(?:店|厂|公司|饭店|餐馆|超市|作坊)|小店|门面|做生意|创业|个体户|个体工商|"
    r"营业执照|注册公司|办厂|小作坊|店铺|商户|经营户)"
)
_RED_TAPE = (
    r"(?:跑了.{0,4}趟|来回跑|跑断腿|跑了.{0,4}(?:个月|次|回)|盖章|盖了.{0,4}章|材料不齐|补材料|"
    r"推来推去|踢皮球|推诿|批不下来|办不下来|一直不批|迟迟不(?:批|办)|拖着不办|刁难|卡着不)"
)

#: one sentence (title and body are two): the residents'-words rules look within it
_SENTENCE = r"[^。!?！？\n]{0,40}"
#: wage_arrears: pay owed (拖欠工资, 工钱讨不到), or someone's work and money not paid
_WAGE_PAID = f"{_OWED}.{{0,8}}{_PAY}|{_PAY}.{{0,8}}{_OWED}|欠薪|讨薪"
_WAGE_WORK = f"{_LABOUR}{_SENTENCE}{_UNPAID}|{_UNPAID}{_SENTENCE}{_LABOUR}"
#: business_env: cartels, bid-rigging, firms' licences, subsidies and levies; a business's
#: red tape in residents' words
_BUSINESS_DEALINGS = (
    r"垄断|串标|围标|陪标|评标|招投标|营商环境|企业负担|涉企|简政放权|政策兑现|"
    r"哄抬|操控.{0,4}价格|"
    r"(?:我公司|本公司|我们公司|我司|企业|个体户|个体工商|商户|经营户|小生意|开店|办厂|"
    r"药店|诊所|门店|店里)"
    r".{0,30}(?:许可证|执照|审批|办证|手续|补贴|补助|扶持|兑现|摊派|罚款|资质|认证|年审|年检)|"
    r"向.{0,8}(?:企业|商户|经营户|个体户|卫生室|诊所|药店|乡村医[生师]).{0,10}"
    r"(?:收费|收取|罚款|摊派)"
)
_BUSINESS_RED_TAPE = f"{_BUSINESS}{_SENTENCE}{_RED_TAPE}|{_RED_TAPE}{_SENTENCE}{_BUSINESS}"

#: labelling functions: per topic, patterns that mark it (with the categories in which they
#: count; None = any), written from data/focus_eval/RULES.md's scope column
_PATTERNS: dict[str, tuple[re.Pattern, set[str] | None]] = {
    "wage_arrears": (
        re.compile(f"{_WAGE_PAID}|{_WAGE_WORK}"),
        {"劳动和社会保障", "城乡建设", "教育文体", "商贸旅游", "交通运输"},
    ),
    "edu_med_elderly": (
        re.compile(
            r"养老保险|养老金|退休金|退休工资|医保|医疗保险|新农合|大病保险|住院|医院|学校|"
            r"幼儿园|教师|老师|学生|招生|入学|中考|高考|补课|学费"
        ),
        {"教育文体", "卫生计生", "劳动和社会保障"},
    ),
    "work_safety": (
        re.compile(
            r"电梯.{0,12}(?:故障|关人|困人|被困|坠|下滑|夹|隐患|年检|停运|事故)|"
            r"消防(?:通道|隐患|不合格|设施|安全|栓)|施工安全|"
            r"危险品|危化品|化学品|燃气泄漏|煤气泄漏|爆炸|火灾|起火|失火|倒塌|坍塌|垮塌|危楼|"
            r"塔吊|脚手架|特种设备|游乐设施"
        ),
        {"城乡建设", "商贸旅游", "劳动和社会保障", "环境保护"},
    ),
    "food_drug": (
        re.compile(
            r"检验检疫|检疫|食品安全|假药|劣药|过期(?:食品|药|产品|牛奶|饮料)|变质|发霉|腐烂|"
            r"臭肉|私宰|私屠|病死猪|注水肉|地沟油|三无食品|中毒|上吐下泻|拉肚子|疫苗"
        ),
        {"商贸旅游", "卫生计生", "环境保护", "教育文体"},
    ),
    "business_env": (
        re.compile(f"{_BUSINESS_DEALINGS}|{_BUSINESS_RED_TAPE}"),
        {"商贸旅游", "城乡建设", "交通运输", "环境保护"},
    ),
    "hardship": (
        re.compile(
            r"低保|特困|五保|临时救助|困难补助|救助金|贫困户|建档立卡|危房改造|残疾证|"
            r"残疾人.{0,10}(?:补贴|补助|救助|护理|托养)|生活困难|无力承担|看不起病"
        ),
        {"劳动和社会保障", "城乡建设"},
    ),
    # a nuisance in everyday words, whatever desk the message went to (RULES.md: noise, dust,
    # odours and smoke, restaurants' fumes, burning rubbish ... are ecology); opening only
    "ecology": (
        re.compile(
            r"噪音|噪声|扰民|(?<!争)吵(?!架)|喧闹|喧哗|轰鸣|轰隆|震耳|睡不着|无法入睡|难以入睡|"
            r"睡不安稳|油烟|烟尘|粉尘|扬尘|灰尘|黑烟|浓烟|焚烧|臭气|恶臭|臭味|腐臭|发臭|"
            r"异味|刺鼻|污染|排污|污水|废水|废气"
        ),
        None,
    ),
    "real_estate_finance": (
        re.compile(
            r"开发商|物业(?:公司|费|管理|服务)|业委会|业主委员会|房产证|不动产(?:权|登记)?证|"
            r"产权证|(?:延期|逾期|推迟|未|没有?|迟迟不?)交房|交房.{0,6}(?:延期|推迟|逾期)|延期交付|烂尾|"
            r"公积金(?:贷|提取|装修)|提取.{0,4}公积金|廉租房|公租房|经济适用房|保障性住房|"
            r"房改(?!造)|购房|买房|按揭|房贷|房价|非法集资"
        ),
        {"城乡建设", "商贸旅游"},
    ),
}

#: the patterns whose matches in a text's opening may not be matches in the text (a lookahead,
#: an anchor or a word boundary can read the end of the opening): their opening is searched
#: on its own (:func:`evidence_features`)
_END_SENSITIVE = {
    rx
    for rx, _ in _PATTERNS.values()
    if any(x in rx.pattern for x in ("(?=", "(?!", "$", "\\b", "\\B", "\\Z"))
}

#: in-scope evidence from the scope column of RULES.md: a topic of the model's
#: ``scope_required`` is tagged only where the text names something of its scope — for
#: real_estate_finance the developer, the delivery, the certificates, the property company,
#: prices, loans, the provident fund, public housing, fund-raising (an estate's other matters —
#: its lifts, power, schools, a neighbour's build — are not the topic's)
_SCOPE: dict[str, re.Pattern] = {
    "real_estate_finance": re.compile(
        _PATTERNS["real_estate_finance"][0].pattern
        + r"|棚户区|棚改|楼盘|商品房|物业|房地产|交房|公积金|集资|理财|P2P|贷款|售楼"
    ),
}

#: terms that by themselves make a message one of a topic's, for a topic the model leaves
#: untagged (``train_focus_model(untagged=…)``): a focus topic of DOMAIN.md must not go silent.
#: Written from RULES.md's scope column; on the hand-labelled train + dev rows they tag 9
#: messages, 8 of them food_drug (21 in all) — docs/nlp.md, sixth round
_DEFINING: dict[str, re.Pattern] = {
    "food_drug": re.compile(
        r"食物中毒|食品安全|地沟油|假药|劣药|过期食品|过期药品?|农药残留|病死[猪畜禽]|注水肉|"
        r"瘦肉精|私屠滥宰|未经检疫"
    ),
}

#: topics whose patterns count only in the message's opening (what it is *about*)
_PATTERN_OPENING = {"ecology", "real_estate_finance"}

#: patterns that stop a topic's labelling functions: what RULES.md puts out of its scope
_NOT: dict[str, re.Pattern] = {
    "wage_arrears": re.compile(
        r"(?:拖欠|欠缴|未缴|不缴|没缴|没有缴).{0,6}(?:社保|养老保险|公积金)"
    ),
    "business_env": re.compile(r"传销"),
    "work_safety": re.compile(r"工伤认定|认定.{0,4}工伤"),
    "real_estate_finance": re.compile(
        r"(?:欠缴|未缴|不缴|没缴|没有缴|拖欠|未交|没交).{0,8}公积金|拆迁补偿|征收补偿|安置补偿"
    ),
    "ecology": re.compile(r"垃圾(?:处理)?费"),
}


def _any_of(*words: str) -> re.Pattern:
    return re.compile("|".join(map(re.escape, words)))


_NEED_WAGE_PAID = (*_PAY[3:-1].split("|"), "欠薪", "讨薪")
#: _LABOUR's fixed parts (干了.{0,6}活 -> 干了; 农民工 and 包工头 hold 民工 and 包工)
_NEED_WAGE_WORK = tuple(
    "干活 干了 打工 务工 民工 工人 包工 班组 工地 施工队 做工 工友 雇主 用工".split()
)
_NEED_DEALINGS = (
    *"垄断 串标 围标 陪标 评标 招投标 营商环境 企业负担 涉企 简政放权 政策兑现 哄抬".split(),
    "操控",  # 操控.{0,4}价格
    # (我公司|…).{0,30}(许可证|…) and 向.{0,8}(企业|…).{0,10}(收费|…): their last words
    *"许可证 执照 审批 办证 手续 补贴 补助 扶持 兑现 摊派 罚款 资质 认证 年审 年检".split(),
    *"收费 收取".split(),
)
#: _RED_TAPE's fixed parts (跑了.{0,4}趟 -> 跑了, 迟迟不(?:批|办) -> 迟迟不 …)
_NEED_RED_TAPE = tuple(
    "跑了 来回跑 跑断腿 盖章 盖了 材料不齐 补材料 推来推去 踢皮球 推诿 批不下来 办不下来 一直不批 "
    "迟迟不 拖着不办 刁难 卡着不".split()
)

#: per slow pattern, words one of which every match of it contains (each alternative's fixed
#: part): a text without any of them has no match, and the pattern (tried at every position:
#: its alternatives do not all start with a fixed character) is not run over it
_NEEDS: dict[re.Pattern, re.Pattern] = {
    _PATTERNS["wage_arrears"][0]: _any_of(*_NEED_WAGE_PAID, *_NEED_WAGE_WORK),
    _PATTERNS["business_env"][0]: _any_of(*_NEED_DEALINGS, *_NEED_RED_TAPE),
    _PATTERNS["ecology"][0]: _any_of(
        *"噪音 噪声 扰民 吵 喧闹 喧哗 轰鸣 轰隆 震耳 睡不着 无法入睡 难以入睡 睡不安稳 油烟".split(),
        *"烟尘 粉尘 扬尘 灰尘 黑烟 浓烟 焚烧 臭气 恶臭 臭味 腐臭 发臭 异味 刺鼻 污染 排污".split(),
        *"污水 废水 废气".split(),
    ),
    _PATTERNS["real_estate_finance"][0]: _any_of(
        *"开发商 物业 业委会 业主委员会 房产证 不动产 产权证 交房 延期交付 烂尾 公积金".split(),
        *"廉租房 公租房 经济适用房 保障性住房 房改 购房 买房 按揭 房贷 房价 非法集资".split(),
    ),
    _NOT["real_estate_finance"]: _any_of(*"公积金 拆迁补偿 征收补偿 安置补偿".split()),
}


#: per pattern made of two rules (``"A|B"``, each a run of top-level alternatives): each rule
#: with the words one of which every match of it contains — searched apart, each only where its
#: words are, and the leftmost match kept (the earlier rule's on a tie: what the whole pattern
#: finds), so a text with a pay word is not searched for the work-and-money rule's shapes too
_PARTS: dict[re.Pattern, tuple[tuple[re.Pattern, re.Pattern], ...]] = {
    _PATTERNS["wage_arrears"][0]: (
        (re.compile(_WAGE_PAID), _any_of(*_NEED_WAGE_PAID)),
        (re.compile(_WAGE_WORK), _any_of(*_NEED_WAGE_WORK)),
    ),
    _PATTERNS["business_env"][0]: (
        (re.compile(_BUSINESS_DEALINGS), _any_of(*_NEED_DEALINGS)),
        (re.compile(_BUSINESS_RED_TAPE), _any_of(*_NEED_RED_TAPE)),
    ),
}


#: per pattern, words that undo a match in its sentence (from the match's sentence's start to
#: the end of the sentence it ends in): RULES.md puts pensions and social-insurance benefits
#: out of wage_arrears' scope — 退休人员的工资没发 is a pension, 生育津贴拿不到 a maternity
#: benefit, not pay owed to workers (on the hand-labelled train and dev rows the words share a
#: wage match's sentence in 4 messages, none of them wage_arrears)
_SENTENCE_NOT: dict[re.Pattern, re.Pattern] = {
    _PATTERNS["wage_arrears"][0]: re.compile(
        r"退休|离休|生育津贴|生育保险|失业金|失业保险金|抚恤|遗属|丧葬"
    ),
}
_SENTENCE_END = re.compile(r"[。!?！？\n]")


def _search(rx: re.Pattern, text: str) -> re.Match | None:
    """``rx.search(text)``, skipped where a word every match contains is missing (for a
    pattern of ``_PARTS``: per rule); for a pattern of ``_SENTENCE_NOT`` the first match whose
    sentence holds none of its words."""
    veto = _SENTENCE_NOT.get(rx)
    pos = 0
    while True:
        m = _search_from(rx, text, pos)
        if m is None or veto is None:
            return m
        start = max(text.rfind(c, 0, m.start()) for c in "。!?！？\n") + 1
        e = _SENTENCE_END.search(text, m.end())
        end = e.start() if e is not None else len(text)
        if veto.search(text, start, end) is None:
            return m
        pos = m.start() + 1  # a later match may start in the next sentence


def _search_from(rx: re.Pattern, text: str, pos: int) -> re.Match | None:
    parts = _PARTS.get(rx)
    if parts is not None:
        best = None
        for part, words in parts:
            if words.search(text, pos) is not None:
                m = part.search(text, pos)
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
        return best
    need = _NEEDS.get(rx)
    if need is not None and need.search(text, pos) is None:
        return None
    return rx.search(text, pos)


#: topics whose lexicon terms are taken as evidence only in the message's opening (title and
#: first sentences: what the message is *about*); elsewhere their words come in passing
#: (a poverty word in a tea-licence request, 拖欠 in a social-insurance complaint)
_OPENING_ONLY = {"business_env", "wage_arrears", "work_safety", "hardship", "food_drug"}
_OPENING = 100  # characters
#: a strong lexicon term lets a topic through at the model's plain decision boundary (class
#: weights balanced) instead of its calibrated threshold, never against the model
_OVERRIDE_P = 0.5
#: topics whose lexicon is not evidence at all for the weak labels: 营商环境's terms (乱收费,
#: 审批, 一件事) are mostly consumers' and citizens' words; its patterns label it
_NO_LEXICON = {"business_env"}

#: a category that *is* the topic (the classifier's 环境保护 is the ecology desk)
_CATEGORY_TOPIC = {"环境保护": "ecology"}


def weak_labels(
    text: str,
    category: str,
    lexicon: FocusResult,
    topics: Sequence[str],
    opening: FocusResult | None = None,
) -> list[int]:
    """0/1 per topic for one training message (normalized text, gold category).

    ``lexicon`` is the lexicon's verdict on the whole text, ``opening`` its verdict on the
    first ``_OPENING`` characters, used for the topics in ``_OPENING_ONLY`` (without it the
    whole text's verdict counts for every topic)."""
    out = []
    for t in topics:
        pos = _CATEGORY_TOPIC.get(category) == t
        lex = opening if (opening is not None and t in _OPENING_ONLY) else lexicon
        if t in lex.topics and t not in _NO_LEXICON and category in _COMPATIBLE.get(t, set()):
            pos = True
        pat = _PATTERNS.get(t)
        where = text[:_OPENING] if t in _PATTERN_OPENING else text
        if pat is not None and (pat[1] is None or category in pat[1]) and _search(pat[0], where):
            pos = True
        neg = _NOT.get(t)
        if pos and neg is not None and neg.search(text) and _CATEGORY_TOPIC.get(category) != t:
            pos = False
        out.append(int(pos))
    return out


@dataclass
class FocusModel:
    """Per-topic logistic regressions over word TF-IDF + category probabilities."""

    topics: list[str]
    vocab: dict[str, int]
    idf: np.ndarray  # (n_words,)
    coef: np.ndarray  # (n_words, n_topics)
    cat_labels: list[str]  # the category model's labels the next rows belong to
    cat_coef: np.ndarray  # (n_categories, n_topics)
    intercept: np.ndarray  # (n_topics,)
    thresholds: list[float] = field(default_factory=list)  # per topic, chosen at training
    #: per topic: may a strong lexicon term with an agreeing category tag it without the model
    #: (chosen at training: only where that rule is precise on the training messages)
    lexicon_override: list[bool] = field(default_factory=list)
    #: per topic: the pattern-evidence layer (see :func:`evidence_features`), weights for
    #: [logit P(topic), pattern in the opening, pattern anywhere, out-of-scope pattern, strong
    #: lexicon term with an agreeing category] and intercept, learned on the hand-labelled
    #: training messages only; None where that layer was not precise enough out of fold
    evidence_coef: list[list[float] | None] = field(default_factory=list)
    evidence_thresholds: list[float] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    #: per topic: tagged only where the text holds in-scope evidence (``_SCOPE``)
    scope_required: list[bool] = field(default_factory=list)

    def word_features(self, tokens: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(column ids, sublinear tf · idf, L2-normalised) of the known content words."""
        from yuqing.nlp.fastpath import _lookup_counts

        ids, v = _lookup_counts(
            tokens if isinstance(tokens, Counter) else Counter(tokens), self.vocab
        )
        if len(ids):
            v = (np.log(v) + 1.0) * self.idf[ids]
            n = math.sqrt(float(v @ v))
            if n > 0:
                v /= n
        return ids, v

    def _cat(self, labels: Sequence[str], proba: np.ndarray) -> np.ndarray:
        """Category probabilities in this model's category order (unknown labels: 0)."""
        pos = {lab: i for i, lab in enumerate(labels)}
        return np.array([float(proba[pos[c]]) if c in pos else 0.0 for c in self.cat_labels])

    def proba(
        self,
        tokens: Iterable[str],
        cat_labels: Sequence[str],
        cat_proba: np.ndarray,
        words: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """P(topic) for one message: its content tokens and category probabilities
        (``words``: its word features from :meth:`word_features`, if already computed)."""
        ids, v = words if words is not None else self.word_features(tokens)
        z = self.intercept + self._cat(cat_labels, cat_proba) @ self.cat_coef
        if len(ids):
            z = z + v @ self.coef[ids]
        return 1.0 / (1.0 + np.exp(-z))

    def evidence_words(
        self,
        tokens: Iterable[str],
        topic: int,
        k: int = 3,
        words: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> list[str]:
        """The message's words that pushed ``topic`` most (positive contributions only)."""
        ids, v = words if words is not None else self.word_features(tokens)
        if not len(ids):
            return []
        contrib = v * self.coef[ids, topic]
        order = np.argsort(-contrib)[:k]
        inv = self._inverse()
        return [inv[int(ids[i])] for i in order if contrib[i] > 0.02]

    def _inverse(self) -> dict[int, str]:
        inv = self.__dict__.get("_inv")
        if inv is None:
            inv = self.__dict__["_inv"] = {i: w for w, i in self.vocab.items()}
        return inv

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_inv", None)
        return state


class ModelFocusTagger:
    """Focus topics from :class:`FocusModel`, with the lexicon's terms as evidence.

    The configured topics (``topics.yaml`` ``focus``, the lexicon's) rule: a model topic not
    configured is never tagged; a configured topic the model does not know is tagged by the
    lexicon rule alone."""

    def __init__(self, model: FocusModel, lexicon: FocusTagger, *, threshold: float | None = None):
        self.model = model
        self.lexicon = lexicon
        #: per topic: the model's own thresholds unless one is given for all
        self.thresholds = (
            list(model.thresholds) if threshold is None else [threshold] * len(model.topics)
        )
        configured = [tid for tid, _ in lexicon.topics]
        self._use = [i for i, t in enumerate(model.topics) if t in configured]
        override = getattr(model, "lexicon_override", None) or [True] * len(model.topics)
        self._override = list(override)
        self._lexicon_only = [t for t in configured if t not in model.topics]
        scope = getattr(model, "scope_required", None) or [False] * len(model.topics)
        self._scope = [
            _SCOPE[t] if need else None for t, need in zip(model.topics, scope, strict=True)
        ]
        untagged = set((getattr(model, "metadata", None) or {}).get("untagged", ()))
        self._defining = [_DEFINING.get(t) if t in untagged else None for t in model.topics]

    def pooled(
        self, bag: Iterable[str], cat_labels: Sequence[str], cat_proba: np.ndarray
    ) -> list[str]:
        """Topics whose probability on pooled evidence — an event's posts' content words
        together (a Counter), their mean category probabilities — reaches the topic's
        threshold (no lexicon rule: the pool has no one text)."""
        p = self.model.proba(bag, cat_labels, cat_proba)
        return [self.model.topics[i] for i in self._use if p[i] >= self.thresholds[i]]

    def tag(
        self,
        text: str,
        tokens: Iterable[str],
        cat_labels: Sequence[str],
        cat_proba: np.ndarray,
    ) -> FocusResult:
        """Topics of one normalized text from its content tokens and category probabilities;
        evidence = the topic's lexicon terms in the text, then the model's strongest words."""
        words = self.model.word_features(tokens)
        p = self.model.proba(tokens, cat_labels, cat_proba, words)
        terms = self.lexicon.terms(text)
        opening = self.lexicon.terms(text[:_OPENING])
        category = cat_labels[int(np.argmax(cat_proba))] if len(cat_labels) else None
        layer = getattr(self.model, "evidence_coef", None) or [None] * len(self.model.topics)
        topics, evidence = [], {}
        for i in self._use:
            t = self.model.topics[i]
            ev = list(terms.get(t, []))
            defining = self._defining[i]
            if defining is not None:  # left untagged by the model: its defining terms only
                m = defining.search(text)
                if m is not None:
                    topics.append(t)
                    evidence[t] = [m.group(0), *(e for e in ev if e != m.group(0))]
                continue
            strong = _strong(self.lexicon, t, terms, opening)
            lexicon_says = (
                self._override[i]
                and strong
                and category in _COMPATIBLE.get(t, ())
                and p[i] >= _OVERRIDE_P
            )
            patterns_say = False
            if layer[i] is not None and p[i] < self.thresholds[i] and not lexicon_says:
                patterns_say = _layer_says(
                    layer[i],
                    self.model.evidence_thresholds[i],
                    text,
                    t,
                    float(p[i]),
                    strong and category in _COMPATIBLE.get(t, ()),
                )
                if patterns_say:
                    m = _search(_PATTERNS[t][0], text)
                    if m and not any(m.group(0) in e or e in m.group(0) for e in ev):
                        ev.append(m.group(0))
            if p[i] < self.thresholds[i] and not lexicon_says and not patterns_say:
                continue
            scope = self._scope[i]
            if scope is not None and not scope.search(text):
                continue
            for w in self.model.evidence_words(tokens, i, words=words):
                if not any(w in e or e in w for e in ev):
                    ev.append(w)
            topics.append(t)
            evidence[t] = ev
        if self._lexicon_only:
            lex = self.lexicon.tag(text)
            for t in self._lexicon_only:
                if t in lex.topics:
                    topics.append(t)
                    evidence[t] = lex.evidence[t]
        return FocusResult(topics, evidence)


def train_focus_model(
    texts: Sequence[str],
    categories: Sequence[str],
    tokens: Sequence[Sequence[str]],
    cat_proba: np.ndarray,
    cat_labels: Sequence[str],
    lexicon: FocusTagger,
    *,
    C: float = 1.0,
    target_precision: float = 0.85,
    min_df: int = 2,
    folds: int = 5,
    balanced: bool = True,
    gold: Sequence[Sequence[str] | None] | None = None,
    evidence_layer: bool = True,
    evidence_C: float = 0.3,
    thresholds_on: str = "all",
    precision_floor: float | None = None,
    untagged: Sequence[str] = (),
    scope_required: Sequence[str] = (),
    floor_keeps_goal: bool = False,
    floor_parts: bool = False,
) -> FocusModel:
    """Fit on normalized ``texts`` with gold ``categories`` (for the weak labels only), their
    content ``tokens`` and the category model's *out-of-fold* probabilities ``cat_proba``.

    Each topic's threshold is the lowest probability at which its out-of-fold predictions
    (``folds``-fold cross-validation on the same rows) reach ``target_precision`` against the
    weak labels (never below 0.5): precision is chosen on the training data, not on any
    evaluation set. ``gold`` (per row: topic ids labelled by hand by RULES.md, or None) replaces
    the weak labels of the rows an annotator labelled (``data/focus_eval/train_focus.csv``).

    ``evidence_layer``: per topic, a second, small logistic regression over
    :func:`evidence_features` — the word model's out-of-fold logit and whether the topic's
    labelling-function pattern, its out-of-scope pattern and a strong lexicon term are present —
    fitted on the **hand-labelled rows only** (on the weakly labelled rows the patterns *are*
    the label, so there they would look infallible), with ``evidence_C``; its threshold is
    chosen like the model's, on its own out-of-fold predictions on those rows, and the layer is
    kept for a topic only where that reaches ``target_precision`` with support. It lets a
    message the words alone leave below the threshold through when the written patterns for
    the topic speak for it (a wage complaint in a few plain words).

    ``thresholds_on``: "all" chooses each topic's threshold on every training row's
    out-of-fold prediction (against the hand labels where there are any, the weak labels
    elsewhere); "hand" on the hand-labelled rows' alone (the rules' labels, not the labelling
    functions'), where those hold at least ``folds`` positives of the topic.

    ``precision_floor``: a last, per-topic step on the **hand-labelled rows** (the rules'
    labels; the weak labels of the housing or nuisance patterns make a topic look easier than
    it is): the topic's tags as the tagger makes them — word model at its threshold, or the
    lexicon rule, or the pattern layer — out of fold on those rows; where their precision misses
    the floor (with the Wilson bound, as :func:`_threshold`), the word threshold and the layer's
    are raised and the lexicon rule switched off, in the combination that keeps the most recall
    while reaching it (:func:`_floor`). None: no such step.

    ``untagged``: topics the model never tags (no word model, no layer, no lexicon rule) — for a
    topic whose tags miss the precision goal out of fold whatever its settings (chosen with
    ``tools/cv_focus.py``, docs/nlp.md): left untagged rather than tagged wrongly. The
    configured lexicon does not take it over (the topic stays one of the model's).

    ``scope_required``: topics (of ``_SCOPE``) tagged only where the text holds in-scope
    evidence written from RULES.md's scope column; the precision floor sees the tags so
    restricted.

    ``floor_keeps_goal`` (with ``precision_floor``): where no setting reaches the floor with
    support, the settings chosen before stay if they meet ``target_precision``, and a pattern
    layer just under the target is handed to the floor (which may raise its threshold) instead
    of being dropped. Tried in the sixth round, not shipped (docs/nlp.md).

    ``floor_parts`` (with ``precision_floor``): the floor holds for each rule that lowers the
    word model's bar too — the pattern layer's tags beyond the word model's, the lexicon
    rule's beyond both must each reach the floor on these rows — not only for the topic's tags
    together, where a rule's few, less precise tags hide behind the word model's many precise
    ones (:func:`_floor`'s ``parts``)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    topics = [tid for tid, _ in lexicon.topics]
    y = np.array(
        [
            weak_labels(t, c, lexicon.tag(t), topics, lexicon.tag(t[:_OPENING]))
            for t, c in zip(texts, categories, strict=True)
        ]
    )
    n_gold = 0
    if gold is not None:
        for k, g in enumerate(gold):
            if g is not None:
                y[k] = [int(t in g) for t in topics]
                n_gold += 1
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=min_df)
    X = vec.fit_transform([list(t) for t in tokens])
    Xc = hstack([X, csr_matrix(np.asarray(cat_proba, dtype=np.float64))]).tocsr()
    n_words = X.shape[1]
    coef = np.zeros((n_words, len(topics)))
    cat_coef = np.zeros((len(cat_labels), len(topics)))
    intercept = np.zeros(len(topics))
    thresholds = [0.5] * len(topics)
    oof_precision: dict[str, float | None] = {}
    override, override_precision = _override_rule(
        texts, np.asarray(cat_proba), cat_labels, lexicon, topics, y, target_precision
    )
    strong = _strong_agreeing(texts, np.asarray(cat_proba), cat_labels, lexicon, topics)
    hand = np.array([g is not None for g in gold]) if gold is not None else np.zeros(len(y), bool)
    evidence_coef: list[list[float] | None] = [None] * len(topics)
    evidence_thresholds = [1.0] * len(topics)
    evidence_precision: dict[str, float | None] = {}
    floor_oof: dict[str, dict] = {}
    for j, t in enumerate(topics):
        too_few = y[:, j].sum() < folds or y[:, j].sum() > len(y) - folds
        if too_few or t in untagged:  # too few to learn, or left untagged on purpose
            intercept[j] = -10.0
            thresholds[j] = 1.0
            override[j] = False
            oof_precision[t] = None
            continue
        lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced" if balanced else None)
        p = cross_val_predict(
            lr,
            Xc,
            y[:, j],
            cv=StratifiedKFold(folds, shuffle=True, random_state=0),
            method="predict_proba",
        )[:, 1]
        on = hand if thresholds_on == "hand" and y[hand, j].sum() >= folds else slice(None)
        thresholds[j], oof_precision[t] = _threshold(p[on], y[on, j], target_precision)
        if evidence_layer:
            base = (p >= thresholds[j]) | (override[j] & strong[:, j] & (p >= _OVERRIDE_P))
            floored = floor_keeps_goal and precision_floor is not None and y[hand, j].sum() >= folds
            layer = _evidence_layer(
                texts,
                t,
                p,
                strong[:, j],
                y[:, j],
                hand,
                target_precision,
                C=evidence_C,
                base=base,
                keep=floored,
            )
            evidence_coef[j], evidence_thresholds[j], evidence_precision[t] = layer
        if t in scope_required:
            in_scope = np.array([bool(_SCOPE[t].search(x)) for x in texts])
        if precision_floor is not None and y[hand, j].sum() >= folds:
            q = np.zeros(len(y))
            if evidence_coef[j] is not None:
                rows, oof = _layer_oof(texts, t, p, strong[:, j], y[:, j], hand, evidence_C)
                q[rows] = oof
            fl = _floor(
                p[hand],
                q[hand],
                (strong[:, j] & (p >= _OVERRIDE_P))[hand],
                y[hand, j],
                thresholds[j],
                evidence_thresholds[j] if evidence_coef[j] is not None else None,
                override[j],
                precision_floor,
                allowed=None if t not in scope_required else in_scope[hand],
                goal=target_precision if floor_keeps_goal else None,
                parts=floor_parts,
            )
            thresholds[j], layer_th, override[j] = fl["word"], fl["layer"], fl["override"]
            if layer_th is None:
                evidence_coef[j], evidence_thresholds[j] = None, 1.0
            else:
                evidence_thresholds[j] = layer_th
            floor_oof[t] = {k: fl[k] for k in ("precision", "recall", "before")}
        lr.fit(Xc, y[:, j])
        coef[:, j] = lr.coef_[0, :n_words]
        cat_coef[:, j] = lr.coef_[0, n_words:]
        intercept[j] = lr.intercept_[0]
    return FocusModel(
        topics=topics,
        vocab={w: int(i) for w, i in vec.vocabulary_.items()},
        idf=np.asarray(vec.idf_, dtype=np.float64),
        coef=np.ascontiguousarray(coef),
        cat_labels=list(cat_labels),
        cat_coef=cat_coef,
        intercept=intercept,
        thresholds=[round(x, 3) for x in thresholds],
        lexicon_override=override,
        evidence_coef=evidence_coef,
        evidence_thresholds=[round(x, 3) for x in evidence_thresholds],
        scope_required=[t in scope_required for t in topics],
        metadata={
            "evidence_layer_precision": evidence_precision,
            "lexicon_override_precision": override_precision,
            "weak_positives": {t: int(y[:, j].sum()) for j, t in enumerate(topics)},
            "hand_labelled_rows": n_gold,
            "oof_weak_precision": oof_precision,
            "target_precision": target_precision,
            "thresholds_on": thresholds_on,
            "precision_floor": precision_floor,
            "floor_hand_oof": floor_oof,
            "untagged": [t for t in topics if t in untagged],
            "floor_keeps_goal": floor_keeps_goal,
            "floor_parts": floor_parts,
            "n": len(texts),
            "C": C,
            "class_weight": "balanced" if balanced else None,
        },
    )


def evidence_features(text: str, topic: str, p: float, strong_agreeing: bool) -> np.ndarray:
    """The pattern-evidence layer's inputs for one topic: logit of the word model's
    probability, the topic's labelling-function pattern in the opening / anywhere, its
    out-of-scope pattern anywhere, a strong lexicon term where it counts with an agreeing
    predicted category. (The category condition of the patterns is left out: at inference
    there is no gold category; the word model's probability carries the predicted one.)"""
    q = min(max(p, 1e-4), 1 - 1e-4)
    pat = _PATTERNS.get(topic)
    neg = _NOT.get(topic)
    opening = anywhere = False
    if pat:
        rx = pat[0]
        m = _search(rx, text)
        anywhere = m is not None
        if rx in _END_SENSITIVE:
            opening = _search(rx, text[:_OPENING]) is not None
        else:  # a match in the opening is one in the text; one ending by it is in it
            opening = m is not None and (
                m.end() <= _OPENING or _search(rx, text[:_OPENING]) is not None
            )
    return np.array(
        [
            math.log(q / (1 - q)),
            float(opening),
            float(anywhere),
            float(neg is not None and _search(neg, text) is not None),
            float(strong_agreeing),
        ]
    )


def _layer_says(
    w: Sequence[float], threshold: float, text: str, topic: str, p: float, strong: bool
) -> bool:
    """Does the pattern-evidence layer (weights ``w``, intercept last) reach ``threshold``?
    The patterns are searched only when the most favourable evidence could reach it (most
    messages are far from most topics)."""
    weights, favourable = _layer_parts(w)
    q = min(max(p, 1e-4), 1 - 1e-4)
    z_max = w[0] * math.log(q / (1 - q)) + w[-1] + favourable
    if 1.0 / (1.0 + math.exp(-z_max)) < threshold:
        return False
    f = evidence_features(text, topic, p, strong)
    z = float(np.dot(weights, f) + w[-1])
    return 1.0 / (1.0 + math.exp(-z)) >= threshold


#: a layer's weights -> (its weights but the intercept as an array, the sum of its positive
#: pattern weights): what :func:`_layer_says` needs of them, computed once per weights
_LAYER_PARTS: dict[tuple[float, ...], tuple[np.ndarray, float]] = {}


def _layer_parts(w: Sequence[float]) -> tuple[np.ndarray, float]:
    key = tuple(w)
    got = _LAYER_PARTS.get(key)
    if got is None:
        if len(_LAYER_PARTS) > 64:  # models come and go (tests, retraining): stay small
            _LAYER_PARTS.clear()
        got = _LAYER_PARTS[key] = (
            np.asarray(w[:-1], dtype=np.float64),
            sum(max(x, 0.0) for x in w[1:-1]),
        )
    return got


def _evidence_layer(
    texts: Sequence[str],
    topic: str,
    p: np.ndarray,
    strong: np.ndarray,
    y: np.ndarray,
    hand: np.ndarray,
    target: float,
    C: float = 0.3,
    folds: int = 5,
    base: np.ndarray | None = None,
    keep: bool = False,
) -> tuple[list[float] | None, float, float | None]:
    """(weights + intercept, threshold, out-of-fold precision) of one topic's pattern-evidence
    layer, fitted on the hand-labelled rows ``hand`` (``p``: the word model's out-of-fold
    probabilities); (None, 1.0, precision) where it misses ``target`` or has too few rows.
    ``base``: the rows the tagger's other rules tag already (out of fold): the threshold is
    chosen on what the topic's tags would be with the layer added — those rules' tags *or*
    the layer's — so the layer never pulls the topic's precision under ``target``. ``keep``:
    return the layer at its best-supported threshold even where it misses ``target`` (the
    precision floor then raises that threshold or switches the layer off: :func:`_floor`)."""
    rows = np.where(hand)[0]
    yy = y[rows]
    if yy.sum() < folds or len(yy) - yy.sum() < folds:
        return None, 1.0, None
    rows, q, lr, F = _layer_oof(texts, topic, p, strong, y, hand, C, folds, fitted=True)
    if base is not None:
        q = np.where(base[rows], 1.0, q)  # tagged anyway, whatever the layer says
    th, prec = _threshold(q, yy, target)
    if prec is None or (prec < target and not keep):
        return None, 1.0, prec
    lr.fit(F, yy)
    return [float(x) for x in lr.coef_[0]] + [float(lr.intercept_[0])], th, prec


def _layer_oof(
    texts: Sequence[str],
    topic: str,
    p: np.ndarray,
    strong: np.ndarray,
    y: np.ndarray,
    hand: np.ndarray,
    C: float = 0.3,
    folds: int = 5,
    fitted: bool = False,
):
    """(hand-labelled row ids, the pattern layer's out-of-fold probabilities on them) — and,
    with ``fitted``, an unfitted regression and the rows' features too."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rows = np.where(hand)[0]
    F = np.array([evidence_features(texts[k], topic, float(p[k]), bool(strong[k])) for k in rows])
    lr = LogisticRegression(C=C, class_weight="balanced", max_iter=1000)
    cv = StratifiedKFold(folds, shuffle=True, random_state=1)
    q = cross_val_predict(lr, F, y[rows], cv=cv, method="predict_proba")[:, 1]
    return (rows, q, lr, F) if fitted else (rows, q)


def _floor(
    p: np.ndarray,
    q: np.ndarray,
    lexicon: np.ndarray,
    y: np.ndarray,
    word: float,
    layer: float | None,
    override: bool,
    floor: float,
    margin: float = 0.1,
    allowed: np.ndarray | None = None,
    goal: float | None = None,
    parts: bool = False,
) -> dict:
    """The per-topic precision floor on the hand-labelled rows' out-of-fold evidence: ``p``
    the word model's probabilities, ``q`` the pattern layer's, ``lexicon`` where the lexicon
    rule fires (strong term, agreeing category, p ≥ 0.5), ``y`` the hand labels; ``word``,
    ``layer`` (None: off) and ``override`` the thresholds and rule chosen before. Tags are
    ``p ≥ word`` or ``q ≥ layer`` or the lexicon rule, as :class:`ModelFocusTagger` makes them.
    Only stricter settings are tried (thresholds raised in steps of 0.05 up to 0.95 or off, the
    rule switched off); of those whose precision reaches ``floor`` with the one-sided 95 %
    Wilson bound at least ``floor - margin``, the one with the highest recall, then the highest
    precision, is kept (``allowed``: the rows the tagger may tag at all, see ``_SCOPE``) — so
    where the settings before qualify, a stricter one replaces them
    only when it loses no recall on these rows (a tag-free gain here, not necessarily out of
    sample); where none qualifies, the settings before if their precision reaches ``goal`` (the
    floor is a margin over the goal: a topic that meets the goal is not cut further for a
    floor its support cannot show), else the one with the best Wilson bound. ``parts``: a
    setting qualifies only if the tags the layer adds beyond the word model's, and those the
    lexicon rule adds beyond both, are each at least ``floor`` precise (where there are any).
    Returns ``word``, ``layer``, ``override``, the ``precision`` and ``recall``
    there and ``before`` ([precision, recall] of the settings before)."""
    y = np.asarray(y, dtype=bool)
    steps = [round(float(x), 2) for x in np.arange(0.5, 0.951, 0.05)]
    words = [w for w in steps if w >= word - 1e-9] + [1.0]
    layers: list[float | None] = [None]
    if layer is not None:
        layers = [x for x in steps if x >= layer - 1e-9] + [None]
    rules = [True, False] if override else [False]
    best, best_key, fallback, fallback_low = None, None, None, -1.0
    before = first = None
    for ov in rules:
        for lt in layers:
            for w in words:
                tag = p >= w
                added = []  # per rule lowering the bar: the tags it adds
                if lt is not None:
                    added.append((q >= lt) & ~tag)
                    tag = tag | (q >= lt)
                if ov:
                    added.append(lexicon & ~tag)
                    tag = tag | lexicon
                if allowed is not None:
                    tag = tag & allowed
                    added = [a & allowed for a in added]
                n = int(tag.sum())
                prec = float(y[tag].mean()) if n else 0.0
                rec = float(y[tag].sum() / max(int(y.sum()), 1))
                cand = {
                    "word": w,
                    "layer": lt,
                    "override": ov,
                    "precision": round(prec, 4),
                    "recall": round(rec, 4),
                }
                if before is None:
                    before, first = [cand["precision"], cand["recall"]], cand
                low = _wilson_low(prec, n) if n else 0.0
                parts_hold = not parts or all(
                    not a.any() or float(y[a].mean()) >= floor for a in added
                )
                if prec >= floor and low >= floor - margin and parts_hold:
                    key = (rec, prec)
                    if best_key is None or key > best_key:
                        best, best_key = cand, key
                elif low > fallback_low:
                    fallback, fallback_low = cand, low
    out = best if best is not None else fallback
    if best is None and goal is not None and before is not None and (before[0] or 0.0) >= goal:
        out = first
    assert out is not None
    return {**out, "before": before}


def _strong_agreeing(
    texts: Sequence[str],
    cat_proba: np.ndarray,
    cat_labels: Sequence[str],
    lexicon: FocusTagger,
    topics: Sequence[str],
) -> np.ndarray:
    """(rows, topics): a strong lexicon term where it counts and an agreeing *predicted*
    category (the lexicon rule beside the model)."""
    predicted = [cat_labels[int(i)] for i in np.argmax(cat_proba, axis=1)]
    out = np.zeros((len(texts), len(topics)), dtype=bool)
    for k, text in enumerate(texts):
        terms, opening = lexicon.terms(text), lexicon.terms(text[:_OPENING])
        for j, t in enumerate(topics):
            out[k, j] = _strong(lexicon, t, terms, opening) and predicted[k] in _COMPATIBLE.get(
                t, ()
            )
    return out


def _strong(
    lexicon: FocusTagger,
    topic: str,
    terms: dict[str, list[str]],
    opening: dict[str, list[str]],
) -> bool:
    """A strong lexicon term of ``topic`` where it counts: in the opening for the topics of
    ``_OPENING_ONLY``, anywhere for the others."""
    found = (opening if topic in _OPENING_ONLY else terms).get(topic, ())
    return any(len(h) >= lexicon.strong_len for h in found)


def _override_rule(
    texts: Sequence[str],
    cat_proba: np.ndarray,
    cat_labels: Sequence[str],
    lexicon: FocusTagger,
    topics: Sequence[str],
    y: np.ndarray,
    target: float,
) -> tuple[list[bool], dict[str, float | None]]:
    """Per topic: is "a strong lexicon term and an agreeing *predicted* category" (the
    tagger's rule beside the model) at least ``target`` precise against the weak labels of the
    training messages? (``cat_proba``: out-of-fold, like at inference.)"""
    fired = _strong_agreeing(texts, cat_proba, cat_labels, lexicon, topics)
    use, precision = [], {}
    for j, t in enumerate(topics):
        n = int(fired[:, j].sum())
        prec = float(y[fired[:, j], j].mean()) if n else None
        precision[t] = None if prec is None else round(prec, 4)
        use.append(prec is not None and prec >= target)
    return use, precision


def _threshold(
    p: np.ndarray, y: np.ndarray, target: float, margin: float = 0.1
) -> tuple[float, float | None]:
    """Lowest threshold ≥ 0.5 whose precision on (p, y) reaches ``target`` with its one-sided
    95 % Wilson lower bound at least ``target - margin`` (a few lucky positives are not enough),
    else the threshold with the best lower bound; and the precision there."""
    best: tuple[float, float | None, float] = (0.95, None, -1.0)
    for th in np.arange(0.5, 0.96, 0.05):
        tagged = p >= th
        n = int(tagged.sum())
        if not n:
            break
        prec = float(y[tagged].mean())
        low = _wilson_low(prec, n)
        if prec >= target and low >= target - margin:
            return float(th), round(prec, 4)
        if low > best[2]:
            best = (float(th), round(prec, 4), low)
    return best[0], best[1]


def _wilson_low(p: float, n: int, z: float = 1.645) -> float:
    """One-sided lower confidence bound of a proportion ``p`` observed in ``n`` trials."""
    d = 1 + z * z / n
    centre = p + z * z / (2 * n)
    return (centre - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / d


def _identity(x):
    return x
