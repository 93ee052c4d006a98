"""Shared helpers for the nlp tests (no conftest: the lead owns tests/conftest.py)."""

from __future__ import annotations

import csv
import functools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from yuqing.models import Post

DATA = Path(__file__).resolve().parents[2] / "data" / "teddy2020"
REPO = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2020, 5, 1, 8, 0, tzinfo=TZ)


class Stored:
    """What ``NLPStage.warm`` reads from a store: ``posts`` and the events of ``sink``."""

    def __init__(self, posts, sink):
        self.posts, self.sink = list(posts), sink

    def iter_posts(self, since=None):
        return iter(self.posts)

    def iter_events(self, since=None):
        return iter(self.sink.events.values())


@functools.lru_cache(maxsize=2)
def teddy(split: str = "dev") -> list[dict]:
    with open(DATA / f"{split}.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def post(
    pid: str,
    title: str,
    text: str,
    *,
    minutes: float = 0,
    source: str = "s1",
    channel: str = "portal",
    crawled_minutes: float | None = None,
    **kw,
) -> Post:
    pub = T0 + timedelta(minutes=minutes)
    crawled = T0 + timedelta(
        minutes=crawled_minutes if crawled_minutes is not None else minutes + 5
    )
    return Post(
        id=pid,
        source_id=source,
        channel=channel,
        url=f"http://x/{pid}",
        title=title,
        text=text,
        published_at=pub,
        crawled_at=crawled,
        **kw,
    )


@functools.lru_cache(maxsize=1)
def stage_parts():
    """(classifier, sentiment model, config) loaded once per test session."""
    from yuqing.config import load_config
    from yuqing.nlp.analyzer import load_sentiment_model
    from yuqing.nlp.train import load_model

    return load_model(), load_sentiment_model(), load_config(REPO / "config")


def analysed(posts):
    """``posts`` with the per-post analysis applied (category, tokens, anchors, …), as the
    NLP stage would before events; no events made."""
    stage = make_stage()
    texts = stage.analyzer.analyze_texts([p.title for p in posts], [p.text for p in posts])
    for p, a in zip(posts, texts, strict=True):
        stage.analyzer.apply(p, a)
    return posts


def make_stage(
    settings=None, sink=None, state_path=None, *, gazetteer=False, regions=("A市", "A1区", "G4县")
):
    """``gazetteer``: China's divisions in regions_mentioned too, as the product's default
    (nlp.gazetteer) — True for the bundled one, or a Gazetteer (with townships); off, the
    configured names (``regions``) only."""
    from yuqing.nlp.analyzer import PostAnalyzer
    from yuqing.nlp.focus import FocusTagger
    from yuqing.nlp.gazetteer import load_gazetteer
    from yuqing.nlp.pipeline import NLPStage
    from yuqing.nlp.sentiment import NegativityScorer

    clf, sent, cfg = stage_parts()
    analyzer = PostAnalyzer(
        clf,
        FocusTagger.from_topics(cfg.topics.focus),
        NegativityScorer(sent),
        regions=list(regions),
        gazetteer=(load_gazetteer() if gazetteer is True else gazetteer) or None,
    )
    return NLPStage(analyzer, settings, sink, state_path=state_path)
