"""Scrapy settings for Yuqing Sentinel, built from ``settings.yaml``'s ``crawl`` section.

Every default the crawler uses is here, grouped by concern; ``scrapy_settings(cfg)`` is the
only place the application's configuration turns into Scrapy settings.
"""

from __future__ import annotations

from typing import Any

from yuqing.crawlers.pipelines import PIPELINES

#: Scrapy extensions (name -> order; None disables). Both consoles are off: the telnet console
#: and Scrapy 2.19's remote control, an HTTP server on loopback that runs posted Python code
#: inside the crawl process (its token sits in a job file under the user's state directory) —
#: no crawler of untrusted sites should carry one.
EXTENSIONS: dict[str, int | None] = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}

BASE: dict[str, Any] = {
    # politeness
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.25,
    "AUTOTHROTTLE_MAX_DELAY": 10.0,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
    "COOKIES_ENABLED": False,
    # safety: bounded sizes, redirects and time
    "DOWNLOAD_WARNSIZE": 2_000_000,
    "REDIRECT_ENABLED": True,
    "METAREFRESH_ENABLED": False,
    # retries: our middleware adds exponential backoff to Scrapy's retry policy
    "RETRY_ENABLED": True,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "RETRY_BACKOFF_BASE": 0.5,
    "RETRY_BACKOFF_MAX": 30.0,
    "RETRY_GIVE_UP_LOG_LEVEL": "WARNING",  # the spider logs the failure with its source id
    "DOWNLOADER_MIDDLEWARES": {
        # robots.txt that cannot be fetched disallows instead of allowing (middlewares/robots.py)
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "yuqing.crawlers.middlewares.robots.StrictRobotsTxtMiddleware": 100,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "yuqing.crawlers.middlewares.retry.BackoffRetryMiddleware": 550,
        "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
        "yuqing.crawlers.middlewares.redirect.LoopAwareRedirectMiddleware": 600,
    },
    "EXTENSIONS": EXTENSIONS,
    "ITEM_PIPELINES": PIPELINES,
    # throughput: a callback yields one article or one page of links, so a small item
    # concurrency avoids Scrapy spawning 100 idle worker tasks per response; our callbacks
    # are plain generators, so Scrapy's source inspection for `return value` is skipped.
    "CONCURRENT_ITEMS": 16,
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
    # quiet, deterministic runs
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
}


def scrapy_settings(cfg, progress: bool = False, nlp: bool = True) -> dict:
    """Scrapy settings for a run; optional parts are left out rather than disabled noisily."""
    c = cfg.settings.crawl
    pipelines = dict(PIPELINES)
    if not nlp:
        pipelines.pop("yuqing.crawlers.pipelines.nlp.NLPPipeline")
    extensions = dict(EXTENSIONS)
    if progress:
        extensions["yuqing.crawlers.extensions.progress.Progress"] = 500
    return BASE | {
        "ITEM_PIPELINES": pipelines,
        "EXTENSIONS": extensions,
        "USER_AGENT": c.user_agent,
        "ROBOTSTXT_OBEY": c.obey_robots,
        "CONCURRENT_REQUESTS": c.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrent_requests_per_domain,
        "DOWNLOAD_DELAY": c.download_delay,
        "AUTOTHROTTLE_ENABLED": c.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(c.download_delay, 0.01),
        "DOWNLOAD_TIMEOUT": c.timeout,
        "RETRY_TIMES": c.retries,
        "DOWNLOAD_MAXSIZE": c.max_page_bytes,
        "REDIRECT_MAX_TIMES": c.max_redirects,
        "PROGRESS_ENABLED": progress,
        "RETRY_BACKOFF_BASE": c.retry_backoff,
    }


def crawler_process(settings: dict):
    """Scrapy's ``CrawlerProcess`` for ``settings``, the process's logging level kept.

    Scrapy's logging set-up puts the root logger at ``NOTSET`` and its own loggers at
    ``DEBUG``, so each response and item built a record (caller lookup included) for Scrapy's
    "Crawled (200)" and "Scraped from" debug lines, which the handlers, at the CLI's level,
    then dropped (≈ 1 % of the crawl's CPU in bench/crawl.py). The root logger gets back the
    level it had and Scrapy's loggers the same (never above ``LOG_LEVEL``), so every line a
    handler prints is still built."""
    import logging

    from scrapy.crawler import CrawlerProcess

    before = logging.root.level
    process = CrawlerProcess(settings)
    wanted = logging.getLevelName(str(settings.get("LOG_LEVEL", "DEBUG")).upper())
    level = min(before, wanted if isinstance(wanted, int) else logging.DEBUG)
    logging.root.setLevel(level)
    logging.getLogger("scrapy").setLevel(level)
    return process
