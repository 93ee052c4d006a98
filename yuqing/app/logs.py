"""Logging for every entry point (the CLI, the crawl child process): one stderr handler."""

from __future__ import annotations

import logging


def configure_logging(level: int) -> None:
    """One stderr handler; its level (not the loggers') decides, since Scrapy sets its own
    loggers to DEBUG. Noisy third-party loggers are capped."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    logging.getLogger().setLevel(level)
    for name in ("trafilatura", "htmldate", "courlan", "jieba"):
        logging.getLogger(name).setLevel(max(level, logging.CRITICAL))
