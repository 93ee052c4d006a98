"""Events pool their posts' focus evidence (NLPStage._share_focus, nlp/events.py FocusPool):
a topic one member carries on its own evidence spreads to the others when their words
together show it, never without such a witness; the pools survive a save and restore."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tests.nlp.helpers import post, stage_parts
from yuqing.nlp.analyzer import PostAnalyzer, load_focus_model
from yuqing.nlp.focus import FocusTagger
from yuqing.nlp.focus_model import ModelFocusTagger
from yuqing.nlp.normalize import normalize
from yuqing.nlp.pipeline import NLPStage
from yuqing.nlp.sentiment import NegativityScorer
from yuqing.storage.sqlite import SQLiteStore

#: one estate's lift, in residents' words: the first complaint names the danger (tagged
#: work_safety on its own), the others only describe what they see
WITNESS = (
    "翠湖苑小区电梯昨天又出故障，把一位老人困在里面半个多小时，物业拖了很久才来，电梯安全隐患太大"
)
OTHERS = [
    "翠湖苑小区电梯一直咣当咣当响，坐着心里发慌，维保的人来看一眼就走",
    "翠湖苑小区电梯轿厢里有股焦糊味，运行起来一顿一顿的",
]


def model_stage(sink=None, state_path=None) -> NLPStage:
    clf, sent, cfg = stage_parts()
    lexicon = FocusTagger.from_topics(cfg.topics.focus)
    analyzer = PostAnalyzer(
        clf, ModelFocusTagger(load_focus_model(), lexicon), NegativityScorer(sent)
    )
    return NLPStage(analyzer, sink=sink, state_path=state_path)


def _posts(texts, start=0):
    return [post(f"l{start + i}", "", t, minutes=30 * (start + i)) for i, t in enumerate(texts)]


def _own(stage, text) -> list[str]:
    return stage.analyzer.analyze_text(normalize(text)).focus


def _pooled_probability(stage, texts, topic) -> float:
    """The focus model on the texts' words added up and their mean category probabilities."""
    an = stage.analyzer
    analyses = [an.analyze_text(normalize(t)) for t in texts]
    bag = Counter(w for a in analyses for w in a.tokens)
    mean = np.mean([a.category_proba for a in analyses], axis=0)
    model = an.focus.model
    return float(model.proba(bag, an.classifier.labels, mean)[model.topics.index(topic)])


def test_a_witness_and_the_others_pooled_words_share_the_topic():
    stage = model_stage()
    model = stage.analyzer.focus.model
    threshold = model.thresholds[model.topics.index("work_safety")]
    # the premise: one witness; the others miss the topic one by one, together they show it
    assert "work_safety" in _own(stage, WITNESS)
    assert all("work_safety" not in _own(stage, t) for t in OTHERS)
    assert _pooled_probability(stage, OTHERS, "work_safety") >= threshold
    out = stage.process_many(_posts([WITNESS, *OTHERS]))
    assert len({p.event_id for p in out}) == 1
    # the majority rule alone shares nothing until half carry it; the last post takes it
    last = out[-1]
    assert "work_safety" in last.focus
    assert last.focus_evidence["work_safety"] == [f"event:{last.event_id}"]


def test_without_a_witness_nothing_is_shared():
    stage = model_stage()
    out = stage.process_many(_posts(OTHERS))
    assert len({p.event_id for p in out}) == 1
    assert all("work_safety" not in p.focus for p in out)
    # the pool is kept all the same: it is the witness that is missing
    pool = stage.events.held(out[0].event_id)
    assert pool is not None and pool.pool.n == len(OTHERS) and not pool.carriers


def test_the_witness_words_do_not_speak_for_the_others():
    """A member whose topic is its own alone (the others' words do not show it) gives it to
    no one, however strongly its own words pull the event's pool."""
    stage = model_stage()
    school = "翠湖苑小区的孩子被附近学校拒收，入学名额不够，家长们很着急，教育局也不回复"
    assert "edu_med_elderly" in _own(stage, school)
    out = stage.process_many(_posts([school, *OTHERS]))
    assert len({p.event_id for p in out}) == 1
    assert all("edu_med_elderly" not in p.focus for p in out[1:])


def test_the_pools_survive_a_save_and_restore(tmp_path):
    store = SQLiteStore(tmp_path / "store.db")
    first = model_stage(sink=store, state_path=tmp_path / "state.db")
    done = first.process_many(_posts([WITNESS, *OTHERS[:1]]))
    for p in done:
        store.upsert_post(p)
    first.save(store)
    before = first.events.held(done[0].event_id)

    restored = model_stage(sink=store, state_path=tmp_path / "state.db")
    assert restored.restore(store) is None  # from the snapshot, nothing replayed
    pool = restored.events.held(done[0].event_id)
    assert pool is not None
    assert pool.pool == before.pool and set(pool.carriers) == {"work_safety"}
    # and the restored stage shares as the one that never stopped
    later = restored.process_many(_posts(OTHERS[1:], start=2))
    assert "work_safety" in later[-1].focus
    # without the snapshot the pools are rebuilt from the stored posts (words, category)
    rebuilt = model_stage(sink=SQLiteStore(tmp_path / "store.db"))
    assert rebuilt.restore(rebuilt.sink) == 2
    pool = rebuilt.events.held(done[0].event_id)
    assert pool.pool.n == 2 and pool.pool.bag == before.pool.bag
    assert set(pool.carriers) == {"work_safety"}
