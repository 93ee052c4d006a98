"""``yuqing run`` over a job store written by an older version: the store is replaced on start."""

from __future__ import annotations

import os
import pickle
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from yuqing.app.scheduler import JOBS

REPO = Path(__file__).resolve().parents[2]
#: written by ``build_scheduler`` of the release where the jobs lived in ``yuqing.alerts.jobs``
OLD_STORE = Path(__file__).with_name("data") / "pre_app_scheduler.db"


def job_refs(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, job_state FROM apscheduler_jobs").fetchall()
    return {job_id: pickle.loads(state)["func"] for job_id, state in rows}


def test_the_fixture_holds_the_old_references():
    refs = job_refs(OLD_STORE)
    assert refs["crawl"] == "yuqing.alerts.jobs:crawl_job"
    assert all(r.startswith("yuqing.alerts.jobs:") for r in refs.values())


def test_run_replaces_a_job_store_with_old_references(tmp_path):
    cdir = tmp_path / "config"
    cdir.mkdir()
    settings = {"var_dir": "var", "storage": {"path": "var/yuqing.db"}}
    (cdir / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    (tmp_path / "var").mkdir()
    shutil.copy(OLD_STORE, tmp_path / "var" / "scheduler.db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "yuqing", "--config", str(cdir), "run", "--no-crawl"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lines.extend, args=(proc.stderr,), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("scheduler started" in x for x in lines):
        time.sleep(0.1)
    time.sleep(1.0)  # the jobs due at start run
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    reader.join(timeout=5)
    log = "".join(lines)
    assert proc.returncode == 0, log[-3000:]
    assert "scheduler stopped" in log
    assert "Traceback" not in log and "Unable to restore" not in log, log[-3000:]
    refs = job_refs(tmp_path / "var" / "scheduler.db")
    assert "crawl" not in refs  # --no-crawl: the old crawl job is gone, not kept running
    assert set(refs) <= set(JOBS) | {"digest", "digest_catchup", "events_rebuild"}
    assert refs and all(r.startswith("yuqing.app.jobs:") for r in refs.values()), refs
