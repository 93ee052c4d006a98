"""The Scrapy settings a crawl runs with (crawlers/settings.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, make_config

# A crawl's Scrapy extensions, as Scrapy builds them (in a child: a reactor is installed once
# per process).
EXTENSIONS_OF_A_CRAWL = r"""
import json, sys
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.utils.reactor import install_reactor
from yuqing.config import load_config
from yuqing.crawlers.settings import scrapy_settings

settings = scrapy_settings(load_config(sys.argv[1]), progress=True)
install_reactor(settings.get("TWISTED_REACTOR")
                or "twisted.internet.asyncioreactor.AsyncioSelectorReactor")
crawler = Crawler(Spider, settings)
crawler._apply_settings()
print(json.dumps([type(e).__name__ for e in crawler.extensions.middlewares]))
"""


def test_a_crawl_carries_no_remote_console(tmp_path):
    """Neither the telnet console nor Scrapy's remote control (an HTTP server that executes
    posted Python code in the crawl process) is loaded; the crawl's own extensions are."""
    cfg = make_config(tmp_path, "http://127.0.0.1:9")
    proc = subprocess.run(
        [sys.executable, "-c", EXTENSIONS_OF_A_CRAWL, str(cfg)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "Progress" in loaded and "CoreStats" in loaded
    assert "TelnetConsole" not in loaded
    assert "RemoteControl" not in loaded


LOG_LEVEL_OF_A_CRAWL = r"""
import json, logging, sys
from yuqing.app.logs import configure_logging
from yuqing.config import load_config
from yuqing.crawlers.settings import crawler_process, scrapy_settings

configure_logging(int(sys.argv[2]))
crawler_process(scrapy_settings(load_config(sys.argv[1])) | {"LOG_INSTALL_ROOT_HANDLER": False})
engine = logging.getLogger("scrapy.core.engine")
print(json.dumps([logging.root.level, engine.isEnabledFor(logging.DEBUG),
                  engine.isEnabledFor(logging.WARNING)]))
"""


def test_a_crawl_builds_no_log_record_its_handlers_drop(tmp_path):
    """Scrapy sets the root logger to NOTSET; the crawl puts the level back, so Scrapy's
    per-response and per-item debug lines are not built only to be dropped."""
    cfg = make_config(tmp_path, "http://127.0.0.1:9")
    for level, debug in ((30, False), (20, False), (10, True)):
        proc = subprocess.run(
            [sys.executable, "-c", LOG_LEVEL_OF_A_CRAWL, str(cfg), str(level)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert json.loads(proc.stdout.strip().splitlines()[-1]) == [level, debug, True]
