"""``yuqing events rebuild``: consolidate the stored events of a period (and the nightly job).

Reads the posts whose post time is at or after ``since`` — plus every other post of the events
they are in (by event id, so the cost follows the period, not the store), so an issue that
started before ``since`` is re-clustered whole, never cut at the period's edge — runs
:class:`~yuqing.nlp.consolidate.Consolidator`, then writes the events, re-points the posts
whose event changed, removes the merged fragments' records and shares each event's focus
back (:func:`share_back`: a member lacking a topic most of its event carries on their own
evidence takes it, as the crawl's retroactive sharing does, nlp/retro.py).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import numpy as np

from yuqing.models import FUTURE_TOLERANCE, Post, lean_post
from yuqing.nlp.consolidate import TITLE_CHARS, Consolidation, Consolidator
from yuqing.nlp.events import own_focus, post_time
from yuqing.nlp.problem_vectors import Vocabulary
from yuqing.nlp.retro import share

__all__ = ["rebuild_events", "consolidator_for"]

log = logging.getLogger(__name__)

#: the start of "every earlier post" of an event (find_posts needs a window)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: a held post's evidence for a topic shared from an event (only that it was shared is kept)
_SHARED = "event:"


def consolidator_for(cfg) -> Consolidator:
    """A consolidator with the configuration's settings, user dictionary and source weights."""
    from zoneinfo import ZoneInfo

    from yuqing.nlp.segment import DEFAULT_USERDICT, read_userdict
    from yuqing.nlp.settings import NLPSettings

    settings = getattr(cfg.settings, "nlp", None) or NLPSettings()
    local = cfg.dir / "userdict.txt"
    userdict = (
        cfg.path(settings.userdict)
        if settings.userdict
        else (local if local.is_file() else DEFAULT_USERDICT)
    )
    return Consolidator.from_settings(
        settings,
        userdict=read_userdict(userdict),
        source_weights={s.id: s.weight for s in cfg.sources.sources},
        tz=ZoneInfo(cfg.settings.timezone),
    )


@dataclass(slots=True)
class _HeldPost(Post):
    """A post as the rebuild holds it: the same fields in slots, without a per-post dict
    (about 1.3 KB less a post; a million are held at once), its tokens as ids of the
    rebuild's vocabulary (an int32 array: 4 bytes a token instead of a list's 8 and the
    list; ``tokens`` is left empty)."""

    token_ids: np.ndarray | None = None


_FIELDS = tuple(f.name for f in fields(Post))
#: shared by every held post (never changed: held posts are read, never stored)
_EMPTY: list = []
_NONE: dict = {}
_HELD = "held"


def _slim(post: Post, vocabulary: Vocabulary, alike: dict | None = None) -> Post:
    """A lean ``post`` as the rebuild holds it: what consolidation reads, in slots, with the
    strings many posts repeat (keywords, places, topics, sources, authors, event ids) shared
    and what it never reads (URL, notes, flags, stored time, the focus evidence but which
    topics were shared from an event) dropped — about a third of a lean post's memory — and
    its tokens as ids of ``vocabulary``; ``alike``: the rebuild's values shared between its
    posts. Never store it."""
    intern = sys.intern
    alike = {} if alike is None else alike
    post.url = ""
    shared = set(post.focus) - set(own_focus(post))
    post.focus_evidence = {intern(t): [_SHARED] for t in shared} if shared else _NONE
    # what consolidation never reads, as one shared empty object (≈ 250 bytes a post); the
    # content hash (never read) a shared mark; equal engagement counts one shared dict
    post.reply, post.risk_flags, post.notes = _NONE, _EMPTY, _EMPTY
    post.content_hash = _HELD
    post.engagement = alike.setdefault(tuple(sorted(post.engagement.items())), post.engagement)
    post.updated_at = post.category_score = post.category_uncertain = None
    post.keywords = [intern(k) for k in post.keywords]
    post.focus = [intern(f) for f in post.focus]
    post.groups = [intern(g) for g in post.groups]
    post.regions_mentioned = [intern(r) for r in post.regions_mentioned]
    if post.anchors is not None:
        post.anchors = [intern(a) for a in post.anchors]
    post.source_id, post.channel = intern(post.source_id), intern(post.channel)
    for name in ("category", "region", "author", "event_id", "duplicate_of"):
        value = getattr(post, name)
        if value is not None:
            setattr(post, name, intern(value))
    ids = vocabulary.ids(post.tokens)
    post.tokens = _EMPTY
    held = _HeldPost(**{name: getattr(post, name) for name in _FIELDS})
    held.token_ids = ids
    return held


def rebuild_events(
    store, consolidator: Consolidator, since: datetime | None, now: datetime
) -> dict:
    """Consolidate the events of posts from ``since`` on (None: everything); returns counts."""
    t0 = time.perf_counter()

    vocabulary = Vocabulary()
    alike: dict[tuple, dict] = {}

    def lean(post: Post) -> Post:  # anchors first (they may need the body), then lean
        consolidator.anchors_of(post)
        lean_post(post, keep_text=TITLE_CHARS, intern_tokens=False)  # tokens become ids
        return _slim(post, vocabulary, alike)

    if since is None:
        recent = [lean(p) for p in store.iter_posts()]
    else:  # a post time at or after ``since`` means a crawl at most FUTURE_TOLERANCE before it
        stored = store.iter_posts(since=since - FUTURE_TOLERANCE)
        recent = [lean(p) for p in stored if post_time(p) >= since]
    touched = {p.event_id for p in recent if p.event_id}
    chosen = {p.id: p for p in recent}
    if since is not None:  # the rest of each issue, from the index of posts by event
        for eid in sorted(touched):
            for p in store.find_posts(_EPOCH, since, by="event", key=eid, closed="left"):
                if p.id not in chosen:
                    chosen[p.id] = lean(p)
    posts = sorted(chosen.values(), key=lambda p: p.id)
    old = {eid: ev for eid in sorted(touched) if (ev := store.get_event(eid)) is not None}
    result = consolidator.run(posts, old, vocabulary)
    for ev in result.events:
        ev.updated_at = now
        store.upsert_event(ev)
    repointed = store.set_post_events(result.changed_posts)
    deleted = store.delete_events(result.retired)
    shared = share_back(store, result, chosen, consolidator.p)
    store.flush()
    stats = {
        **result.stats,
        "since": since.isoformat() if since else None,
        "events_before": len(touched),
        "merged_away": deleted,
        "posts_repointed": repointed,
        "posts_retro_tagged": shared,
        "total_seconds": round(time.perf_counter() - t0, 2),
    }
    log.info("events rebuild: %s", stats)
    return stats


def share_back(store, result: Consolidation, held: dict[str, Post], params) -> int:
    """Each consolidated event's members lacking a topic of its ``focus`` (the topics at least
    half of them carry on their own evidence: shared ones never count) that is shared back
    (``params.share_topics``, events of ``params.share_min_event`` posts or more) take it,
    evidence ``event:<id>`` — the majority rule of the crawl's retroactive sharing
    (nlp/retro.py), on the rebuilt events. ``held``: the rebuild's posts by id (their focus
    says who lacks a topic; only those are read and stored again). The pooled rule needs the
    focus model: the crawl applies it when the event's next post comes (its tracker restarts
    from the store after a rebuild, and a pooled topic then counts as gained). Returns how
    many posts changed."""
    topics = set(params.share_topics)
    shares = {
        ev.id: [t for t in ev.focus if t in topics]
        for ev in result.events
        if ev.size >= params.share_min_event
    }
    todo: dict[str, list[str]] = {}  # post id -> the topics it takes
    for pid, eid in result.post_event.items():
        lacking = [t for t in shares.get(eid, ()) if t not in held[pid].focus]
        if lacking:
            todo[pid] = lacking
    changed = 0
    ids = sorted(todo)
    for lo in range(0, len(ids), 500):
        for post in store.get_posts(ids[lo : lo + 500]):
            eid = result.post_event[post.id]
            if post.event_id == eid and any([share(post, t, eid) for t in todo[post.id]]):
                store.upsert_post(post)
                changed += 1
    return changed
