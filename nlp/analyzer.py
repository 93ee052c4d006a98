"""Per-post analysis without events: normalize → segment → classify → focus → sentiment →
keywords → regions. ``PostAnalyzer`` is usable alone (``yuqing classify``, notebooks)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress, filterfalse
from pathlib import Path

import numpy as np

from yuqing.models import Post
from yuqing.nlp import model_file
from yuqing.nlp.anchors import AnchorExtractor
from yuqing.nlp.classifier import CategoryClassifier
from yuqing.nlp.fastpath import SharedVocabulary, WordIds
from yuqing.nlp.focus import FocusTagger
from yuqing.nlp.focus_model import FocusModel, ModelFocusTagger
from yuqing.nlp.gazetteer import (
    Gazetteer,
    RegionFinder,
    gazetteer_with_townships,
    load_gazetteer,
)
from yuqing.nlp.keywords import KeywordExtractor, code_fragments, top_keywords
from yuqing.nlp.normalize import normalize
from yuqing.nlp.segment import Segmenter, is_content
from yuqing.nlp.sentiment import NegativityScorer, SentimentModel, risk_flags
from yuqing.nlp.settings import NLPSettings

__all__ = [
    "PostAnalyzer",
    "Analysis",
    "DEFAULT_SENTIMENT_MODEL",
    "DEFAULT_FOCUS_MODEL",
    "load_sentiment_model",
    "load_focus_model",
    "joined_text",
]

#: texts per step of :meth:`PostAnalyzer.analyze_many` (a crawl's NLP batch)
STEP_BATCH = 64

DEFAULT_SENTIMENT_MODEL = Path(__file__).resolve().parent / "models" / "sentiment.joblib"
DEFAULT_FOCUS_MODEL = Path(__file__).resolve().parent / "models" / "focus.joblib"


def load_sentiment_model(path: str | Path | None = None) -> SentimentModel:
    model, meta = model_file.load(path or DEFAULT_SENTIMENT_MODEL, kind="sentiment")
    model.metadata = meta
    return model


def load_focus_model(path: str | Path | None = None) -> FocusModel:
    model, meta = model_file.load(path or DEFAULT_FOCUS_MODEL, kind="focus")
    model.metadata = meta
    return model


@dataclass
class Analysis:
    """Everything derived from one post's text (what PostAnalyzer writes onto the Post)."""

    text: str  # normalized "title\nbody"
    words: list[str]  # all jieba tokens
    tokens: list[str]  # content tokens (stopwords removed)
    category: str | None = None
    category_score: float | None = None
    category_uncertain: bool | None = None
    #: the classifier's probability per label (``classifier.labels`` order): an event pools them
    category_proba: tuple[float, ...] | None = field(default=None, compare=False, repr=False)
    #: the tokens the focus model knows, in order (an event's focus pool takes them; None:
    #: not looked up, the pipeline filters ``tokens`` itself)
    focus_tokens: list[str] | None = field(default=None, compare=False, repr=False)
    focus: list[str] = field(default_factory=list)
    focus_evidence: dict[str, list[str]] = field(default_factory=dict)
    sentiment: float | None = None
    risk_flags: list[str] = field(default_factory=list)
    keyword_weights: dict[str, float] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    regions_mentioned: list[str] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


class PostAnalyzer:
    def __init__(
        self,
        classifier: CategoryClassifier,
        focus: FocusTagger | ModelFocusTagger,
        negativity: NegativityScorer,
        *,
        segmenter: Segmenter | None = None,
        regions: Iterable[str] = (),
        gazetteer: Gazetteer | None = None,
        uncertain_below: float = 0.5,
        n_keywords: int = 8,
    ):
        self.classifier = classifier
        # one jieba pass per post: the classifier's own segmenter unless told otherwise
        self.segmenter = segmenter or classifier.segmenter
        # the same dictionary (the backend may differ: jieba / rjieba tokens are compatible)
        self._same_segmenter = (
            self.segmenter is classifier.segmenter
            or self.segmenter.fingerprint == classifier.segmenter.fingerprint
        )
        self.focus = focus
        self.negativity = negativity
        self.keywords = KeywordExtractor(classifier.idf)
        self.anchors = AnchorExtractor.from_segmenter(self.segmenter)
        #: place names: the configured ``regions`` and, with a gazetteer, China's divisions
        self.places = RegionFinder(regions, gazetteer)
        self.regions = self.places.configured
        self.uncertain_below = uncertain_below
        self.n_keywords = n_keywords

    @classmethod
    def from_config(
        cls, cfg, *, model_path: str | Path | None = None, settings: NLPSettings | None = None
    ) -> PostAnalyzer:
        from yuqing.nlp.train import load_model

        s = settings or getattr(cfg.settings, "nlp", None) or NLPSettings()
        path = model_path or (
            cfg.path(cfg.settings.model.path) if cfg.settings.model.path else None
        )
        clf = load_model(path)
        seg = _config_segmenter(cfg, s, clf.segmenter)
        sent = load_sentiment_model(cfg.path(s.sentiment_model) if s.sentiment_model else None)
        lexicon = FocusTagger.from_topics(
            cfg.topics.focus, min_hits=s.focus_min_hits, strong_len=s.focus_strong_len
        )
        focus: FocusTagger | ModelFocusTagger = lexicon
        if s.focus_model != "lexicon":
            fm = load_focus_model(cfg.path(s.focus_model) if s.focus_model else None)
            focus = ModelFocusTagger(fm, lexicon, threshold=s.focus_threshold)
        regions = (
            list(s.regions)
            + [x.region for x in cfg.sources.sources if x.region]
            + [d.region for d in cfg.departments.departments if d.region]
        )
        return cls(
            clf,
            focus,
            NegativityScorer(sent, model_scale=s.sentiment_model_scale),
            segmenter=seg,
            regions=regions,
            gazetteer=_gazetteer(s, regions),
            uncertain_below=cfg.settings.model.uncertain_below,
            n_keywords=s.keywords,
        )

    # ------------------------------------------------------------------ analysis
    def analyze_texts(self, titles: Sequence[str], bodies: Sequence[str]) -> list[Analysis]:
        return self.analyze_many([joined_text(t, b) for t, b in zip(titles, bodies, strict=True)])

    def analyze_text(self, text: str) -> Analysis:
        """Analyse one normalized ``title\nbody`` text: one jieba pass shared by the
        classifier (fast path), sentiment, keywords and tokens."""
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str]) -> list[Analysis]:
        """:meth:`analyze_text` of each normalized text, step by step over slices of
        :data:`STEP_BATCH` texts: each step (segmentation, classifier, sentiment, focus, …)
        runs over the slice before the next, so the step's tables stay in the CPU cache. Each
        text gets the same computation, in the same order, as alone."""
        out: list[Analysis] = []
        for i in range(0, len(texts), STEP_BATCH):
            out += self._analyze_slice(texts[i : i + STEP_BATCH])
        return out

    def _analyze_slice(self, texts: Sequence[str]) -> list[Analysis]:
        words = [self.segmenter.lcut(text) for text in texts]
        # shared by the classifier, focus and keywords; their vocabularies looked up once
        shared = self.shared_vocabulary()
        done: list[Analysis] = []
        contents: list[list[str]] = []
        counted: list[Counter[str]] = []
        for text, ws in zip(texts, words, strict=True):
            content: list[str] = [w for w in ws if w.isalnum() or is_content(w)]  # = is_content
            if shared is not None:
                # one lookup per content word serves the stopword test, the token counts'
                # columns and the sentiment model's word ids
                ids = shared.ids(content)
                keep = self._not_stop[ids]
                tokens = list(compress(content, keep.tolist()))
                token_ids = ids[keep]
                counts: Counter[str] = shared.count_ids(tokens, token_ids)
                if self._pair_col is not None and "_" not in "".join(content):
                    content = WordIds(content)
                    content.ids = self._pair_col[ids]
            else:
                tokens = list(filterfalse(self.segmenter.stopwords.__contains__, content))
                counts = Counter(tokens)
            done.append(Analysis(text, ws, tokens))
            if shared is not None and self._focus_col is not None:
                known = self._focus_col[token_ids] >= 0
                done[-1].focus_tokens = list(compress(tokens, known.tolist()))
            contents.append(content)
            counted.append(counts)
        clf = self.classifier
        probas = clf.proba_many(
            [a.text for a in done], [c if self._same_segmenter else None for c in counted]
        )
        for a, proba in zip(done, probas, strict=True):
            best = int(proba.argmax())
            score = float(proba[best])
            a.category, a.category_score = clf.labels[best], round(score, 4)
            a.category_uncertain = score < self.uncertain_below
            a.category_proba = tuple(proba.tolist())
        counted_pairs = [c for c in contents if isinstance(c, WordIds) and c.ids is not None]
        if len(counted_pairs) > 1 and self._pairs is not None:  # the sentiment features at once
            for c, found in zip(
                counted_pairs, self._pairs.many([c.ids for c in counted_pairs]), strict=True
            ):
                c.found = found
        for a, content in zip(done, contents, strict=True):
            a.sentiment = self.negativity.score(a.text, a.words, content=content)
        for a, counts, proba in zip(done, counted, probas, strict=True):
            if isinstance(self.focus, ModelFocusTagger):
                f = self.focus.tag(a.text, counts, clf.labels, proba)
            else:
                f = self.focus.tag(a.text)
            a.focus, a.focus_evidence = f.topics, f.evidence
        for a, counts in zip(done, counted, strict=True):
            a.risk_flags = risk_flags(a.text)
            glued = code_fragments(a.tokens, a.text)  # the same as from the stored tokens
            a.keyword_weights = self.keywords.weights(counts, glued)
            a.keywords = top_keywords(a.keyword_weights, self.n_keywords)
            a.regions_mentioned = self.places.find(a.text, a.words, counts)
        for a in done:
            anchors = self.anchors.extract("", a.text)
            a.anchors, a.groups = anchors.places, anchors.groups
        return done

    def shared_vocabulary(self) -> SharedVocabulary | None:
        """The classifier's word-block and the focus model's vocabularies behind one lookup
        (built on first use; None when the classifier does not take this segmenter's
        tokens)."""
        if "_shared" not in self.__dict__:
            vocabs = []
            fast = self.classifier.fast() if self._same_segmenter else None
            if fast is not None:
                vocabs += [b.vocab for b in fast.blocks if b.takes_tokens]
            if vocabs and isinstance(self.focus, ModelFocusTagger):
                vocabs.append(self.focus.model.vocab)
            # the stopwords and the sentiment model's words share the dictionary too
            sentiment = self.negativity.model
            pairs = sentiment.pair_lookup() if sentiment is not None else None
            if vocabs and pairs is not None and pairs.sep == "_":
                vocabs.append(pairs.words)
            stop = dict.fromkeys(self.segmenter.stopwords, 0)
            shared = SharedVocabulary([*vocabs, stop]) if vocabs else None
            self._pair_col: np.ndarray | None = None
            #: the sentiment model's PairLookup, when the content words carry its ids
            self._pairs = None
            #: word id → the focus model's column (−1: a word it does not know)
            self._focus_col: np.ndarray | None = None
            #: word id → not a stopword (the extra last entry: a word in no vocabulary)
            self._not_stop: np.ndarray = np.ones(1, dtype=bool)
            if shared is not None:
                if pairs is not None:
                    self._pair_col = shared.column(pairs.words)
                    self._pairs = pairs if self._pair_col is not None else None
                if isinstance(self.focus, ModelFocusTagger):
                    self._focus_col = shared.column(self.focus.model.vocab)
                stop_col = shared.column(stop)
                self._not_stop = (
                    stop_col < 0 if stop_col is not None else np.ones(len(shared.words) + 1, bool)
                )
            self.__dict__["_shared"] = shared
        shared = self.__dict__["_shared"]
        return shared

    def analyze(self, post: Post) -> Analysis:
        return self.analyze_texts([post.title or ""], [post.text or ""])[0]

    @staticmethod
    def apply(post: Post, a: Analysis) -> Post:
        post.category, post.category_score = a.category, a.category_score
        post.category_uncertain = a.category_uncertain
        post.focus, post.focus_evidence = a.focus, a.focus_evidence
        post.sentiment, post.risk_flags = a.sentiment, a.risk_flags
        post.keywords, post.regions_mentioned, post.tokens = (
            a.keywords,
            a.regions_mentioned,
            a.tokens,
        )
        post.anchors, post.groups = a.anchors, a.groups
        return post

    def process(self, post: Post) -> Post:
        return self.apply(post, self.analyze(post))


def joined_text(title: str, body: str) -> str:
    """The text the analysis reads for a post: its normalized title and body, joined."""
    return _join(normalize(title), normalize(body))


def _join(title: str, body: str) -> str:
    if title and body.startswith(title):
        return body if "\n" in body[: len(title) + 1] else f"{title}\n{body}"
    return f"{title}\n{body}" if title else body


def _config_segmenter(cfg, s: NLPSettings, model_seg: Segmenter) -> Segmenter:
    """The configured dictionary's and backend's segmenter; the model's own when both are the
    same."""
    from yuqing.nlp.segment import DEFAULT_STOPWORDS, DEFAULT_USERDICT, get_segmenter

    def pick(value, name, default):
        if value:
            return cfg.path(value)
        local = cfg.dir / name
        return local if local.is_file() else default

    seg = get_segmenter(
        pick(s.userdict, "userdict.txt", DEFAULT_USERDICT),
        pick(s.stopwords, "stopwords.txt", DEFAULT_STOPWORDS),
        backend=s.segmenter,
    )
    same = seg.fingerprint == model_seg.fingerprint and seg.backend == model_seg.backend
    return model_seg if same else seg


def _gazetteer(s: NLPSettings, regions: Sequence[str]) -> Gazetteer | None:
    """The bundled gazetteer (``nlp.gazetteer``), with the townships of the counties the
    configured names lie in (``nlp.townships``)."""
    if not s.gazetteer:
        return None
    gaz = load_gazetteer()
    if not s.townships:
        return gaz
    return gazetteer_with_townships(gaz.counties_of(regions))
