"""Negativity: a review-trained sentiment model adapted to complaint language, plus risk flags.

The base model is a logistic regression over jieba unigrams + bigrams trained on
``waimai_10k.csv`` (food-delivery reviews, 1 positive / 0 negative). Its words are take-away
words, so a domain-general polarity lexicon (JioNLP's, :mod:`yuqing.nlp.lexicon`, copied into the
model file) is added in the same logit space; reviews are not complaints, so a complaint lexicon
adjusts the score too::

    polarity = logit(p_pos) + lexicon_weight · lexicon_score(words)
    z = model_scale · polarity + bias + Σ_cue weight(cue) · min(count(cue), 2)
    sentiment = 2 · sigmoid(z) − 1                       (−1 … 1, negative = complaint)

``bias`` (default −model_scale · the training set's prior logit) makes a text without evidence
score 0. Cues are matched longest first, so 不满意 is a negative cue, not 满意.

Cue weights are logits (−1.5 ≈ "moves an undecided text to −0.64"). Risk cues are separate
flags (``casualties``, ``collective_action``, ``minors``, ``media_attention``, ``violence``,
``self_harm``, ``repeated_complaint``): they say *what kind* of risk, not how negative.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from yuqing.nlp.segment import is_content

__all__ = [
    "SentimentModel",
    "NegativityScorer",
    "risk_flags",
    "RISK_CUES",
    "COMPLAINT_CUES",
    "train_sentiment",
    "sentiment_features",
]

#: complaint-language cues (logit weights; negative = more negative)
COMPLAINT_CUES: dict[str, float] = {
    "欠薪": -1.5,
    "拖欠工资": -1.5,
    "讨薪": -1.5,
    "拖欠": -0.8,
    "维权": -1.0,
    "投诉无果": -2.0,
    "多次反映": -1.2,
    "多次投诉": -1.2,
    "无人理睬": -1.5,
    "无人管": -1.2,
    "没人管": -1.2,
    "不作为": -1.5,
    "推诿": -1.2,
    "扯皮": -1.2,
    "敷衍": -1.2,
    "踢皮球": -1.2,
    "群体": -0.8,
    "集体上访": -2.0,
    "上访": -1.2,
    "伤亡": -2.0,
    "死亡": -1.5,
    "受伤": -1.0,
    "事故": -0.8,
    "污染": -1.0,
    "扰民": -1.0,
    "噪音": -0.8,
    "恶臭": -1.0,
    "乱收费": -1.2,
    "违法": -0.8,
    "违规": -0.6,
    "强烈要求": -0.8,
    "严重": -0.6,
    "欺骗": -1.2,
    "欺诈": -1.2,
    "霸王": -1.0,
    "克扣": -1.2,
    "强拆": -1.5,
    "暴力": -1.5,
    "殴打": -1.8,
    "威胁": -1.0,
    "隐患": -0.6,
    "投诉": -0.5,
    "举报": -0.5,
    "苦不堪言": -1.5,
    "无奈": -0.8,
    "愤怒": -1.2,
    "烂尾": -1.2,
    "非法集资": -1.5,
    "跑路": -1.2,
    "黑心": -1.2,
    "坑": -0.6,
    "不满意": -1.2,
    "不太满意": -1.0,
    "很不满意": -1.5,
    "非常不满意": -1.5,
    "差评": -1.2,
    "感谢": 1.2,
    "表扬": 1.5,
    "点赞": 1.5,
    "满意": 1.0,
    "及时解决": 1.5,
    "已解决": 1.0,
    "为民办实事": 1.5,
    "好评": 1.2,
    "赞扬": 1.2,
    "致谢": 1.2,
    "锦旗": 1.2,
    "热心": 0.8,
}

#: risk flag → regex of cues
RISK_CUES: dict[str, str] = {
    "casualties": r"伤亡|死伤|死亡|身亡|遇难|丧生|罹难|溺亡|致死|重伤|受伤|\d+\s*人死|殒命",
    "collective_action": r"群体性|集体上访|集体维权|聚集|拉横幅|打横幅|堵路|围堵|罢工|静坐|联名|"
    r"上百名|数百名|几十名|众多业主|多名业主|多名工人|群体事件|集体讨薪",
    "minors": r"未成年|儿童|幼儿|小学生|初中生|中学生|婴儿|少年|学龄|留守",
    "media_attention": r"媒体|记者|曝光|央视|热搜|网传|疯传|刷屏|自媒体|报道|舆论|发酵",
    "violence": r"殴打|打人|持刀|砍伤|暴力|斗殴|行凶|打伤",
    "self_harm": r"跳楼|自杀|轻生|服毒|割腕|寻短见",
    "repeated_complaint": r"投诉无果|多次反映|多次投诉|反复投诉|多次拨打|无人理睬|至今未解决|仍未解决",
}
_RISK = [(flag, re.compile(rx)) for flag, rx in RISK_CUES.items()]


def risk_flags(text: str) -> list[str]:
    """Risk flags whose cues occur in ``text`` (in RISK_CUES order)."""
    return [flag for flag, rx in _RISK if rx.search(text)]


def sentiment_features(words: Sequence[str], *, content: bool = False) -> list[str]:
    """Unigrams + bigrams of content words (stopwords kept: 不, 没有 carry sentiment);
    ``content=True``: ``words`` are already only content words."""
    ws = list(words) if content else [w for w in words if is_content(w)]
    return ws + [a + "_" + b for a, b in zip(ws, ws[1:], strict=False)]


class SentimentModel:
    """Base polarity model: ``predict_logit(words_list)`` → logit of P(positive);
    ``polarity_one(words)`` adds the domain-general lexicon (when the model carries one)."""

    def __init__(self, pipeline, metadata: dict, lexicon: dict[str, float] | None = None):
        self.pipeline = pipeline
        self.metadata = metadata
        self.lexicon = lexicon

    @property
    def lexicon_weight(self) -> float:
        lex = self.__dict__.get("lexicon")  # absent from files written before the lexicon
        return float(self.metadata.get("lexicon_weight", 0.0)) if lex else 0.0

    def polarity_one(self, words: Sequence[str], *, content: bool = False) -> float:
        """``logit_one`` + lexicon_weight · lexicon score of the same words."""
        from yuqing.nlp.fastpath import WordIds

        lex = self.__dict__.get("lexicon")  # absent from files written before the lexicon
        look = self.pair_lookup() if content else None
        if look is not None:
            # the words looked up once for the model's features and the lexicon
            from yuqing.nlp.lexicon import score_hits

            fast = self.fast()
            ws = words if isinstance(words, WordIds) and words.ids is not None else WordIds(words)
            if ws.ids is None:
                ws.ids = look.word_ids(ws)
            z = float(fast.decision_function(ws)[0])
            if ws.ids is not None:
                return z + self.lexicon_weight * score_hits(ws, *look.lexicon_hits(ws.ids))
            from yuqing.nlp.lexicon import lexicon_score

            return z + self.lexicon_weight * lexicon_score(ws, look.lexicon or {})
        z = self.logit_one(words, content=content)
        if lex:
            from yuqing.nlp.lexicon import lexicon_score

            z += self.lexicon_weight * lexicon_score(words, lex)
        return z

    def pair_lookup(self):
        """The :class:`~yuqing.nlp.fastpath.PairLookup` that maps content words to ids for
        both the fast model's features and the lexicon (a caller may pass :meth:`polarity_one`
        a :class:`~yuqing.nlp.fastpath.WordIds` looked up with it), or None."""
        from yuqing.nlp.fastpath import PairLookup

        lex = self.__dict__.get("lexicon")
        fast = self.fast() if lex else None
        look = fast.blocks[0].lookup if fast is not None else None
        return look if isinstance(look, PairLookup) and look.lexicon is lex else None

    def fast(self):
        """The compiled :class:`~yuqing.nlp.fastpath.FastLinearModel`, or None if unsupported."""
        fast = self.__dict__.get("_fast")
        if fast is None:
            from yuqing.nlp.fastpath import PairLookup, Unsupported, compile_pipeline

            try:
                fast = compile_pipeline(self.pipeline)
                if fast.folds[0].coef_t.shape[1] != 1 or len(fast.blocks) != 1:
                    fast = False
                else:  # documents are content-word lists; bigrams counted as word pairs
                    fast.blocks[0].lookup = PairLookup(
                        fast.blocks[0].vocab, lexicon=self.__dict__.get("lexicon") or None
                    )
                    fast.blocks[0].select = None
            except Unsupported:
                fast = False
            self.__dict__["_fast"] = fast
        return fast or None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_fast", None)
        return state

    def logit_one(self, words: Sequence[str], *, content: bool = False) -> float:
        """Logit of P(positive) for one text's jieba words (``content=True``: only its
        content words, already filtered)."""
        fast = self.fast()
        if fast is None:
            return float(
                self.pipeline.decision_function([sentiment_features(words, content=content)])[0]
            )
        ws = list(words) if content else [w for w in words if is_content(w)]
        return float(fast.decision_function(ws)[0])

    def predict_logit(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        if self.fast() is None:
            return self.sklearn_predict_logit(docs)
        return np.array([self.logit_one(d) for d in docs], dtype=np.float64)

    def sklearn_predict_logit(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """The same through scikit-learn (reference for the fast path)."""
        return self.pipeline.decision_function([sentiment_features(d) for d in docs])


def _identity(x):
    return x


def train_sentiment(
    csv_path: str | Path,
    lcut: Callable[[str], list[str]],
    *,
    C: float = 2.0,
    random_state: int = 0,
    lexicon: dict[str, float] | None = None,
    lexicon_weight: float = 0.5,
    extra: Sequence[tuple[str, int]] = (),
    extra_weight: float = 1.0,
) -> SentimentModel:
    """Train the base model on a ``label,review`` CSV (waimai_10k layout); ``lexicon`` (e.g.
    :func:`yuqing.nlp.lexicon.load_jionlp_lexicon`) is stored in the model with its weight.

    ``extra``: ``(text, label)`` rows beyond the file (label feedback, same convention: 1 =
    positive / not negative, 0 = negative), each counted ``extra_weight`` times in the final
    fit and the prior; the held-out figures stay those of the file's rows alone."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from yuqing.nlp.data import load_reviews

    data = load_reviews(csv_path)
    docs = [lcut(t) for t in data.texts]
    y = np.array([int(lab) for lab in data.labels])

    def mk():
        return make_pipeline(
            TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2),
            LogisticRegression(C=C, max_iter=2000, random_state=random_state),
        )

    a_tr, a_te, y_tr, y_te = train_test_split(
        docs, y, test_size=0.2, random_state=random_state, stratify=y
    )
    held = mk().fit([sentiment_features(d) for d in a_tr], y_tr)
    pred = held.predict([sentiment_features(d) for d in a_te])
    metrics = {
        "heldout_accuracy": round(float(accuracy_score(y_te, pred)), 4),
        "heldout_macro_f1": round(float(f1_score(y_te, pred, average="macro")), 4),
        "n": len(docs),
    }
    x = [sentiment_features(d) for d in docs]
    if extra:
        x += [sentiment_features(lcut(t)) for t, _ in extra]
        y = np.concatenate([y, [int(lab) for _, lab in extra]])
        w = np.concatenate([np.ones(len(docs)), np.full(len(extra), float(extra_weight))])
        pipe = mk().fit(x, y, logisticregression__sample_weight=w)
        prior = float(np.average(y, weights=w))
    else:
        pipe = mk().fit(x, y)
        prior = float(y.mean())
    meta = {
        "metrics": metrics,
        "prior_logit": math.log(prior / (1 - prior)),
        "source": "waimai_10k (ChineseNlpCorpus), label 1 pos / 0 neg",
    }
    if extra:
        meta.update(feedback_rows=len(extra), feedback_weight=float(extra_weight))
    if lexicon:
        from yuqing.nlp.lexicon import JIONLP_SOURCE

        meta.update(
            lexicon_weight=lexicon_weight, lexicon_source=JIONLP_SOURCE, lexicon_words=len(lexicon)
        )
    return SentimentModel(pipe, meta, dict(lexicon) if lexicon else None)


class NegativityScorer:
    """Complaint-adapted sentiment in −1…1 from words (and the text, for cues)."""

    def __init__(
        self,
        model: SentimentModel | None,
        *,
        model_scale: float = 1.0,
        bias: float | None = None,
        cues: dict[str, float] | None = None,
    ):
        self.model = model
        self.model_scale = model_scale
        if bias is None:  # undo the training set's class prior: a neutral text scores ≈ 0
            prior = model.metadata.get("prior_logit", 0.0) if model is not None else 0.0
            bias = -model_scale * prior
        self.bias = bias
        self.cues = dict(COMPLAINT_CUES if cues is None else cues)
        alts = sorted(self.cues, key=len, reverse=True)
        self._cue_rx = re.compile("|".join(map(re.escape, alts))) if alts else None

    def cue_logit(self, text: str) -> float:
        if self._cue_rx is None:
            return 0.0
        counts: dict[str, int] = {}
        for m in self._cue_rx.findall(text):
            counts[m] = counts.get(m, 0) + 1
        return sum(self.cues[c] * min(n, 2) for c, n in counts.items())

    def score(
        self, text: str, words: Sequence[str], *, content: Sequence[str] | None = None
    ) -> float:
        """``content``: the content words of ``words`` if already known."""
        if self.model is None:
            base = 0.0
        elif content is not None:
            base = self.model.polarity_one(content, content=True)
        else:
            base = self.model.polarity_one(words)
        z = self.model_scale * base + self.bias + self.cue_logit(text)
        return round(2.0 / (1.0 + math.exp(-z)) - 1.0, 4)

    def score_many(self, texts: Sequence[str], words: Sequence[Sequence[str]]) -> list[float]:
        return [self.score(t, w) for t, w in zip(texts, words, strict=True)]
