"""The whole configuration check: the loader's own validation plus every plug-in registry's
(spider kinds and their options, robot kinds and their options, rule types and their
options), all problems reported at once (``yuqing config check``).

Commands that only read the store load the configuration without the registries, so a typo
in one rule never keeps the duty office from acknowledging an alert; the stages check the
plug-ins they use when they use them (a crawl checks its sources, ``alerts check`` its rules
and robots).
"""

from __future__ import annotations

import os

from yuqing.alerts.channels import check_department
from yuqing.alerts.rules import check_rule
from yuqing.config import Config, load_config
from yuqing.config.loader import EntryCheck
from yuqing.crawlers.spiders import check_source

CHECKS: dict[str, EntryCheck] = {
    "sources.yaml": check_source,
    "departments.yaml": check_department,
    "rules.yaml": check_rule,
}


def check_config(directory: str | os.PathLike | None = None) -> Config:
    """Load and validate everything; raise ``ConfigError`` listing every problem."""
    return load_config(directory, checks=CHECKS)
