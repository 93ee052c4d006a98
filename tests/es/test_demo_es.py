"""`yuqing demo --storage elasticsearch` fills the indices the Kibana saved objects use."""

from __future__ import annotations

import json

from elasticsearch import Elasticsearch

from tests.conftest import ROOT, run_cli

KIBANA = ROOT / "dashboards" / "kibana" / "yuqing.ndjson"


def test_demo_fills_the_indices_kibana_expects(es_url, tmp_path):
    proc = run_cli(
        "--config",
        str(ROOT / "config"),
        "demo",
        "--out",
        str(tmp_path / "d"),
        "--storage",
        "elasticsearch",
        "--es-url",
        es_url,
        check=True,
    )
    assert f"store:          {es_url}" in proc.stdout
    es = Elasticsearch(es_url)
    es.indices.refresh(index="yuqing-*")
    patterns = [
        json.loads(line)["attributes"]["title"]
        for line in KIBANA.read_text().splitlines()
        if line.strip() and json.loads(line)["type"] == "index-pattern"
    ]
    assert patterns, "no data views in the Kibana objects"
    for pattern in patterns:
        assert es.count(index=pattern)["count"] > 0, pattern
    posts = es.search(index="yuqing-posts*", size=1, query={"match_phrase": {"title": "拖欠"}})
    assert posts["hits"]["total"]["value"] > 0
