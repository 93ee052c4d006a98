"""Focus topics as a model: per-topic logistic regressions learned by weak supervision.

The lexicon alone (:mod:`yuqing.nlp.focus`) needs listed words; residents describe noise and dust
in everyday words no list anticipates ("机器轰鸣到深夜", "灰尘落满阳台"). The model learns those
words from labelled messages whose labels come from *labelling functions* rather than from an
annotator (weak supervision):

* :func:`weak_labels` — for a training message with its **gold category**: lexicon evidence that
  agrees with the category (``real_estate_finance`` terms in a 城乡建设 message, not in a school
  fee complaint), the category itself where it maps to a topic (every 环境保护 message is
  ``ecology``), and a few patterns per topic (wages *owed*, lifts that trap people, pensions and
  medical insurance in a 劳动和社会保障 message …).
* :class:`FocusModel` — one logistic regression per topic over TF-IDF of the message's content
  words plus the category classifier's probabilities (so a message the classifier puts in
  环境保护 leans to ``ecology`` whatever its words). At inference there is no gold category and
  no labelling function: only words and predicted category probabilities.

A topic is tagged when its probability reaches the model's threshold, or when a *strong*
lexicon term (拖欠工资, 食物中毒) is present and the predicted category agrees with the topic (the
lexicon's own rule with the weak labels' precision guard: a short message saying only
"公司拖欠工资三个月" has too few words for the model). Evidence
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
    "hardship": {"劳动和社会保障", "城乡建设", "卫生计生"},
}

_OWED = r"(?:拖欠|克扣|扣发|停发|欠发|拖发|未发|没发|不发|没有发|未付|欠我|欠下)"
_PAY = r"(?:工资|薪水|薪资|奖金|绩效|津贴|劳务费|工程款|加班费|血汗钱)"

#: patterns that mark a topic on their own (with the category where noted)
_PATTERNS: dict[str, tuple[re.Pattern, set[str] | None]] = {
    "wage_arrears": (re.compile(f"{_OWED}.{{0,8}}{_PAY}|{_PAY}.{{0,8}}{_OWED}"), None),
    "edu_med_elderly": (
        re.compile(
            r"养老保险|养老金|退休金|退休工资|医保|医疗保险|新农合|大病保险|住院|医院|学校|"
            r"幼儿园|教师|老师|学生|招生|入学|中考|高考|补课|学费"
        ),
        {"教育文体", "卫生计生", "劳动和社会保障"},
    ),
    "work_safety": (
        re.compile(
            r"电梯.{0,12}(?:故障|关人|困人|坠|隐患|年检|维修)|消防(?:通道|隐患|不合格|设施)|"
            r"安全隐患|安全事故|危险品|危化品|燃气泄漏|倒塌|坍塌"
        ),
        {"城乡建设", "商贸旅游", "劳动和社会保障", "环境保护"},
    ),
    "food_drug": (
        re.compile(r"检验检疫|检疫|食品安全|假药|过期|变质|私宰|病死猪|地沟油|三无产品|中毒"),
        {"商贸旅游", "卫生计生", "环境保护"},
    ),
    "business_env": (
        re.compile(r"垄断|串标|围标|招投标|许可证|简政放权|营商环境|企业负担|涉企|招商引资"),
        {"商贸旅游", "城乡建设", "交通运输"},
    ),
    "hardship": (
        re.compile(r"低保|贫困户|特困|扶贫|残疾人|危房改造|临时救助|孤寡|五保"),
        None,
    ),
}

#: a category that *is* the topic (the classifier's 环境保护 is the ecology desk)
_CATEGORY_TOPIC = {"环境保护": "ecology"}


def weak_labels(text: str, category: str, lexicon: FocusResult, topics: Sequence[str]) -> list[int]:
    """0/1 per topic for one training message (normalized text, gold category)."""
    out = []
    for t in topics:
        pos = _CATEGORY_TOPIC.get(category) == t
        if t in lexicon.topics and category in _COMPATIBLE.get(t, set()):
            pos = True
        pat = _PATTERNS.get(t)
        if pat is not None and (pat[1] is None or category in pat[1]) and pat[0].search(text):
            pos = True
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
    metadata: dict[str, Any] = field(default_factory=dict)

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
        self._lexicon_only = [t for t in configured if t not in model.topics]

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
        category = cat_labels[int(np.argmax(cat_proba))] if len(cat_labels) else None
        topics, evidence = [], {}
        for i in self._use:
            t = self.model.topics[i]
            ev = list(terms.get(t, []))
            strong = any(len(h) >= self.lexicon.strong_len for h in ev)
            if p[i] < self.thresholds[i] and not (strong and category in _COMPATIBLE.get(t, ())):
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
    target_precision: float = 0.9,
    min_df: int = 2,
    folds: int = 5,
    balanced: bool = True,
) -> FocusModel:
    """Fit on normalized ``texts`` with gold ``categories`` (for the weak labels only), their
    content ``tokens`` and the category model's *out-of-fold* probabilities ``cat_proba``.

    Each topic's threshold is the lowest probability at which its out-of-fold predictions
    (``folds``-fold cross-validation on the same rows) reach ``target_precision`` against the
    weak labels (never below 0.5): precision is chosen on the training data, not on any
    evaluation set."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    topics = [tid for tid, _ in lexicon.topics]
    y = np.array(
        [weak_labels(t, c, lexicon.tag(t), topics) for t, c in zip(texts, categories, strict=True)]
    )
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=min_df)
    X = vec.fit_transform([list(t) for t in tokens])
    Xc = hstack([X, csr_matrix(np.asarray(cat_proba, dtype=np.float64))]).tocsr()
    n_words = X.shape[1]
    coef = np.zeros((n_words, len(topics)))
    cat_coef = np.zeros((len(cat_labels), len(topics)))
    intercept = np.zeros(len(topics))
    thresholds = [0.5] * len(topics)
    oof_precision: dict[str, float | None] = {}
    for j, t in enumerate(topics):
        if y[:, j].sum() < folds or y[:, j].sum() > len(y) - folds:  # too few to learn
            intercept[j] = -10.0
            thresholds[j] = 1.0
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
        thresholds[j], oof_precision[t] = _threshold(p, y[:, j], target_precision)
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
        metadata={
            "weak_positives": {t: int(y[:, j].sum()) for j, t in enumerate(topics)},
            "oof_weak_precision": oof_precision,
            "target_precision": target_precision,
            "n": len(texts),
            "C": C,
            "class_weight": "balanced" if balanced else None,
        },
    )


def _threshold(p: np.ndarray, y: np.ndarray, target: float) -> tuple[float, float | None]:
    """Lowest threshold ≥ 0.5 whose precision on (p, y) reaches ``target`` (else the most
    precise one), and that precision."""
    best: tuple[float, float | None] = (0.5, None)
    for th in np.arange(0.5, 0.96, 0.05):
        tagged = p >= th
        if not tagged.any():
            break
        prec = float(y[tagged].mean())
        if prec >= target:
            return float(th), round(prec, 4)
        if best[1] is None or prec > best[1]:
            best = (float(th), round(prec, 4))
    return best


def _identity(x):
    return x
