"""The ``nlp:`` section of settings.yaml — every tunable of the NLP stage, with its default.

Durations are seconds or strings like ``72h`` / ``7d``, parsed at load into ``timedelta``
(``yuqing.config.types.Duration``).
The formulas these parameters feed are documented in docs/nlp.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from yuqing.config.types import ClockTime, Duration, parse_duration

__all__ = ["NLPSettings", "HotnessWeights", "BurstSettings", "DedupSettings", "EventSettings"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class DedupSettings(_Strict):
    num_perm: int = Field(default=64, ge=16, le=512)  # MinHash permutations
    threshold: float = Field(default=0.6, gt=0, le=1)  # estimated Jaccard for "same text"
    shingle: int = Field(default=2, ge=1, le=5)  # word n-gram size
    window: Duration = parse_duration("7d")  # how long a post can be matched
    max_items: int = Field(default=200_000, ge=100)  # hard cap on indexed posts


class HotnessWeights(_Strict):
    """Weights of the hot index (热度指数, yuqing/hotindex.py; formula in docs/nlp.md)."""

    authors: float = Field(default=1.0, ge=0)  # ln(1 + distinct authors)
    extra_messages: float = Field(default=0.3, ge=0)  # ln(1 + messages − authors)
    engagement: float = Field(
        default=0.25, ge=0
    )  # ln(1 + likes + dislikes + 2·comments + 3·reposts)
    peak: float = Field(default=0.5, ge=0)  # ln(1 + most distinct authors within peak_days)
    sources: float = Field(default=0.5, ge=0)  # ln(distinct sources)
    negativity: float = Field(default=0.5, ge=0)  # mean negativity 0…1
    source_weight: float = Field(default=0.5, ge=0)  # mean sources.yaml weight − 1
    scale: float = Field(default=6.0, gt=0)  # 热度指数 = 100·(1 − exp(−raw / scale))
    peak_days: int = Field(default=30, ge=1)


class BurstSettings(_Strict):
    bucket: Duration = parse_duration("1h")  # counting interval per topic
    baseline: Duration = parse_duration("7d")  # history a topic's baseline is taken from
    k: float = Field(default=3.0, ge=0)  # surge = count ≥ mean + k·max(std, √mean)
    min_posts: int = Field(default=3, ge=1)  # and at least this many posts in the bucket
    min_event_posts: int = Field(default=2, ge=1)  # of which the event brought this many


class EventSettings(_Strict):
    # a post joins an event whose last post is at most this long before it (an issue lives as
    # long as people keep raising it); ``window`` is the former name
    gap: Duration = parse_duration("120d")
    window: Duration | None = None  # deprecated alias of gap
    similarity: float = Field(default=0.35, gt=0, le=1)  # cosine to the event centroid
    anchor_weight: float = Field(default=1.0, ge=0)  # weight of a post's place in its vector
    # a surge told in everyday words: a post naming an event's main site (nlp/anchors.py
    # is_site) joins it at this lower cosine when the event began at most site_window from it
    site_similarity: float = Field(default=0.0, ge=0, le=1)
    site_window: Duration = parse_duration("3d")
    growth_window: Duration = parse_duration("6h")
    centroid_terms: int = Field(default=60, ge=5)
    post_terms: int = Field(default=20, ge=3)
    max_events: int = Field(default=5000, ge=10)  # in-memory recent events
    max_post_ids: int = Field(default=1000, ge=1)  # post_ids kept on an event record
    max_tracked_posts: int = Field(default=100_000, ge=100)  # post → event map for reposts
    # an event's category probabilities for its pooled focus decision: the category
    # classifier on the opening sample_chars characters of up to sample_posts of its posts
    # (nlp/events.py EventSample); sample_posts 0: the mean of its posts' probabilities
    sample_posts: int = Field(default=8, ge=0, le=64)
    sample_chars: int = Field(default=160, ge=20, le=2000)
    # the topics whose pooled decision uses it (a category that is the topic: 环境保护 is
    # ecology); the others keep the mean (docs/nlp.md: imprecise on dev pseudo-events)
    sample_topics: list[str] = Field(default_factory=lambda: ["ecology"])
    # consolidation (nlp/consolidate.py, `yuqing events rebuild`, nightly under `yuqing run`)
    edge_similarity: float = Field(default=0.2, gt=0, le=1)  # candidate pairs
    cluster_similarity: float = Field(default=0.25, gt=0, le=1)  # average-linkage cut
    anchor_bonus: float = Field(default=0.25, ge=0, le=1)  # similarity added for one place
    merge_similarity: float = Field(default=0.35, gt=0, le=1)  # fragments (centroids) merge
    # a shared place never alone merges: groups sharing one need a mean problem cosine above
    # place_floor x the period's mean cosine of two posts (0: off)
    place_floor: float = Field(default=1.0, ge=0, le=100)
    max_df: float = Field(default=0.05, gt=0, le=1)  # terms in more posts are ignored
    # a post's wording is compared with the posts at most this many places from it in time
    # order (the cost per post stops growing with the period; null: every pair)
    candidate_window: int | None = Field(default=200_000, ge=1000)
    rebuild_window: Duration = parse_duration(
        "180d"
    )  # the nightly job re-clusters posts this recent
    rebuild_time: ClockTime = "02:30"  # nightly, local

    @model_validator(mode="after")
    def _window_alias(self) -> EventSettings:
        if self.window is not None:
            self.gap = self.window
            self.window = None
        return self


class NLPSettings(_Strict):
    """The ``nlp:`` key of settings.yaml."""

    # segmentation backend: rjieba (jieba-rs, ~19x faster, same dictionary; docs/nlp.md) or
    # jieba (pure Python, what the shipped models were trained with)
    segmenter: Literal["jieba", "rjieba"] = "rjieba"
    userdict: str | None = None  # default: <config dir>/userdict.txt, then the bundled one
    stopwords: str | None = None
    sentiment_model: str | None = None  # default: nlp/models/sentiment.joblib
    keywords: int = Field(default=8, ge=1, le=50)
    regions: list[str] = Field(default_factory=list)  # extra place names for regions_mentioned
    # China's administrative divisions (yuqing/resources/divisions.csv) in regions_mentioned and
    # in telling events apart; false: the configured names only (docs/nlp.md)
    gazetteer: bool = True
    # ... and the townships (乡镇 / 街道, yuqing/resources/townships.csv) of the counties the
    # configured names (regions, sources' and departments' region) lie in (docs/nlp.md)
    townships: bool = True
    # focus topics: the model (default nlp/models/focus.joblib, or a path) or "lexicon" only
    focus_model: str | None = None
    focus_threshold: float | None = Field(default=None, gt=0, lt=1)  # default: the model's
    focus_min_hits: int = Field(default=2, ge=1)  # lexicon rule: distinct terms to tag a topic
    focus_strong_len: int = Field(default=3, ge=1)  # or one term at least this long
    # an event of at least this many posts shares the focus topics most of its posts carry
    focus_share_min_event: int = Field(default=3, ge=2)
    # and when it gains one of these shared topics later, its earlier members lacking it
    # take it too (nlp/retro.py; the caller tags the stored ones; [] off). Like
    # events.sample_topics, only where the event-level evidence is the topic (docs/nlp.md:
    # every topic cost precision on the dev pseudo-events)
    focus_share_retro: list[str] = Field(default_factory=lambda: ["ecology"])
    sentiment_model_scale: float = Field(default=1.0, ge=0)
    dedup: DedupSettings = Field(default_factory=DedupSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    hotness: HotnessWeights = Field(default_factory=HotnessWeights)
    burst: BurstSettings = Field(default_factory=BurstSettings)
