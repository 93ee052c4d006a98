"""Label feedback as training rows: the corrections duty staff made in the console
(:class:`yuqing.models.Feedback` records), as the retraining commands learn them.

The category corrections become labelled rows (:func:`category_rows`), the focus corrections
hand labels (:func:`yuqing.nlp.focus_training.feedback_rows`); the
negativity corrections become sentiment rows (:func:`negativity_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FEEDBACK_WEIGHT", "category_rows", "latest_corrections", "negativity_rows"]

#: how many review rows one negativity correction counts for in the sentiment model's fit
#: (``yuqing train --sentiment --with-feedback``): a handful of corrections among ~12,000
#: reviews moves nothing at weight 1 (docs/nlp.md, "Retraining from negativity corrections")
FEEDBACK_WEIGHT = 3.0


def latest_corrections(feedback: Iterable[Any], field: str) -> list[Any]:
    """The latest correction of each post that sets ``field`` (not None), in the order they
    were made (then by post id)."""
    latest: dict[str, Any] = {}
    for fb in feedback:
        if getattr(fb, field) is None:
            continue
        seen = latest.get(fb.post_id)
        if seen is None or fb.created_at >= seen.created_at:
            latest[fb.post_id] = fb
    return sorted(latest.values(), key=lambda f: (f.created_at, f.post_id))


def negativity_rows(feedback: Iterable[Any]) -> list[tuple[str, int]]:
    """The negativity corrections among stored label feedback as ``(text, label)`` rows in the
    sentiment training file's convention (waimai_10k: 1 = positive, 0 = negative): the latest
    correction of each post, its text as judged; ``negative=True`` → 0, ``negative=False`` (not
    negative) → 1 — the product's decision is the sign (sentiment < 0 = negative), so "not
    negative" is learned as the side of that sign. A correction without text is skipped."""
    from yuqing.nlp.analyzer import joined_text

    rows = []
    for fb in latest_corrections(feedback, "negative"):
        text = joined_text(fb.title or "", fb.text or "")
        if text.strip():
            rows.append((text, 0 if fb.negative else 1))
    return rows


def category_rows(feedback: Iterable[Any]) -> list[tuple[str, str]]:
    """The category corrections among stored label feedback as ``(text, label)`` training rows:
    the latest correction of each post, its title and text as judged."""
    return [
        (f"{fb.title}{fb.text}", fb.category) for fb in latest_corrections(feedback, "category")
    ]
