"""``yuqing events rebuild``: consolidate the stored events of a period (and the nightly job).

Reads the posts whose post time is at or after ``since`` — plus every other post of the events
they are in, so an issue that started before ``since`` is re-clustered whole, never cut at the
period's edge — runs :class:`~yuqing.nlp.consolidate.Consolidator`, then writes the events,
re-points the posts whose event changed and removes the merged fragments' records.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from yuqing.nlp.consolidate import Consolidator
from yuqing.nlp.events import post_time

__all__ = ["rebuild_events", "consolidator_for"]

log = logging.getLogger(__name__)


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


def rebuild_events(
    store, consolidator: Consolidator, since: datetime | None, now: datetime
) -> dict:
    """Consolidate the events of posts from ``since`` on (None: everything); returns counts."""
    t0 = time.perf_counter()
    everything = list(store.iter_posts())
    recent = [p for p in everything if since is None or post_time(p) >= since]
    touched = {p.event_id for p in recent if p.event_id}
    chosen = {p.id: p for p in recent}
    for p in everything:
        if p.event_id in touched:
            chosen.setdefault(p.id, p)
    posts = sorted(chosen.values(), key=lambda p: p.id)
    old = {eid: ev for eid in sorted(touched) if (ev := store.get_event(eid)) is not None}
    result = consolidator.run(posts, old)
    for ev in result.events:
        ev.updated_at = now
        store.upsert_event(ev)
    repointed = store.set_post_events(result.changed_posts)
    deleted = store.delete_events(result.retired)
    store.flush()
    stats = {
        **result.stats,
        "since": since.isoformat() if since else None,
        "events_before": len(touched),
        "merged_away": deleted,
        "posts_repointed": repointed,
        "total_seconds": round(time.perf_counter() - t0, 2),
    }
    log.info("events rebuild: %s", stats)
    return stats
