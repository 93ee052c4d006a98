"""``yuqing es setup | retention | status`` and ``open_store`` with backend elasticsearch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.es.helpers import posts
from yuqing.cli import cli
from yuqing.config import load_config
from yuqing.storage import open_store
from yuqing.storage.elastic import ElasticStore

ROOT = Path(__file__).resolve().parents[2]


def es_config(tmp_path: Path, url: str, prefix: str) -> Path:
    cfg = tmp_path / "config"
    shutil.copytree(ROOT / "config", cfg)
    text = (cfg / "settings.yaml").read_text(encoding="utf-8")
    text = text.replace("backend: sqlite", "backend: elasticsearch")
    text = text.replace("url: http://127.0.0.1:9200", f"url: {url}")
    text = text.replace("index_prefix: yuqing", f"index_prefix: {prefix}")
    text = text.replace("path: var/yuqing.db", f"path: {tmp_path / 'store.db'}")
    (cfg / "settings.yaml").write_text(text, encoding="utf-8")
    return cfg


def yuqing(cfg: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(cfg), "es", *args])


def test_setup_then_unchanged_then_status_and_retention(es_url, es_prefix, tmp_path):
    cfg = es_config(tmp_path, es_url, es_prefix)
    first = yuqing(cfg, "setup")
    assert first.exit_code == 0, first.output
    assert f"template {es_prefix}-posts: created" in first.output
    assert f"index {es_prefix}-posts-000001: created" in first.output
    again = yuqing(cfg, "setup")
    assert again.output.count(": unchanged") == 6 and "index" not in again.output
    status = yuqing(cfg, "status")
    assert f"{es_prefix}-posts  {es_prefix}-posts-000001  0 docs" in status.output
    dry = yuqing(cfg, "retention", "--dry-run")
    assert dry.exit_code == 0 and "0 index(es) would delete" in dry.output
    forced = yuqing(cfg, "retention", "--force-rollover")
    assert f"rolled over {es_prefix}-posts-write -> {es_prefix}-posts-000002" in forced.output


def test_unreachable_cluster_is_a_one_line_error(tmp_path, es_prefix):
    cfg = es_config(tmp_path, "http://127.0.0.1:9", es_prefix)
    result = yuqing(cfg, "setup")
    assert result.exit_code == 1
    assert result.output == (
        "error: storage: elasticsearch at http://127.0.0.1:9: unreachable (Connection refused)\n"
    )


def test_crawl_of_a_named_source_with_the_cluster_down_is_one_line(tmp_path):
    """`yuqing crawl --source X` reads X's state while Scrapy builds its spider: with the
    cluster down that failed inside a Deferred, so the error line was followed by Twisted's
    "Unhandled error in Deferred" and two tracebacks."""
    from tests.conftest import run_cli

    cfg = es_config(tmp_path, "http://127.0.0.1:9", "down")
    (cfg / "sources.yaml").write_text(
        "sources:\n  - {id: feed, kind: feed, urls: ['http://127.0.0.1:9/feed.xml']}\n",
        encoding="utf-8",
    )
    proc = run_cli("--config", str(cfg), "crawl", "--source", "feed")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "error: storage: elasticsearch at http://127.0.0.1:9 is unreachable (0 write(s) "
        "spooled); cannot read source-state"
    ), proc.stderr[-3000:]


def test_open_store_dispatches_to_elasticsearch(es_url, es_prefix, tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_ES_API_KEY", "")
    store = open_store(load_config(es_config(tmp_path, es_url, es_prefix)))
    assert isinstance(store, ElasticStore)
    assert store.spool.path == tmp_path / "store.es-spool.db"
    assert store.upsert_posts(posts(3))["new"] == 3
    store.flush()
    assert store.count_posts() == 3
    store.close()


def test_ca_file_needs_https(tmp_path, es_prefix):
    from yuqing.storage import StorageError

    cfg = es_config(tmp_path, "http://127.0.0.1:9", es_prefix)
    text = (cfg / "settings.yaml").read_text(encoding="utf-8")
    (cfg / "settings.yaml").write_text(
        text.replace(
            f"index_prefix: {es_prefix}", f"index_prefix: {es_prefix}\n    ca_file: ca.pem"
        ),
        encoding="utf-8",
    )
    with pytest.raises(StorageError, match="use an https:// url"):
        open_store(load_config(cfg))
