"""Helpers for the scale-out tests: a cluster config, worker and daemon processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import ROOT, make_config

#: Crawl settings of the scale-out tests and their single-machine reference: a timeout that a
#: loaded 2-core machine running Elasticsearch, Redis and several workers does not hit by
#: accident, still shorter than the demo's /slow page (8 s), which must time out in both.
CRAWL = {"timeout": 6}


def comparable(urls: set[str]) -> set[str]:
    """The URLs a cluster crawl and its reference are compared on: all but the /slow page.
    Its answer (8 s) and the timeout (6 s) are two seconds apart, and a reactor busy with NLP
    work on a loaded machine can run the timeout late, after the answer came — so either
    crawl may store it (seen once in a full run under load)."""
    return {u for u in urls if "/slow" not in u}


def cluster_config(
    tmp: Path,
    base_url: str,
    es_urls: list[str],
    redis_url: str,
    prefix: str,
    smtp_port: int | None = None,
    cluster: dict | None = None,
    schedule: dict | None = None,
    **crawl,
) -> Path:
    """The demo config (sources on ``base_url``) on Elasticsearch + Redis."""
    cfg = make_config(tmp, base_url, smtp_port, **(CRAWL | crawl))
    path = cfg / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    es = settings["storage"].setdefault("elasticsearch", {})
    es.update(url=es_urls[0], hosts=es_urls[1:], index_prefix=prefix, request_timeout=10)
    settings["storage"]["backend"] = "elasticsearch"
    settings["schedule"] = settings.get("schedule", {}) | (schedule or {})
    settings["cluster"] = {
        "redis_url": redis_url,
        "key_prefix": prefix,
        "worker_timeout": "4s",
        "lease": "4s",
    } | (cluster or {})
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return cfg


def setup_es(cfg: Path, es_url: str, prefix: str) -> None:
    """``yuqing es setup``, then wait until the new indices' shards serve searches."""
    from elasticsearch import Elasticsearch

    from tests.conftest import run_cli

    run_cli("--config", str(cfg), "es", "setup", check=True)
    with Elasticsearch(es_url) as es:
        es.cluster.health(index=f"{prefix}-*", wait_for_status="yellow", timeout="60s")


def board_cluster(tmp: Path, board_url: str, es_url: str, redis_url: str, prefix: str) -> Path:
    """A cluster config (``tmp/cl``) crawling the message boards ``b-*`` of a
    ``tests.faults.boards.BoardServer`` at ``board_url`` (8 list pages a crawl), with its
    Elasticsearch indices set up."""
    from tests.faults.conftest import board_sources

    cfg_dir = cluster_config(tmp / "cl", board_url, [es_url], redis_url, prefix)
    (cfg_dir / "sources.yaml").write_text(
        "sources:" + board_sources(board_url, "b", max_pages=8), encoding="utf-8"
    )
    setup_es(cfg_dir, es_url, prefix)
    return cfg_dir


def node_config(cfg: Path, tmp: Path, name: str, **cluster) -> Path:
    """A copy of ``cfg`` for one more node: its own var directory and ``cluster`` values."""
    out = tmp / name
    out.mkdir(parents=True, exist_ok=True)
    for f in cfg.iterdir():
        if f.is_file():
            (out / f.name).write_bytes(f.read_bytes())
    path = out / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["var_dir"] = str(tmp / f"{name}-var")
    settings["storage"]["path"] = str(tmp / f"{name}-var" / "yuqing.db")
    settings["cluster"] |= cluster
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return out


class Proc:
    """``python -m yuqing --config CFG ARGS`` in the background, its log in a file."""

    def __init__(
        self, cfg: Path, *args: str, log: Path, env: dict | None = None, module: str = "yuqing"
    ):
        self.log = log
        self.fh = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, "--config", str(cfg), "-v", *args],
            cwd=ROOT,
            stdout=self.fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 60) -> int:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.fh.close()
        return self.proc.returncode

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for(predicate, timeout: float, what: str, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
