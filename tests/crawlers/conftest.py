"""Fixtures for the crawler tests: the bundled demo sites on a loopback server."""

from __future__ import annotations

import pytest

from yuqing.demo.server import SiteServer


@pytest.fixture(scope="module")
def site_server():
    with SiteServer() as srv:
        yield srv
