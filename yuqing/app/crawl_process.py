"""One crawl pass, in this process or in a child process.

Scrapy's Twisted reactor starts once per process, so a caller that crawls repeatedly (the
scheduler's crawl job, ``yuqing cycle``) runs each pass in a fresh child:
``python -m yuqing.app.crawl_process --config DIR [--source ID ...]`` prints the pass summary
as one JSON line on stdout; a failure is one ``error:`` line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys

from yuqing.crawlers.runner import CrawlError, check_nlp
from yuqing.crawlers.summary import CrawlSummary
from yuqing.errors import YuqingError


def crawl_once(cfg, source_ids: list[str] | None = None, progress: bool = False) -> CrawlSummary:
    """One pass over the due (or named) sources of ``cfg`` into its store, in this process."""
    from yuqing.crawlers.runner import crawl
    from yuqing.storage import open_store

    with open_store(cfg) as store:
        return crawl(cfg, store, source_ids, progress=progress)


def run_in_child(
    config_dir: str, source_ids: list[str] | None = None, timeout: float | None = None
) -> dict:
    """Run one pass in a child process; return its summary as a dict (raises
    :class:`CrawlError` with the child's error line when it fails)."""
    cmd = [sys.executable, "-m", "yuqing.app.crawl_process", "--config", str(config_dir)]
    for sid in source_ids or []:
        cmd += ["--source", sid]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=os.environ.copy()
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["crawl failed"])[-1]
        raise CrawlError(last.removeprefix("error: "))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    from yuqing.app.logs import configure_logging
    from yuqing.config import load_config

    parser = argparse.ArgumentParser(prog="python -m yuqing.app.crawl_process")
    parser.add_argument("--config", required=True, help="configuration directory")
    parser.add_argument("--source", action="append", default=[], metavar="ID")
    args = parser.parse_args(argv)
    configure_logging(logging.WARNING)
    try:
        summary = crawl_once(load_config(args.config), args.source or None)
    except YuqingError as exc:
        print(f"error: {exc.line()}", file=sys.stderr)
        return 1
    print(json.dumps(summary.as_dict(), ensure_ascii=False))
    try:
        check_nlp(summary)
    except CrawlError as exc:
        print(f"error: {exc.line()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
