"""``yuqing worker`` (and ``yuqing run`` with ``cluster.role: worker``): a crawl worker taking
requests from the shared frontier until SIGTERM/SIGINT, which stop it cleanly — the requests
in flight are given back to the frontier, and the source crawls it was in the middle of are
reported interrupted (the line a stopped ``yuqing crawl`` prints, as a ``warning:``; a requested
stop is a worker's normal end — a deploy, systemd — so the exit status stays 0: nothing is lost,
the other workers take the rest up). See ``yuqing.crawlers.frontier``.
"""

from __future__ import annotations

import logging
import sys

from yuqing.cluster import node_id
from yuqing.crawlers.context import CrawlContext
from yuqing.crawlers.frontier.spider import FrontierSpider
from yuqing.crawlers.frontier.worker import worker_settings
from yuqing.crawlers.nlp_pool import start_pool
from yuqing.crawlers.runner import REQUEUED, CrawlError, check_interrupted, load_nlp
from yuqing.crawlers.settings import crawler_process
from yuqing.crawlers.summary import CrawlSummary
from yuqing.errors import YuqingError

log = logging.getLogger(__name__)


def run_worker(cfg, store, with_nlp: bool = True) -> str:
    """Crawl from the frontier until SIGTERM/SIGINT; returns the worker id."""
    worker = node_id(cfg.settings.cluster)
    ctx = CrawlContext(cfg=cfg, store=store)
    try:
        if with_nlp:
            loading = CrawlSummary()
            ctx.nlp = load_nlp(cfg, store, summary=loading)
            if ctx.nlp is None:  # a worker must not store posts without analysis unasked
                raise YuqingError(f"worker {worker}: {loading.nlp_error} (or run with --no-nlp)")
            # forked from the loaded analyzer before the reactor starts
            ctx.nlp_pool = start_pool(cfg, cfg.settings.crawl.nlp_workers, ctx.nlp.analyzer)
        process = crawler_process(worker_settings(cfg, nlp=ctx.nlp is not None))
        process.crawl(FrontierSpider, ctx=ctx, worker_id=worker)
        log.warning("worker %s: crawling from %s", worker, cfg.settings.cluster.redis_url)
        process.start()
    finally:
        if ctx.nlp_pool is not None:
            ctx.nlp_pool.shutdown(cancel_futures=True)
        store.flush()
    log.warning("worker %s stopped", worker)
    # stopped in the middle of source crawls (FrontierSpider.stopped_mid_crawl): said as a
    # stopped `yuqing crawl` says it, but the rest of them is back on the frontier
    try:
        check_interrupted(ctx.summary, rest=REQUEUED)
    except CrawlError as exc:
        print(f"warning: {exc.line()}", file=sys.stderr)
    return worker
