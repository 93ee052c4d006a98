"""The scheduler's daily storage-maintenance job: rollover + retention on Elasticsearch,
nothing to do on SQLite."""

from __future__ import annotations

import yaml

from tests.conftest import make_config
from yuqing.app.jobs import maintain_job
from yuqing.app.scheduler import JOBS


def _config(tmp_path, es_url=None):
    cfg = make_config(tmp_path, "http://127.0.0.1:9")
    if es_url:
        path = cfg / "settings.yaml"
        settings = yaml.safe_load(path.read_text(encoding="utf-8"))
        settings["storage"].update(
            backend="elasticsearch", elasticsearch={"url": es_url, "index_prefix": "maint"}
        )
        path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return cfg


def test_maintenance_is_a_daily_scheduler_job():
    assert JOBS["storage_maintenance"] == ("yuqing.app.jobs:maintain_job", 86400)


def test_sqlite_needs_no_maintenance(tmp_path):
    assert maintain_job(str(_config(tmp_path))) == {"skipped": "sqlite needs no maintenance"}


def test_elasticsearch_rollover_and_retention_run(tmp_path, es_url):
    result = maintain_job(str(_config(tmp_path, es_url)))
    assert set(result) == {"rolled_over", "deleted", "places"}
    assert result["deleted"] == [] and result["places"] == 0
