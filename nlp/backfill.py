"""Analyse posts that were stored without analysis (the NLP stage could not load, or a
batch failed): they carry the note ``not_analysed`` until this succeeds.

The crawl runs ``analyse_stored`` for the sources it knows to have such posts before it
crawls (``SourceState.unanalysed_at``); ``yuqing reanalyze --since D`` runs it on demand.
"""

from __future__ import annotations

from collections.abc import Iterable

from yuqing.models import Post
from yuqing.nlp.retro import apply_changes

NOT_ANALYSED = "not_analysed"
BATCH = 64


def pending(posts: Iterable[Post]) -> Iterable[Post]:
    return (p for p in posts if NOT_ANALYSED in p.notes)


def analyse_stored(stage, store, posts: Iterable[Post]) -> int:
    """Run ``stage`` (an NLPStage) on ``posts`` and store them again; how many were done."""
    done, batch = 0, []
    for post in posts:
        batch.append(post)
        if len(batch) >= BATCH:
            done += _analyse(stage, store, batch)
            batch = []
    return done + (_analyse(stage, store, batch) if batch else 0)


def _analyse(stage, store, batch: list[Post]) -> int:
    stage.process_many(batch)
    for post in batch:
        post.notes = [n for n in post.notes if n != NOT_ANALYSED]
        store.upsert_post(post)
    apply_changes(stage, store)
    return len(batch)
