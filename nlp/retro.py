"""Changes the NLP stage makes to posts already handed back: the caller applies them to the store.

* **Re-pointed copies** (:meth:`NLPStage.drain_repointed
  <yuqing.nlp.pipeline.NLPStage.drain_repointed>`): an earlier copy of a repost arrived
  later, so the stored copies point at it.
* **Retroactive focus sharing** (:meth:`NLPStage.drain_retro
  <yuqing.nlp.pipeline.NLPStage.drain_retro>`, setting ``nlp.focus_share_retro``): a post
  takes the focus topics its event shares when it is processed (``NLPStage._share_focus``);
  when the set of topics an event shares *gains* one later — its majority turns, or its
  pooled evidence reaches the topic's threshold — the event's earlier members that lack it
  take it too, with the same evidence ``event:<event id>``. The rules are the sharing rules:
  the topic is one the event shares now (a witness's own evidence shows it; shared tags never
  count), so nothing is invented and sharing does not feed itself.

Bounded state (on the event tracker's per-event state, ``nlp/events.py``): the topics an event
shares now, the last pooled decision per witnessed topic, and only for a topic that was shared
and then left the set (the majority fell below half) the ids of the members that arrived
without it meanwhile — at most ``events.max_post_ids``, beyond that every member is looked up
again. A topic's first gain is applied to every stored member: the caller finds them by their
``event_id`` (:func:`apply_stored`). Posts of the stage's latest batches, which the caller may
not have stored yet, are tagged in memory by the stage itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from yuqing.models import Post

__all__ = ["RetroShare", "share", "note", "apply_stored", "apply_repointed", "apply_changes"]

#: the window that holds every post of an event (find_posts needs one)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_END = datetime(3000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RetroShare:
    """``topic`` is now shared by event ``event_id``: its members lacking it take it — all of
    them (``post_ids`` None) or only those listed."""

    event_id: str
    topic: str
    post_ids: tuple[str, ...] | None = None

    def covers(self, post: Post) -> bool:
        return post.event_id == self.event_id and (
            self.post_ids is None or post.id in self.post_ids
        )


def share(post: Post, topic: str, event_id: str) -> bool:
    """Give ``post`` the focus topic its event shares (evidence ``event:<id>``); False when it
    carries the topic already."""
    if topic in post.focus:
        return False
    post.focus = [*post.focus, topic]
    post.focus_evidence = {**(post.focus_evidence or {}), topic: [f"event:{event_id}"]}
    return True


def note(st, post: Post, now: set[str], limit: int) -> list[RetroShare]:
    """After ``post`` (just shared) joined the event of tracker state ``st``: the event shares
    ``now``; return the topics it gained, for its earlier members, and keep the bookkeeping."""
    eid = st.event.id
    gains: list[RetroShare] = []
    for t in sorted(now - st.shared):
        missed = st.missed.pop(t, None)  # None: never shared before, or too many to hold
        if missed is None:
            gains.append(RetroShare(eid, t))
        elif missed:
            gains.append(RetroShare(eid, t, tuple(dict.fromkeys(missed))))
    for t in st.shared - now:
        st.missed[t] = []
    for t, ids in st.missed.items():
        if ids is not None and t not in post.focus:
            if len(ids) >= limit:
                st.missed[t] = None
            else:
                ids.append(post.id)
    st.shared = set(now)
    return gains


def apply_stored(store, shares: Iterable[RetroShare]) -> int:
    """Tag the stored members the shares cover (found by their ``event_id``, or by id) and
    store them again (content and ``updated_at`` unchanged, like a re-pointed copy); returns
    how many posts changed."""
    by_event: dict[str, list[RetroShare]] = {}
    for s in shares:
        by_event.setdefault(s.event_id, []).append(s)
    changed = 0
    for eid, group in by_event.items():
        if any(s.post_ids is None for s in group):
            posts = store.find_posts(_EPOCH, _END, by="event", key=eid, closed="left")
        else:
            posts = store.get_posts(dict.fromkeys(i for s in group for i in s.post_ids or ()))
        for post in posts:
            hit = [share(post, s.topic, eid) for s in group if s.covers(post)]
            if any(hit):
                store.upsert_post(post)
                changed += 1
    return changed


def apply_repointed(store, repointed: Iterable[tuple[str, str]]) -> int:
    """Point stored copies at their earlier copy (``(post id, duplicate_of)``); returns how
    many posts changed."""
    changed = 0
    for post_id, duplicate_of in repointed:
        stored = store.get_post(post_id)
        if stored is not None and stored.duplicate_of != duplicate_of:
            stored.duplicate_of = duplicate_of
            store.upsert_post(stored)
            changed += 1
    return changed


def apply_changes(stage, store) -> dict[str, int]:
    """Apply (and clear) what ``stage`` (an NLPStage) changed on posts handed back earlier."""
    return {
        "repointed": apply_repointed(store, stage.drain_repointed()),
        "retro_tagged": apply_stored(store, stage.drain_retro()),
    }
