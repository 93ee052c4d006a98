"""Prefill for the scale benchmark: reach the 1 M checkpoint without ten hours of crawling.

``bench/scale.py --prefill N`` writes the corpus messages from where the run stands up to
message ``N`` straight into the store, then the run goes on as usual: the next messages are
ingested *through the crawl path* (paged loopback API, Scrapy, the NLP stage, the store) and
the checkpoint after ``N`` is measured exactly as the others (warm-up, alerts check, digest,
store size, ingest probe, RSS). What the prefill skips and what it keeps:

* **kept — the store's normal write path**: each message becomes the :class:`Post` the
  ``json`` spider and the normalize pipeline would make (same canonical URL and id, title,
  text, time, author, engagement), grouped in batches of one simulated crawl interval, each
  stamped with that crawl's time; ``Store.upsert_post`` (hourly aggregates included) and the
  seen-URL state (``save_url_state``) are written as the crawl writes them, so the next crawl
  stops its list walk where the prefilled messages begin;
* **kept — the NLP state**: every batch goes through ``NLPStage.process_many`` (the
  near-duplicate index on disk, event assignment, events written to the store, reposts
  repointed, earlier members of events retro-tagged with focus topics the events gained)
  and the state snapshot is saved at the end, as after a crawl;
* **skipped — HTTP and Scrapy**, and the alert checks ``yuqing run`` would make between
  crawls (the first check after the prefill scans the rule windows once);
* **cheaper — the text analysis**: tokens, keyword weights, keywords and regions are
  computed from each message's own text (they drive the duplicate index and the events);
  category, focus, sentiment, risk flags, anchors and groups are those of the teddy2020
  message it was generated from (analysed once and cached) — the full analysis costs about
  3 ms CPU a post, 45 CPU-minutes for a million.

Figures measured after a prefill are labelled so in the report (``prefilled`` in the state).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from scale_feed import POST_BASE, SOURCES, Corpus

from yuqing.config import load_config
from yuqing.crawlers.extraction import looks_traditional, parse_datetime, to_simplified
from yuqing.crawlers.pipelines.normalize import clean
from yuqing.crawlers.runner import load_nlp
from yuqing.crawlers.urls import canonical
from yuqing.models import Post, post_id_for
from yuqing.nlp.analyzer import Analysis, _join
from yuqing.nlp.normalize import normalize
from yuqing.nlp.retro import apply_changes
from yuqing.nlp.segment import is_content
from yuqing.storage import UrlState, open_store
from yuqing.timeutil import tz

SAVE_EVERY = 20_000


class CheapAnalysis:
    """Per-message analysis: own tokens/keywords/regions, the origin row's classification."""

    def __init__(self, analyzer, corpus: Corpus):
        self.analyzer, self.corpus = analyzer, corpus
        self.rows: dict[int, Analysis] = {}

    def origin_row(self, i: int) -> int:
        _, of, row = self.corpus._origin(i)
        return self.origin_row(of) if of is not None else row

    def row(self, r: int) -> Analysis:
        if r not in self.rows:
            title, sents, _ = self.corpus.rows[r]
            self.rows[r] = self.analyzer.analyze_text(
                _join(normalize(title), normalize("".join(sents)))
            )
        return self.rows[r]

    def __call__(self, i: int, title: str, body: str) -> Analysis:
        an, base = self.analyzer, self.row(self.origin_row(i))
        text = _join(normalize(title), normalize(body))
        words = an.segmenter.lcut(text)
        sw = an.segmenter.stopwords
        tokens = [w for w in words if (w.isalnum() or is_content(w)) and w not in sw]
        weights = an.keywords.weights(tokens)
        top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[: an.n_keywords]
        return Analysis(
            text,
            words,
            tokens,
            category=base.category,
            category_score=base.category_score,
            category_uncertain=base.category_uncertain,
            focus=list(base.focus),
            focus_evidence=dict(base.focus_evidence),
            sentiment=base.sentiment,
            risk_flags=list(base.risk_flags),
            keyword_weights=weights,
            keywords=[k for k, _ in top],
            regions_mentioned=[r for r in an.regions if r in text],
            anchors=list(base.anchors),
            groups=list(base.groups),
        )


def prefill(
    cfg_dir, corpus: Corpus, start: int, end: int, step: int, saved=None, log=print
) -> dict:
    """Write messages ``[start, end)`` in batches of ``step`` (one crawl interval each).
    Every ``SAVE_EVERY`` messages the NLP state is saved as after a crawl and ``saved(n)``
    is called (the caller records that ``n`` messages are stored: a killed prefill resumes
    there, the next one restores that state)."""
    cfg = load_config(cfg_dir)
    zone = tz(cfg.settings.timezone)
    n_sources = len(SOURCES)
    t0, cpu0 = time.monotonic(), time.process_time()
    done = 0
    with open_store(cfg) as store:
        # message i is the i-th post stored: a prefill killed after its last save wrote
        # past ``start``; go on after what is stored (the NLP state is then rebuilt)
        start = max(start, store.count_posts())
        first = corpus.published(max(start - 1, 0)) + timedelta(minutes=5)
        stage = load_nlp(cfg, store, first)
        cheap = CheapAnalysis(stage.analyzer, corpus)
        for lo in range(start, end, step):
            hi = min(end, lo + step)
            crawled = (corpus.published(hi - 1) + timedelta(minutes=5)).astimezone(zone)
            crawled = crawled.replace(microsecond=0)
            posts, analyses = [], []
            for i in range(lo, hi):
                sid, channel = SOURCES[corpus.source_of(i, n_sources)]
                posts.append(_post(corpus.message(i), sid, channel, crawled, cfg.settings.timezone))
                analyses.append(cheap(i, posts[-1].title, posts[-1].text))
            stage.process_many(posts, analyses)
            for post in posts:
                store.upsert_post(post)
                store.save_url_state(
                    UrlState(
                        post.url,
                        post.source_id,
                        content_hash=post.content_hash,
                        post_id=post.id,
                        fetched_at=post.crawled_at,
                    )
                )
            apply_changes(stage, store)  # re-pointed copies, retroactive focus shares
            done += len(posts)
            if hi // SAVE_EVERY != lo // SAVE_EVERY or hi == end:
                stage.save(store)
                if saved is not None:
                    saved(hi)
                rate = 60 * done / max(time.process_time() - cpu0, 1e-9)
                log(f"  prefill {hi:>9,} written ({rate:,.0f} posts/CPU-min)", flush=True)
    return {
        "from": start,
        "to": end,
        "seconds": round(time.monotonic() - t0, 1),
        "cpu_s": round(time.process_time() - cpu0, 1),
    }


def _post(msg: dict, sid: str, channel: str, crawled: datetime, tzname: str) -> Post:
    """The post the ``json`` spider + normalize pipeline make of an API item."""
    url = canonical(f"{POST_BASE}/{sid}/{msg['msgId']}")
    engagement = {k: msg[k] for k in ("likes", "comments") if msg.get(k) is not None}
    post = Post(
        id=post_id_for(url),
        source_id=sid,
        channel=channel,
        url=url,
        title=clean(msg["subject"]),
        text=clean(msg["content"]),
        published_at=parse_datetime(msg["createTime"], tz=tzname),
        crawled_at=crawled,
        author=clean(msg["author"]) or None,
        engagement=engagement,
    )
    if looks_traditional(post.title + post.text):  # as the normalize pipeline does
        post.title_orig, post.text_orig = post.title, post.text
        post.title, post.text = to_simplified(post.title), to_simplified(post.text)
        post.content_hash = ""
        post.__post_init__()
    return post
