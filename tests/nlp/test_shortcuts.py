"""The stage's shortcuts give what the plain computations give (keywords, shingles, lexicon
score): the same values and the same order, on the dev texts and on edge cases."""

import math
import random
import unicodedata
import zlib
from collections import Counter

import numpy as np
import pytest

from tests.nlp.helpers import teddy
from yuqing.nlp.dedup import shingles
from yuqing.nlp.fastpath import WordIds
from yuqing.nlp.keywords import KeywordExtractor, top_keywords
from yuqing.nlp.lexicon import NEGATORS, lexicon_score
from yuqing.nlp.normalize import _nfkd_table, nfkc, normalize
from yuqing.nlp.segment import get_segmenter, is_content


@pytest.fixture(scope="module")
def dev_tokens():
    seg = get_segmenter()
    texts = [normalize(r["text"]) for r in teddy("dev")]
    return texts, [seg.lcut(t) for t in texts], [seg.tokens(t) for t in texts]


def test_top_keywords_equal_the_full_sort():
    rnd = random.Random(0)
    for _ in range(300):
        n = rnd.randint(0, 30)
        # few distinct weights, so ties at the cut are common
        w = {f"w{rnd.randint(0, 99)}": float(rnd.randint(1, 6)) for _ in range(n)}
        for k in (0, 1, 3, 8, 40):
            want = [t for t, _ in sorted(w.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]
            assert top_keywords(w, k) == want


def test_keyword_weights_equal_the_formula(dev_tokens):
    _, _, toks = dev_tokens
    idf = {"小区": 2.0, "2019": 3.0, "3.5": 1.5, "垃圾": 4.0, "问": 1.0}
    ke = KeywordExtractor(idf)
    for doc in [*toks, ["小区"] * 70 + ["2019", "3.5", "新词", "新词", "问"]]:
        want = {
            w: (1.0 + math.log(c)) * idf.get(w, ke.default_idf)
            for w, c in Counter(doc).items()
            if len(w) >= 2 and not w.isdigit() and not w.replace(".", "").isdigit()
        }
        assert ke.weights(doc) == want


def test_shingles_equal_the_plain_ngrams(dev_tokens):
    _, words, toks = dev_tokens

    def plain(ws, n):
        ws = [w for w in ws if is_content(w)]
        if len(ws) < n:
            return {"\x1f".join(ws).encode()} if ws else set()
        return {"\x1f".join(ws[i : i + n]).encode() for i in range(len(ws) - n + 1)}

    for doc in [*words[:100], *toks[:100], [], ["，"], ["a"], ["a", "，", "b"]]:
        for n in (1, 2, 3):
            assert shingles(doc, n) == plain(doc, n)


def test_shingle_hashes_give_the_signature_of_the_shingle_set(dev_tokens):
    """The index hashes every shingle, repeats too, without building the set: the same
    MinHash signature as the set's."""
    from yuqing.nlp.dedup import NearDuplicateIndex, shingle_hashes

    _, words, toks = dev_tokens
    index = NearDuplicateIndex()
    docs = [*words[:100], *toks[:100], ["，"], ["a"], ["a", "，", "b"], ["小区", "小区"] * 3]
    for doc in docs:
        for n in (1, 2, 3):
            items = shingles(doc, n)
            hv = shingle_hashes(doc, n)
            assert set(hv.tolist()) == {zlib.crc32(x) for x in items}
            assert len(hv) >= len(items)
            if items:  # (none: the index does not sign the post)
                assert np.array_equal(index._signature_of(hv), index._signature(items))
    assert not len(shingle_hashes([], 2)) and not len(shingle_hashes(["，"], 2))


def test_lexicon_score_equals_the_loop_over_every_word(dev_tokens):
    _, words, _ = dev_tokens
    rnd = random.Random(1)
    vocab = sorted({w for ws in words for w in ws})
    lex = {w: rnd.choice([-2.0, -1.0, 0.0, 0.5, 1.0]) for w in rnd.sample(vocab, 2000)}

    def plain(ws):
        total, n = 0.0, 0
        for i, w in enumerate(ws):
            v = lex.get(w)
            if v is None:
                continue
            if (i and ws[i - 1] in NEGATORS) or (i > 1 and ws[i - 2] in NEGATORS):
                v = -v
            total, n = total + v, n + 1
        return total / math.sqrt(n) if n else 0.0

    for ws in words:
        assert lexicon_score(ws, lex) == plain(ws)


def test_shared_vocabulary_lookups_equal_each_vocabulary_alone(dev_tokens):
    import numpy as np

    from yuqing.nlp.fastpath import SharedCounts, SharedVocabulary, _lookup_counts

    _, _, toks = dev_tokens
    words = sorted({w for t in toks for w in t})
    rnd = random.Random(2)
    a = {w: i for i, w in enumerate(rnd.sample(words, len(words) // 2))}
    b = {w: i for i, w in enumerate(rnd.sample(words, len(words) // 3))}
    other = {w: i for i, w in enumerate(words[:50])}
    shared = SharedVocabulary([a, b, {}])
    for doc in [*toks, [], ["不在任何词表里"]]:
        counts = shared.count(doc)
        for vocab in (a, b, other, a):  # a second time: from the kept ids
            got = _lookup_counts(counts, vocab)
            want = _lookup_counts(Counter(doc), vocab)
            assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
        got[1][:] = 0  # callers scale in place: the kept counts stay
        assert np.array_equal(_lookup_counts(counts, a)[1], _lookup_counts(Counter(doc), a)[1])
        known = shared.count_ids(doc, shared.ids(doc))  # the ids looked up by the caller
        assert known == Counter(doc) and list(known) == list(Counter(doc))
        for vocab in (a, b, other):
            got, want = _lookup_counts(known, vocab), _lookup_counts(Counter(doc), vocab)
            assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    copy = shared.count(["小区", "小区"]).copy()
    assert isinstance(copy, SharedCounts) and copy.lookup(a) is None and copy == {"小区": 2}


def test_polarity_of_content_words_equals_logit_plus_lexicon(dev_tokens):
    """Content words are looked up once for the sentiment model's features and the lexicon:
    the same polarity as the two computed apart (also with the separator inside a word)."""
    from tests.nlp.helpers import stage_parts

    _, sent, _ = stage_parts()
    assert sent.lexicon
    _, words, _ = dev_tokens
    docs = [[w for w in ws if is_content(w)] for ws in words]
    docs += [["服务", "不", "满意"], [], ["a_b", "不", "满意", "干净"]]
    for ws in docs:
        want = sent.logit_one(ws, content=True) + sent.lexicon_weight * lexicon_score(
            ws, sent.lexicon
        )
        assert sent.polarity_one(ws, content=True) == want


def test_analysis_with_one_lookup_per_content_word_equals_the_plain_path():
    """The analyzer looks each content word up once in the shared dictionary (stopword test,
    the token counts' columns, the sentiment model's word ids): every field of the analysis
    equals the plain path's (the stopword set, a Counter, each model's own lookups)."""
    from dataclasses import asdict

    from tests.nlp.helpers import stage_parts
    from yuqing.nlp.analyzer import PostAnalyzer

    _, _, cfg = stage_parts()
    fast, plain = PostAnalyzer.from_config(cfg), PostAnalyzer.from_config(cfg)
    assert fast.shared_vocabulary() is not None and fast._pair_col is not None
    plain.__dict__["_shared"] = None  # what analyze_text does without a shared dictionary
    texts = [normalize(r["text"]) for r in teddy("dev")[:500]]
    texts += ["", "的了吗", "服务a_b不满意，小区噪音扰民", "小区 噪音\n扰民 扰民 2024年 3.5米"]
    vocab = fast.focus.model.vocab
    for text in texts:
        a, b = asdict(fast.analyze_text(text)), asdict(plain.analyze_text(text))
        # the focus pool's words: looked up with the rest here, filtered by the pipeline there
        assert b.pop("focus_tokens") is None
        assert a.pop("focus_tokens") == [t for t in a["tokens"] if t in vocab]
        assert a == b
    sent = fast.negativity.model
    for text in texts[:100]:  # unrounded: the word ids the analyzer hands the sentiment model
        content = [w for w in fast.segmenter.lcut(text) if is_content(w)]
        ids = fast.shared_vocabulary().ids(content)
        ws = WordIds(content)
        ws.ids = fast._pair_col[ids]
        assert sent.polarity_one(ws, content=True) == sent.polarity_one(content, content=True)


def test_analysis_step_by_step_over_a_batch_equals_one_text_at_a_time():
    """``analyze_many`` runs each step over a slice of texts before the next step: every
    field equals the analysis of each text alone, across several slices."""
    from dataclasses import asdict

    from tests.nlp.helpers import stage_parts
    from yuqing.nlp.analyzer import STEP_BATCH, PostAnalyzer

    _, _, cfg = stage_parts()
    an = PostAnalyzer.from_config(cfg)
    texts = [normalize(r["text"]) for r in teddy("dev")[: 2 * STEP_BATCH + 7]]
    texts[5:5] = ["", texts[0], "服务a_b不满意"]  # empty, a repeat within the slice, a_b
    many = an.analyze_many(texts)
    assert len(many) == len(texts) > 2 * STEP_BATCH
    assert [asdict(a) for a in many] == [asdict(an.analyze_text(t)) for t in texts]


def test_event_top_terms_from_the_index_equal_the_plain_sort():
    """The tracker takes an event's top terms from its centroid index's ranking (one sort per
    change): after every post, the same list as sorting the centroid (ties by the term)."""
    from tests.nlp.helpers import post as make_post
    from yuqing.nlp.events import EventTracker
    from yuqing.nlp.settings import NLPSettings

    rnd = random.Random(3)
    vocab = [f"w{i}" for i in range(40)]
    s = NLPSettings.model_validate({"events": {"centroid_terms": 6, "similarity": 0.2}})
    tracker = EventTracker(s)
    for i in range(300):
        # few distinct weights: ties at the cut are common
        vec = {w: float(rnd.randint(1, 4)) for w in rnd.sample(vocab, 8)}
        post = make_post(f"p{i}", "t", "x", minutes=i, crawled_minutes=i)
        tracker.assign(post, vec)
        for st in tracker._events.values():
            plain = sorted(st.centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
            assert tracker._top_terms(st) == [k for k, _ in plain]
            assert st.event.keywords == [k for k, _ in plain][: s.keywords]


def test_site_index_finds_the_events_the_plain_rule_matches():
    """The site index (pairs of adjacent characters) answers, after adds and removals, with
    the events naming a site that anchors_match the looked-up one - the plain rule over every
    indexed event's sites (short names, one-character names, names holding others)."""
    from datetime import datetime

    from yuqing.nlp.anchors import anchors_match, is_site
    from yuqing.nlp.events import SiteIndex

    rnd = random.Random(5)
    chars = "金桂园东风小区厂"
    names = sorted({"".join(rnd.choices(chars, k=rnd.randint(1, 6))) for _ in range(300)})
    index, held = SiteIndex(), {}
    t = datetime(2020, 1, 1)
    for step in range(400):
        eid = f"e{rnd.randint(0, 60)}"
        if rnd.random() < 0.15:
            index.remove(eid)
            held.pop(eid, None)
        else:
            sites = rnd.sample(names, rnd.randint(1, 3))
            index.add(eid, sites, t)
            held.setdefault(eid, set()).update(a for a in sites if is_site(a))
        for site in rnd.sample(names, 5):
            plain = {e for e, keys in held.items() if any(anchors_match(site, a) for a in keys)}
            assert index.find(site) == plain, (step, site)
    assert len(index) == len(held)


def test_anchor_tagger_sharing_the_segmenters_tokenizer_equals_its_own_copy(dev_tokens):
    """With the rjieba backend the anchor tagger tags with the segmenter's jieba-rs tokenizer
    (one copy of the dictionary): the same (word, tag) pairs and anchors as a tagger that
    loads its own copy of the same dictionary."""
    from yuqing.nlp.anchors import AnchorExtractor

    texts, _, _ = dev_tokens
    seg = get_segmenter(backend="rjieba")
    shared = AnchorExtractor.from_segmenter(seg)
    own = AnchorExtractor(seg.userdict)
    assert shared.tag.segmenter is seg and own.tag.segmenter is None
    for text in [*texts, "", "D7县人民医院旁边的幸福小区", "0731-0000-00000000 www.baidu.com"]:
        assert shared.tag(text[:120]) == own.tag(text[:120])
        assert shared.extract("", text) == own.extract("", text)
    assert shared.tag.rj is seg.rjieba() and own.tag.rj is not seg.rjieba()
    assert get_segmenter(backend="jieba").rjieba() is None


def test_nfkc_equals_unicodedata():
    """normalize's NFKC (the table's characters replaced by their NFKD first) = NFKC, on the
    dev texts, on every table character alone and between neighbours that compose or reorder
    with it (combining marks, Hangul jamo), and on random mixes."""
    plain = unicodedata.normalize
    texts = [r["title"] + "\n" + r["text"] for r in teddy("dev")]
    texts += ["臨海市人民政府辦公室　ＡＢＣ１２３   通知", "", "abc", "①②　ｶﾞ㍿"]
    table = _nfkd_table()
    assert len(table) > 900 and 0xFF0C in table and 0x3000 in table
    around = ["", "a", "\u0301", "\u0308\u0301", "\u1161", "\u3099", "e\u0301", "\u1100"]
    for cp in table:
        for left in around:
            for right in around:
                texts.append(left + chr(cp) + right)
    rnd = random.Random(0)
    pool = [chr(cp) for cp in table] + around + list("的了ＡａⅠ㈱") + ["\u0327", "\u0323"]
    texts += ["".join(rnd.choices(pool, k=rnd.randint(1, 12))) for _ in range(3000)]
    for t in texts:
        assert nfkc(t) == plain("NFKC", t), repr(t)
