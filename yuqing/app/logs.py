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


class JobErrorLines(logging.Filter):
    """One line for a scheduled job's expected failure, as the CLI prints it.

    APScheduler's executor logs every exception a job raises with its traceback
    (``Job "…" raised an exception``). When the exception is a
    :class:`~yuqing.errors.YuqingError` (SMTP down, a store or node that does not answer, a
    crawl that could not run) the record becomes ``job <id> failed: <what>: <message>``; the
    traceback stays only when logging is at ``-v`` (INFO) or more, like the CLI's ``-v``. Any
    other exception is a programming error and keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        from yuqing.errors import YuqingError

        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, YuqingError):
            job = record.args[0] if isinstance(record.args, tuple) and record.args else None
            record.msg, record.args = "job %s failed: %s", (getattr(job, "id", job), exc.line())
            if not logging.getLogger().isEnabledFor(logging.INFO):
                record.exc_info = record.exc_text = None
        return True


#: the logger APScheduler's default executor reports job exceptions to
JOB_ERRORS_LOGGER = "apscheduler.executors.default"


def one_line_job_errors() -> None:
    """Install :class:`JobErrorLines` on APScheduler's executor logger (once)."""
    logger = logging.getLogger(JOB_ERRORS_LOGGER)
    if not any(isinstance(f, JobErrorLines) for f in logger.filters):
        logger.addFilter(JobErrorLines())
