"""Negativity: the domain-general lexicon in the sentiment model, negation, complaint cues."""

import math

from tests.nlp.helpers import REPO, stage_parts
from yuqing.nlp import model_file
from yuqing.nlp.lexicon import lexicon_score
from yuqing.nlp.sentiment import NegativityScorer

LEX = {"满意": 1.5, "干净": 1.0, "差": -1.0}


def test_lexicon_score_sums_flips_negated_words_and_scales_by_sqrt():
    assert lexicon_score(["房间", "干净"], LEX) == 1.0
    assert lexicon_score(["很", "不", "满意"], LEX) == -1.5
    assert lexicon_score(["不", "太", "满意"], LEX) == -1.5  # negator two words before
    assert lexicon_score(["满意", "干净", "差"], LEX) == (1.5 + 1.0 - 1.0) / math.sqrt(3)
    assert lexicon_score(["今天", "下雨"], LEX) == 0.0


def test_shipped_sentiment_model_carries_the_lexicon():
    _, sent, _ = stage_parts()
    assert sent.lexicon and len(sent.lexicon) > 30_000
    assert sent.lexicon_weight > 0 and "JioNLP" in sent.metadata["lexicon_source"]
    words = ["服务", "态度", "很", "好", "，", "房间", "干净"]
    expected = sent.logit_one(words) + sent.lexicon_weight * lexicon_score(words, sent.lexicon)
    assert math.isclose(sent.polarity_one(words), expected)


def test_model_without_lexicon_scores_by_its_logit_alone():
    path = REPO / "tests" / "nlp" / "data" / "pre_namespace_sentiment.joblib"
    model, meta = model_file.load(path, kind="sentiment")
    model.metadata = meta
    words = ["送餐", "很", "慢"]
    assert model.lexicon_weight == 0.0
    assert model.polarity_one(words) == model.logit_one(words)


def test_negated_praise_is_a_negative_cue():
    scorer = NegativityScorer(None)
    assert scorer.cue_logit("对处理结果很不满意") < 0 < scorer.cue_logit("对处理结果很满意")
    assert scorer.cue_logit("不满意") == scorer.cues["不满意"]


def test_reviews_outside_take_away_food_get_the_right_sign():
    _, sent, _ = stage_parts()
    scorer = NegativityScorer(sent)
    seg = stage_parts()[0].segmenter
    good = "衣服质量很好，做工精致，穿着舒服，很满意"
    bad = "手机用了两天就坏了，屏幕失灵，客服推诿，非常失望"
    assert scorer.score(bad, seg.lcut(bad)) < 0 < scorer.score(good, seg.lcut(good))
