"""Shared by the scale-out tests: the demo sites and what one single-machine crawl of them
stores (the reference a cluster must match, article for article)."""

from __future__ import annotations

import pytest

from tests.cluster.helpers import CRAWL, comparable
from tests.conftest import crawl, export, make_config
from yuqing.demo.server import SiteServer


@pytest.fixture(scope="session")
def site():
    with SiteServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def reference_urls(site, tmp_path_factory) -> set[str]:
    cfg = make_config(tmp_path_factory.mktemp("reference"), site.url, **CRAWL)
    crawl(cfg)
    urls = comparable({p["url"] for p in export(cfg)})
    assert len(urls) > 60
    return urls
