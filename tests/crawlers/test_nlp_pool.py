"""The warm NLP process's garbage-collector settings (crawlers/nlp_pool.py), checked in a
child process so the test process's own collector is left as it is."""

from __future__ import annotations

import json
import subprocess
import sys

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
