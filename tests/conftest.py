"""Shared fixtures: a demo-sites server, a config dir pointing at it, running the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from yuqing.app.demo import write_demo_config

#: real Elasticsearch and Redis servers for the tests that ask for them (``es_url``, ``redis_url``)
pytest_plugins = ["tests.es_server", "tests.redis_server"]

ROOT = Path(__file__).resolve().parent.parent

#: Crawl settings for tests: no politeness delays, a timeout shorter than the errors page's /slow link (8 s).
FAST_CRAWL = {
    "download_delay": 0,
    "autothrottle": False,
    "timeout": 4,
    "retries": 1,
    "retry_backoff": 0.05,
    "unhealthy_after": 2,
    "progress": "never",
}


def make_config(tmp: Path, base_url: str, smtp_port: int | None = None, **crawl) -> Path:
    """The shipped config with the demo sources at ``base_url``; store at tmp/store.db;
    ``crawl`` overrides test crawl settings."""
    cfg = write_demo_config(ROOT / "config", tmp / "demo", base_url, smtp_port)
    path = cfg / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["crawl"] = FAST_CRAWL | crawl
    settings["storage"]["path"] = str(tmp / "store.db")
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return cfg


def run_cli(
    *args: str, stdin: str | None = None, check: bool = False, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m yuqing ARGS`` in a child process (Scrapy's reactor starts once per
    process, so every crawl gets its own)."""
    proc = subprocess.run(
        [sys.executable, "-m", "yuqing", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"yuqing {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def crawl(config: Path, *sources: str) -> dict:
    """One crawl pass through the CLI; the JSON summary it printed."""
    args = ["--config", str(config), "crawl", "--json-summary", "-"]
    for s in sources:
        args += ["--source", s]
    proc = run_cli(*args, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export(config: Path, what: str = "posts", *extra: str) -> list[dict]:
    proc = run_cli("--config", str(config), "export", what, *extra, check=True)
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
