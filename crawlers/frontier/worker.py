"""Scrapy settings of a cluster worker (``yuqing worker``, run by ``yuqing.app.worker``).

One Scrapy crawler runs the frontier spider with scrapy-redis' scheduler (``scheduler``) and
the cluster politeness middleware; posts go through the same item pipelines (normalise, skip
unchanged, NLP, store) as on a single machine.
"""

from __future__ import annotations

import importlib.util

from yuqing.cluster import Keys, redis_params
from yuqing.crawlers.settings import scrapy_settings

POLITENESS = "yuqing.crawlers.frontier.politeness.ClusterPoliteness"
SCHEDULE_AT_ONCE = "yuqing.crawlers.frontier.scheduler.ScheduleAtOnce"


def worker_settings(cfg, nlp: bool = True) -> dict:
    """Scrapy settings of a cluster worker: the single-machine ones plus the frontier."""
    cluster = cfg.settings.cluster
    keys = Keys(cluster.key_prefix)
    base = scrapy_settings(cfg, progress=False, nlp=nlp)
    return base | {
        "SCHEDULER": "yuqing.crawlers.frontier.scheduler.FrontierScheduler",
        "SCHEDULER_QUEUE_CLASS": "yuqing.crawlers.frontier.queue.FrontierQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "yuqing.crawlers.frontier.scheduler.CrawlDupeFilter",
        "SCHEDULER_PERSIST": True,  # the queue is shared: never cleared when a worker stops
        "REDIS_URL": cluster.redis_url,
        "REDIS_PARAMS": redis_params(cluster),
        "FRONTIER_WORKER_TIMEOUT": cluster.worker_timeout.total_seconds(),
        "CLUSTER_KEY_PREFIX": cluster.key_prefix,
        # politeness across workers replaces the per-process delay and AutoThrottle
        "CLUSTER_DOWNLOAD_DELAY": cfg.settings.crawl.download_delay,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": base["DOWNLOADER_MIDDLEWARES"]
        | {POLITENESS: 950}
        | _without_offsite("scrapy.downloadermiddlewares.offsite"),
        "SPIDER_MIDDLEWARES": _without_offsite("scrapy.spidermiddlewares.offsite")
        | {SCHEDULE_AT_ONCE: 10},
        "LOG_INSTALL_ROOT_HANDLER": False,
    }


def _without_offsite(module: str) -> dict:
    """Scrapy's offsite filter off (the frontier scheduler checks each source's domains);
    where it lives depends on the Scrapy version."""
    return {f"{module}.OffsiteMiddleware": None} if importlib.util.find_spec(module) else {}
