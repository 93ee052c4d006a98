"""Events pool their posts' focus evidence (NLPStage._share_focus, nlp/events.py FocusPool):
a topic one member carries on its own evidence spreads to the others when their words
together show it, never without such a witness; the pools survive a save and restore."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tests.nlp.helpers import post, stage_parts
from yuqing.nlp.analyzer import PostAnalyzer, load_focus_model
from yuqing.nlp.events import EventSample, sample_due, sample_key
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
    "翠湖苑小区电梯轿厢里有股焦糊味，运行起来一顿一顿的",
    "翠湖苑小区电梯运行时一顿一顿，还有焦糊味，维保的人来看一眼就走",
]


def model_stage(sink=None, state_path=None, settings=None) -> NLPStage:
    clf, sent, cfg = stage_parts()
    lexicon = FocusTagger.from_topics(cfg.topics.focus)
    analyzer = PostAnalyzer(
        clf, ModelFocusTagger(load_focus_model(), lexicon), NegativityScorer(sent)
    )
    return NLPStage(analyzer, settings, sink=sink, state_path=state_path)


#: the lift posts' work_safety threshold: the shipped model's own is 0.8 since its precision
#: floor (0.75 before), and the two plain posts' pooled words reach 0.78 — the sharing
#: mechanism is tested at 0.75, its premises asserted there
LIFT_THRESHOLD = 0.75


def lift_stage(sink=None, state_path=None, settings=None) -> NLPStage:
    stage = model_stage(sink=sink, state_path=state_path, settings=settings)
    tagger = stage.analyzer.focus
    tagger.thresholds[tagger.model.topics.index("work_safety")] = LIFT_THRESHOLD
    return stage


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
    stage = lift_stage()
    model = stage.analyzer.focus.model
    threshold = stage.analyzer.focus.thresholds[model.topics.index("work_safety")]
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
    stage = lift_stage()
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
    first = lift_stage(sink=store, state_path=tmp_path / "state.db")
    done = first.process_many(_posts([WITNESS, *OTHERS[:1]]))
    for p in done:
        store.upsert_post(p)
    first.save(store)
    before = first.events.held(done[0].event_id)

    restored = lift_stage(sink=store, state_path=tmp_path / "state.db")
    assert restored.restore(store) is None  # from the snapshot, nothing replayed
    pool = restored.events.held(done[0].event_id)
    assert pool is not None
    assert pool.pool == before.pool and set(pool.carriers) == {"work_safety"}
    assert pool.sample.items == before.sample.items and len(before.sample.items) == 2
    # and the restored stage shares as the one that never stopped
    later = restored.process_many(_posts(OTHERS[1:], start=2))
    assert "work_safety" in later[-1].focus
    # without the snapshot the pools are rebuilt from the stored posts (words, category)
    rebuilt = lift_stage(sink=SQLiteStore(tmp_path / "store.db"))
    assert rebuilt.restore(rebuilt.sink) == 2
    pool = rebuilt.events.held(done[0].event_id)
    assert pool.pool.n == 2 and pool.pool.bag == before.pool.bag
    # the same sample: the posts' openings, normalized and cut as the live stage cut them
    assert pool.sample.items == before.sample.items
    assert set(pool.carriers) == {"work_safety"}


# ---------------------------------------------------------------- the event's text sample
#: one mixing plant's complaints: the witness names the nuisance (ecology on its own); the
#: others tell it beside another matter each (a road, health, wages, laundry) and go to other
#: desks — their words and mean category fall short of ecology, their joined text is routed
#: to 环境保护
PLANT = (
    "青松苑小区旁边的混凝土搅拌站噪音扰民，粉尘污染严重，晚上轰鸣声吵得居民睡不着觉，请环保部门查处"
)
PLANT_OTHERS = [
    "青松苑小区外搅拌站的罐车超载超速，把路面压坏了，车一过呛得人喘不过气，交警也不管",
    "青松苑小区旁的搅拌站没做环评，老人呼吸道的老毛病又犯了，去医院看了好几次",
    "青松苑小区旁的搅拌站工人说半年没发工资，晚上还加班干活，窗台上全是灰",
    "青松苑小区旁的搅拌站天天往外冒白灰，晾的衣服都是白点，家里的窗户不敢开",
]
#: a second witness: the event's category is recomputed at 3, 4, 6 … posts, so the sixth
#: post is the first to see all four others in the sample
PLANT2 = "青松苑小区居民反映，旁边搅拌站夜间施工噪声扰民，扬尘严重，希望环保部门尽快处理"


def _stage_with(**events) -> NLPStage:
    stage = model_stage()
    s = stage.settings
    stage.settings = s.model_copy(update={"events": s.events.model_copy(update=events)})
    stage.events.settings = stage.settings
    return stage


def test_the_event_category_carries_a_topic_the_mean_does_not():
    stage = model_stage()
    an = stage.analyzer
    labels = an.classifier.labels
    env = labels.index("环境保护")
    analyses = [an.analyze_text(normalize(t)) for t in PLANT_OTHERS]
    # the premise: no complaint alone goes to 环境保护 or carries ecology; joined they do
    assert all(labels[int(np.argmax(a.category_proba))] != "环境保护" for a in analyses)
    assert all("ecology" not in a.focus for a in analyses)
    joined = np.array(an.analyze_text("\n".join(a.text for a in analyses)).category_proba)
    assert int(np.argmax(joined)) == env
    model = an.focus.model
    i = model.topics.index("ecology")
    bag = Counter(w for a in analyses for w in a.tokens)
    mean = np.mean([a.category_proba for a in analyses], axis=0)
    assert model.proba(bag, labels, mean)[i] < model.thresholds[i]
    assert model.proba(bag, labels, joined)[i] >= model.thresholds[i]

    assert "ecology" in _own(stage, PLANT2)
    out = stage.process_many(_posts([PLANT, PLANT2, *PLANT_OTHERS]))
    assert len({p.event_id for p in out}) == 1
    last = out[-1]
    assert "ecology" not in stage.events.get(last.event_id).focus  # 2 of 6: no majority
    assert last.focus_evidence.get("ecology") == [f"event:{last.event_id}"]
    st = stage.events.held(last.event_id)
    assert len(st.sample.items) == len(out)
    # the same stage with the mean of the posts' category probabilities shares nothing
    mean_only = _stage_with(sample_posts=0).process_many(_posts([PLANT, PLANT2, *PLANT_OTHERS]))
    assert "ecology" not in mean_only[-1].focus
    # nor for a topic not listed in sample_topics
    unlisted = _stage_with(sample_topics=[]).process_many(_posts([PLANT, PLANT2, *PLANT_OTHERS]))
    assert "ecology" not in unlisted[-1].focus


def test_the_sample_is_bounded_and_the_same_in_any_order():
    texts = [f"第{i}条投诉，" + "搅拌站的灰很大" * 40 for i in range(30)]
    ids = [f"p{i}" for i in range(30)]
    a, b = EventSample(), EventSample()
    for pid, t in zip(ids, texts, strict=True):
        a.add(pid, t[:160], ["ecology"] if pid == "p3" else [], 8)
    for pid, t in reversed(list(zip(ids, texts, strict=True))):
        b.add(pid, t[:160], ["ecology"] if pid == "p3" else [], 8)
    assert len(a.items) == 8 and all(len(text) <= 160 for _, text, _ in a.items)
    assert a.items == b.items
    kept = {k for k, _, _ in a.items}
    assert kept == set(sorted(sample_key(p) for p in ids)[:8])  # the 8 lowest keys
    a.add("p0", texts[0][:160], [], 8)  # the same post again changes nothing
    assert a.items == b.items
    # through the stage the openings are cut to sample_chars
    stage = _stage_with(sample_posts=3, sample_chars=30)
    out = stage.process_many(_posts([PLANT, *PLANT_OTHERS]))
    st = stage.events.held(out[0].event_id)
    assert len(st.sample.items) == 3
    assert all(len(text) <= 30 for _, text, _ in st.sample.items)


def test_the_event_category_is_recomputed_on_its_schedule():
    assert [sample_due(n) for n in range(1, 18)] == [
        1, 2, 3, 4, 4, 6, 6, 8, 8, 8, 8, 12, 12, 12, 12, 16, 16
    ]  # fmt: skip
    stage = model_stage()
    calls = []
    an = stage.analyzer
    real = an.analyze_text

    def counting(text):
        calls.append(text)
        return real(text)

    clauses = [
        "搅拌站的罐车把路面压坏了",
        "老人呼吸道的老毛病又犯了",
        "工人说半年没发工资",
        "晾的衣服都是白点",
        "孩子上学要从搅拌站门口经过",
        "物业说这不归他们管",
    ]
    pairs = [(i, j) for i in range(6) for j in range(i + 1, 6)][:13]
    texts = [f"青松苑小区{k}号楼住户：{clauses[i]}，{clauses[j]}" for k, (i, j) in enumerate(pairs)]
    computed, events = [], set()
    for p in _posts(texts):
        assert stage.process_many([p])[0].duplicate_of is None
        events.add(p.event_id)
        st = stage.events.held(p.event_id)
        an.analyze_text = counting
        try:
            before = len(calls)
            labels, proba = stage.event_category(st)
            if len(calls) > before:
                computed.append(st.pool.n)
            assert len(calls) - before <= 1
        finally:
            del an.analyze_text
        if computed and computed[-1] == st.pool.n:  # this step's sample, as it is now
            now = an.analyze_text("\n".join(st.sample.texts())).category_proba
            assert np.allclose(proba, now)
        assert abs(sum(proba) - 1.0) < 1e-6 and labels == list(an.classifier.labels)
    assert len(events) == 1 and computed == [1, 2, 3, 4, 6, 8, 12]
