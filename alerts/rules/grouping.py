"""Grouping posts by topic, category, source, region, place or event (shared by window
rules). ``region`` is the source's configured region; ``place`` where the post's matter is
(:func:`yuqing.models.post_place`: the township, county … it names, else that region), so a
rule can alert on one township's messages and route to its units."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Literal

from yuqing.models import Post, post_place

GroupBy = Literal["all", "focus", "category", "source", "region", "place", "event"]


def keys(post: Post, by: str) -> list[str]:
    if by == "all":
        return ["all"]
    if by == "focus":
        return list(post.focus)
    if by == "category":
        return [post.category] if post.category else []
    if by == "source":
        return [post.source_id]
    if by == "region":
        return [post.region] if post.region else []
    if by == "place":
        return [p] if (p := post_place(post)) else []
    if by == "event":
        return [post.event_id] if post.event_id else []
    raise ValueError(f"unknown group_by {by!r}")


def group(posts: Iterable[Post], by: str) -> dict[str, list[Post]]:
    out: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        for key in keys(post, by):
            out[key].append(post)
    return out


def label(cfg, by: str, key: str) -> str:
    """What people read for a group key: a focus topic's or category's name, a source's
    name; other keys (regions, event ids) as they are."""
    if cfg is not None:
        tables = {
            "focus": cfg.topics.focus,
            "category": cfg.topics.categories,
            "source": cfg.sources.sources,
        }
        for item in tables.get(by, []):
            if item.id == key:
                return item.name or key
    return key


def subject(by: str, key: str) -> str:
    return f"{by}:{key}"


def deferred_fields(snap, by: str, key: str, span, only_scored: bool = False) -> dict:
    """The identity fields of a counted group now, its routing fields (from a sample of its
    posts) when the engine completes the match (``Match.fill``)."""

    def fill() -> dict:
        posts = snap.group_posts(by, key, span)
        if only_scored:
            posts = [p for p in posts if p.sentiment is not None]
        return routing_fields(by, key, posts)

    return {
        "event_id": key if by == "event" else None,
        "source_id": key if by == "source" else None,
        "fill": fill,
    }


def routing_fields(by: str, key: str, posts: list[Post]) -> dict:
    """Focus/category/region/text of a group, for routing the alert."""
    focus: list[str] = []
    for p in posts:
        for f in p.focus:
            if f not in focus:
                focus.append(f)
    if by == "focus":
        focus = [key] + [f for f in focus if f != key]
    cats = [p.category for p in posts if p.category]
    category = key if by == "category" else (max(set(cats), key=cats.count) if cats else None)
    regions = [p.region for p in posts if p.region]
    region: str | None = max(set(regions), key=regions.count) if regions else None
    if by in ("region", "place"):  # a place: routed to its units, then those containing it
        region = key
    text = " ".join(p.title for p in posts[:50])
    return {
        "focus": focus,
        "category": category,
        "region": region,
        "text": text,
        "post_ids": [p.id for p in posts[:20]],
        "event_id": key if by == "event" else None,
        "source_id": key if by == "source" else None,
    }
