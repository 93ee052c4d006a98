"""The NLP worker processes (crawlers/nlp_pool.py): forked from the crawl's loaded analyzer,
and the warm NLP process's garbage-collector settings (checked in a child process so the test
process's own collector is left as it is)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from yuqing.config import load_config
from yuqing.crawlers.nlp_pool import analyze_in, start_pool
from yuqing.nlp.analyzer import PostAnalyzer

REPO = Path(__file__).resolve().parents[2]

CHILD = r"""
import gc, json
before = gc.get_threshold()
from yuqing.crawlers.nlp_pool import settle_collector
kept = [{"k": i} for i in range(1000)]  # loaded before: frozen
settle_collector()
print(json.dumps({"before": before, "after": gc.get_threshold(),
                  "frozen": gc.get_freeze_count()}))
"""


def test_settling_freezes_what_is_loaded_and_raises_the_young_threshold():
    out = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    got = json.loads(out.stdout)
    assert got["before"][0] < 20_000
    assert got["after"][0] == 20_000
    assert got["after"][1:] == got["before"][1:]  # the older generations' ratios unchanged
    assert got["frozen"] >= 1000


def test_workers_forked_from_the_crawls_analyzer_load_no_models_of_their_own(tmp_path):
    """The crawl has loaded and warmed its analyzer before the reactor starts; its workers are
    forked from it and answer at once. A worker loading its own models would read them from
    the configuration directory, which here does not exist: it could not start."""
    analyzer = PostAnalyzer.from_config(load_config(REPO / "config"))
    titles = ["关于某小区长期拖欠农民工工资的投诉", "道路积水严重"]
    texts = ["工地老板拖欠工资半年，多次讨薪无果，请有关部门处理。", "雨后路面积水，行人无法通过。"]
    want = analyzer.analyze_texts(titles, texts)
    nowhere = SimpleNamespace(dir=tmp_path / "no-such-config")
    pool = start_pool(nowhere, 1, analyzer)
    assert pool is not None
    try:
        got = analyze_in(pool, titles, texts).result(timeout=120)
    finally:
        pool.shutdown()
    assert got == want
    assert [a.category_proba for a in got] == [a.category_proba for a in want]
