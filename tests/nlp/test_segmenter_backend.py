"""Segmentation backends: ``nlp.segmenter: jieba | rjieba`` (rjieba optional)."""

from __future__ import annotations

import importlib.util
import pickle
import sys

import pytest

from yuqing.config.nlp_section import NLPSettings
from yuqing.nlp.errors import NLPError
from yuqing.nlp.segment import (
    DEFAULT_USERDICT,
    DictionaryFileError,
    SegmenterBackendError,
    get_segmenter,
    read_userdict,
)

HAS_RJIEBA = importlib.util.find_spec("rjieba") is not None
needs_rjieba = pytest.mark.skipif(not HAS_RJIEBA, reason="rjieba not installed")

# sentences where jieba and jieba-rs (with the jieba-compatible ASCII split) agree
AGREE = [
    "我来到北京清华大学",
    "网信办和信访局联合处理拖欠工资问题",
    "市发改委回应小区停水停电投诉",
    "请联系电话0731-0000-00000000或访问www.baidu.com查询，截止2014-05-28。",
    "宝山村8组怎么没有通乡村公路，村民自己掏钱维修",
    "学校食堂发生食物中毒事件，家长要求教育局调查",
    "A市A1区拆迁补偿不到位，居民多次投诉无果",
    "房价上涨3.5%，2003.1.1-2009.8.31期间的社保如何补缴？",
]


def test_setting_default_and_values():
    assert NLPSettings().segmenter == "rjieba"
    assert NLPSettings(segmenter="jieba").segmenter == "jieba"
    with pytest.raises(ValueError):
        NLPSettings(segmenter="pkuseg")


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(SegmenterBackendError, match="jieba, rjieba"):
        get_segmenter(backend="thulac")


def test_a_missing_dictionary_file_is_one_line_not_an_empty_dictionary(tmp_path):
    missing = tmp_path / "userdict.txt"
    with pytest.raises(DictionaryFileError) as info:
        get_segmenter(missing)
    assert info.value.line() == f"nlp: dictionary file not found: {missing}"
    assert DEFAULT_USERDICT.parent.name == "resources" and len(read_userdict()) > 100


def test_missing_rjieba_is_one_line_with_install_hint(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "rjieba" else real(name, *a)
    )
    monkeypatch.setitem(sys.modules, "rjieba", None)
    from yuqing.nlp.segment import Segmenter

    with pytest.raises(SegmenterBackendError) as e:
        Segmenter((), frozenset(), "rjieba")
    msg = str(e.value)
    assert "pip install rjieba" in msg and "\n" not in msg
    assert isinstance(e.value, NLPError) and isinstance(e.value, ValueError)


def test_backend_selected_from_settings(tmp_path):
    from tests.nlp.helpers import REPO, stage_parts
    from yuqing.config import load_config
    from yuqing.nlp.analyzer import _config_segmenter

    clf = stage_parts()[0]
    cfg = load_config(REPO / "config")
    seg = _config_segmenter(cfg, NLPSettings(segmenter="jieba"), clf.segmenter)
    assert seg is clf.segmenter and seg.backend == "jieba"  # the model's own
    if not HAS_RJIEBA:
        with pytest.raises(SegmenterBackendError, match="pip install rjieba"):
            _config_segmenter(cfg, NLPSettings(segmenter="rjieba"), clf.segmenter)
        return
    seg = _config_segmenter(cfg, NLPSettings(segmenter="rjieba"), clf.segmenter)
    assert seg.backend == "rjieba" and seg.fingerprint == clf.segmenter.fingerprint


@needs_rjieba
def test_stage_with_rjieba_passes_its_tokens_to_the_classifier():
    from tests.nlp.helpers import stage_parts
    from yuqing.nlp.analyzer import PostAnalyzer
    from yuqing.nlp.focus import FocusTagger
    from yuqing.nlp.sentiment import NegativityScorer

    clf, sent, cfg = stage_parts()
    seg = get_segmenter(backend="rjieba")
    a = PostAnalyzer(
        clf, FocusTagger.from_topics(cfg.topics.focus), NegativityScorer(sent), segmenter=seg
    )
    assert a.segmenter is seg and a._same_segmenter  # same dictionary: one pass per post
    text = "网信办和信访局联合处理拖欠工资问题\n工人多次投诉无果"
    r = a.analyze_text(text)
    assert r.tokens == seg.tokens(text)
    assert r.category == clf.predict_one(text)[0]


@needs_rjieba
@pytest.mark.parametrize("text", AGREE)
def test_rjieba_equals_jieba_where_they_agree(text):
    j, r = get_segmenter(), get_segmenter(backend="rjieba")
    assert r.lcut(text) == j.lcut(text)
    assert r.tokens(text) == j.tokens(text)


@pytest.mark.parametrize("backend", ["jieba", pytest.param("rjieba", marks=needs_rjieba)])
def test_userdict_words_stay_whole(backend):
    seg = get_segmenter(backend=backend)
    words = [line.split()[0] for line in read_userdict()]
    assert len(words) > 200
    for w in words:
        assert w in seg.lcut(f"关于{w}的情况反映"), (backend, w)


@needs_rjieba
def test_rjieba_segmenter_pickles_by_content_and_backend():
    seg = get_segmenter(backend="rjieba")
    assert pickle.loads(pickle.dumps(seg)) is seg
    j = get_segmenter()
    assert pickle.loads(pickle.dumps(j)) is j and j is not seg
    assert j.fingerprint == seg.fingerprint  # the dictionary's identity, not the backend's


@needs_rjieba
def test_memo_shared_per_text():
    seg = get_segmenter(backend="rjieba")
    t = "市发改委回应小区停水停电投诉"
    assert seg.lcut(t) is seg.lcut(t)
