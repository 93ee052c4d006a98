"""Run one crawl pass: pick due sources, run one spider per source, update source health.

``crawl`` runs Scrapy in this process (Twisted's reactor can start only once per process);
callers that crawl repeatedly start a child process for each pass
(:mod:`yuqing.app.crawl_process`).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from yuqing.config import ConfigError
from yuqing.crawlers.backlog import describe, pending
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.nlp_pool import start_pool, warm_analyzer
from yuqing.crawlers.settings import crawler_process, scrapy_settings
from yuqing.crawlers.spiders import SPIDERS
from yuqing.crawlers.spiders import validate as validate_sources
from yuqing.crawlers.summary import CrawlSummary
from yuqing.errors import YuqingError
from yuqing.nlp.pipeline import NLPStage
from yuqing.timeutil import now
from yuqing.vocab import NO_RESPONSE

log = logging.getLogger(__name__)


class CrawlError(YuqingError):
    """A crawl could not be run at all (unknown source, nothing to do is not an error)."""

    what = "crawl"


def due_slack(interval: timedelta) -> timedelta:
    """How early a look may come and still find a source due: a tenth of its ``interval``, at
    most a minute. Passes start a few seconds apart from their schedule (process start-up), so
    a look exactly one interval later found the source 299.5 s old for a 5m interval and left
    it for the next look, doubling its effective interval."""
    return min(interval / 10, timedelta(minutes=1))


def due_sources(cfg, store, at: datetime, names: list[str] | None = None):
    """(due, skipped): named sources are always due; otherwise each source's interval (less
    :func:`due_slack`) since its last crawl."""
    sources = [s for s in cfg.sources.sources if s.enabled or names]
    if names:
        known = {s.id for s in sources}
        missing = [n for n in names if n not in known]
        if missing:
            raise CrawlError(
                f"unknown source(s): {', '.join(missing)} (see sources.yaml in {cfg.dir})"
            )
        return [s for s in sources if s.id in names], []
    due, skipped = [], []
    for source in sources:
        last = store.get_source_state(source.id).last_crawl_at
        if last is None or at - last >= source.interval - due_slack(source.interval):
            due.append(source)
        else:
            skipped.append(source.id)
    return due, skipped


def nlp_state_path(cfg):
    """Where the crawl keeps its NLP state between runs (beside the store)."""
    from yuqing.nlp.state import state_path_for

    return state_path_for(cfg.path(cfg.settings.storage.path))


def load_nlp(cfg, store, at: datetime | None = None, summary: CrawlSummary | None = None):
    """The NLP stage with the state of earlier crawls (so reposts and events carry over):
    restored from the state the last crawl saved, or rebuilt from recent posts and events
    (nlp/state.py). When it cannot be loaded (a missing or damaged model file, an
    unusable segmenter, a store that cannot be read): None, with the reason in
    ``summary.nlp_error`` — the crawl still stores what it fetches, and then fails
    (:func:`check_nlp`)."""
    try:
        stage = NLPStage.from_config(cfg, sink=store, state_path=nlp_state_path(cfg))
        warm_analyzer(stage.analyzer)
        t0 = time.monotonic()
        replayed = stage.restore(store, now=at)
        took = time.monotonic() - t0
        stage.warm_up = {"seconds": took, "replayed": replayed}  # for the run's report
        if replayed is None:
            log.info("NLP state restored from %s in %.1f s", stage.state_path, took)
        else:
            log.info("NLP state rebuilt from %d stored posts in %.1f s", replayed, took)
    except YuqingError as exc:
        if summary is not None:
            summary.nlp_error = exc.line()
        return None
    return stage


#: what becomes of an interrupted crawl's rest, on one machine
RECRAWLED = "crawled by the next `yuqing crawl` (they are due at once)"
#: ... and on a cluster worker (``yuqing worker``): its requests went back on the frontier
REQUEUED = "back on the frontier for the other workers (`yuqing worker`)"


def check_interrupted(summary: CrawlSummary, rest: str = RECRAWLED) -> None:
    """Raise :class:`CrawlError` when SIGINT/SIGTERM stopped the crawl before its end."""
    if summary.interrupted:
        stored = summary.total("new") + summary.total("updated")
        raise CrawlError(
            f"interrupted before the end of {len(summary.interrupted)} source(s): "
            f"{', '.join(summary.interrupted)}; {stored} post(s) stored, the rest are {rest}"
        )


def check_nlp(summary: CrawlSummary) -> None:
    """Raise :class:`CrawlError` when the run stored posts without the NLP stage."""
    if summary.nlp_error:
        stored = summary.total("new") + summary.total("updated")
        raise CrawlError(
            f"the NLP stage could not be loaded, {stored} post(s) stored without analysis "
            f"(analysed by the next crawl, or `yuqing reanalyze`): {summary.nlp_error}"
        )


def analyse_pending(store, stage, sources) -> int:
    """Analyse the posts of ``sources`` stored earlier without analysis (nlp/backfill.py)."""
    from yuqing.nlp.backfill import analyse_stored, pending

    done = 0
    for source in sources:
        state = store.get_source_state(source.id)
        if state.unanalysed_at is None:
            continue
        posts = pending(store.iter_posts(since=state.unanalysed_at, source_id=source.id))
        done += analyse_stored(stage, store, list(posts))
        state = store.get_source_state(source.id)
        state.unanalysed_at = None
        store.save_source_state(state)
    return done


def crawl(
    cfg,
    store,
    names: list[str] | None = None,
    progress: bool = False,
    nlp=None,
    with_nlp: bool = True,
) -> CrawlSummary:
    started = now(cfg.settings.timezone)
    due, skipped = due_sources(cfg, store, started, names)
    ctx = CrawlContext(cfg=cfg, store=store)
    ctx.summary.skipped = skipped
    if not due:
        return ctx.summary
    problems = validate_sources(cfg, due)
    if problems:
        raise ConfigError(problems)
    if nlp is None and with_nlp:
        nlp = load_nlp(cfg, store, started, ctx.summary)
    ctx.nlp = nlp
    if ctx.nlp is not None:
        ctx.summary.reanalysed = analyse_pending(store, ctx.nlp, due)
    t0 = time.monotonic()
    if ctx.nlp is not None:
        # forked from the loaded analyzer before the reactor starts: ready for the first batch
        ctx.nlp_pool = start_pool(cfg, cfg.settings.crawl.nlp_workers, ctx.nlp.analyzer)
    settings = scrapy_settings(cfg, progress=progress, nlp=ctx.nlp is not None)
    process = crawler_process(settings | {"LOG_INSTALL_ROOT_HANDLER": False})
    not_started: list = []  # a spider that could not be built (its store unreadable, …)
    try:
        for source in due:
            ctx.summary.source(source.id)
            started_crawl = process.crawl(SPIDERS[source.kind], source=source, ctx=ctx)
            # kept, not left to Twisted's "Unhandled error in Deferred" at exit: raised below,
            # once the other sources have been crawled and recorded
            started_crawl.addErrback(not_started.append)
        process.start()
    finally:
        if ctx.nlp_pool is not None:
            ctx.nlp_pool.shutdown(cancel_futures=True)
    ctx.summary.seconds = time.monotonic() - t0
    record_health(cfg, store, due, ctx.summary, started)
    store.flush()
    if ctx.nlp is not None:
        try:  # after the last write: the saved state matches the store's change mark
            ctx.nlp.save(store)
        except YuqingError as exc:
            log.warning("NLP state not saved (%s); the next crawl rebuilds it", exc)
    if not_started:
        not_started[0].raiseException()
    return ctx.summary


def record_health(cfg, store, sources, summary: CrawlSummary, at: datetime) -> None:
    """Update each source's state; a source failing ``unhealthy_after`` times is unhealthy."""
    limit = cfg.settings.crawl.unhealthy_after
    for source in sources:
        s = summary.source(source.id)
        state = store.get_source_state(source.id)
        if not s.interrupted:  # an interrupted source stays due: the next crawl finishes it
            state.last_crawl_at = at
        failed = s.ok_responses == 0 or (
            s.failed_total > 0 and s.new + s.updated + s.unchanged == 0
        )
        if failed and not s.interrupted:  # a stopped crawl is not a failing source
            state.consecutive_failures += 1
            state.last_error = s.error or NO_RESPONSE
        elif not failed:
            state.consecutive_failures = 0
            state.last_success_at = at
            state.last_error = None
        if s.new:
            state.last_new_at = at
        if s.not_analysed and state.unanalysed_at is None:
            state.unanalysed_at = at
        state.healthy = state.consecutive_failures < limit
        # complete: every list was walked down to items already stored or to its end
        s.backlog = describe(state.backlog)
        s.gaps = len(pending(state.backlog))
        complete = not failed and not s.gaps and not s.interrupted
        state.last_summary = s.as_dict() | {"complete": complete}
        store.save_source_state(state)
        if not state.healthy:
            log.warning(
                "source %s is unhealthy: %d failing crawls in a row (last: %s)",
                source.id,
                state.consecutive_failures,
                state.last_error,
            )
