"""``yuqing run`` over a job store written by an older version: the store is replaced on start."""

from __future__ import annotations

import pickle
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.daemon import start_daemon
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
    proc, lines = start_daemon(cdir, "--no-crawl")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any("executed successfully" in x for x in lines):
        time.sleep(0.1)  # the jobs due at start run (-v logs each)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    proc.reader.join(timeout=5)
    log = "".join(lines)
    assert proc.returncode == 0, log[-3000:]
    assert "scheduler stopped" in log and "executed successfully" in log
    assert "Traceback" not in log and "Unable to restore" not in log, log[-3000:]
    refs = job_refs(tmp_path / "var" / "scheduler.db")
    assert "crawl" not in refs  # --no-crawl: the old crawl job is gone, not kept running
    assert set(refs) <= set(JOBS) | {"digest", "digest_catchup", "events_rebuild"}
    assert refs and all(r.startswith("yuqing.app.jobs:") for r in refs.values()), refs


def test_stopping_during_a_job_pass_leaves_no_error(tmp_path, monkeypatch):
    """SIGTERM while the scheduler's first pass is still submitting the jobs due at start.
    APScheduler's own ``shutdown`` marks the scheduler stopped before taking the job-store
    lock, so that pass then failed to remove the one-off ``digest_catchup`` it had just run
    (JobLookupError, and ``yuqing run`` exited 1); :func:`stop_cleanly` lets the pass end."""
    from apscheduler.schedulers.base import STATE_PAUSED, STATE_STOPPED
    from apscheduler.triggers.date import DateTrigger

    from yuqing.app.scheduler import build_scheduler, stop_cleanly
    from yuqing.config import load_config

    cdir = tmp_path / "config"
    cdir.mkdir()
    settings = {"var_dir": "var", "storage": {"path": "var/yuqing.db"}}
    (cdir / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    in_pass, release = threading.Event(), threading.Event()
    next_fire_time = DateTrigger.get_next_fire_time

    def held(trigger, previous, now):  # in the pass: between submitting the job and removing it
        if previous is not None:
            in_pass.set()
            release.wait(60)
        return next_fire_time(trigger, previous, now)

    monkeypatch.setattr(DateTrigger, "get_next_fire_time", held)
    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda a: errors.append(a.exc_value))
    sched = build_scheduler(load_config(cdir), crawl=False)
    sched.start()
    assert in_pass.wait(60)
    stopper = threading.Thread(target=stop_cleanly, args=(sched,))
    stopper.start()
    deadline = time.monotonic() + 30
    while sched.state != STATE_PAUSED and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    stopper.join(120)  # shutdown joins the scheduler's thread: it ended without an exception
    assert not stopper.is_alive()
    assert sched.state == STATE_STOPPED and errors == []


def test_run_exits_when_the_scheduler_thread_dies(tmp_path, monkeypatch):
    """The jobs run in the scheduler's own thread: should its loop raise (a job store that
    cannot be written, say), ``yuqing run`` ends with an error instead of idling without jobs."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from yuqing.app.scheduler import run
    from yuqing.config import load_config

    cdir = tmp_path / "config"
    cdir.mkdir()
    settings = {"var_dir": "var", "storage": {"path": "var/yuqing.db"}}
    (cdir / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")

    def broken(self):
        raise OSError("job store gone")

    errors: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda a: errors.append(a.exc_value))
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # keep pytest's own handlers
    monkeypatch.setattr(BackgroundScheduler, "_process_jobs", broken)
    with pytest.raises(RuntimeError, match="scheduler's thread ended"):
        run(load_config(cdir), crawl=False)
    assert [str(e) for e in errors] == ["job store gone"]


def test_the_daemon_looks_for_due_sources_as_often_as_the_shortest_interval(tmp_path):
    """`schedule.crawl` (1h by default) capped every source: a board configured `interval: 5m`
    was crawled hourly by `yuqing run`; and a look that came a second early for a source
    found it not due and left it for the next look."""
    from datetime import timedelta

    from yuqing.app.scheduler import build_scheduler, crawl_period
    from yuqing.config import load_config
    from yuqing.crawlers.runner import due_sources
    from yuqing.storage import open_store
    from yuqing.timeutil import now

    cdir = tmp_path / "config"
    cdir.mkdir()
    settings = {"var_dir": "var", "storage": {"path": "var/yuqing.db"}}
    (cdir / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    source = {"kind": "feed", "channel": "weibo", "urls": ["http://127.0.0.1:9/feed.xml"]}
    sources = [
        {"id": "board", "interval": "5m", **source},
        {"id": "portal", "interval": "1h", **source},
        {"id": "off", "interval": "1m", "enabled": False, **source},
    ]
    (cdir / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), encoding="utf-8")
    cfg = load_config(cdir)
    assert crawl_period(cfg) == 300
    sched = build_scheduler(cfg)
    assert sched.get_job("crawl").trigger.interval == timedelta(minutes=5)
    assert sched.get_job("alerts_check").trigger.interval == timedelta(minutes=5)
    with open_store(cfg) as store:
        at = now(cfg.settings.timezone)
        for sid, age in (("board", timedelta(minutes=5, seconds=-2)), ("portal", timedelta(0))):
            state = store.get_source_state(sid)
            state.last_crawl_at = at - age
            store.save_source_state(state)
        due, skipped = due_sources(cfg, store, at)
    assert [s.id for s in due] == ["board"] and skipped == ["portal"]
