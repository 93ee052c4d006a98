"""``yuqing status`` (``yuqing/app/health.py``): a real daemon's heartbeat and job record, a
job that fails while the SMTP server is down, sources, the outbox, the digest, and the
Prometheus text format."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from datetime import UTC, datetime, timedelta

import yaml
from click.testing import CliRunner

from tests.alerts.conftest import HOT, make_event
from tests.alerts.test_cli import caught_up
from tests.daemon import start_daemon
from tests.servers import free_port
from yuqing.app.health import JobLog, jobs_path, status
from yuqing.cli import cli
from yuqing.commands.status import label_value
from yuqing.storage.base import SourceState
from yuqing.timeutil import now

SOURCE = {"id": "board", "kind": "html", "urls": ["http://127.0.0.1:9/b/"], "interval": "1h"}


def _status(rig, *args):
    r = CliRunner().invoke(cli, ["--config", str(rig.cdir), "status", *args])
    return r.exit_code, r.output


def _daemon(rig):
    return start_daemon(rig.cdir, "--no-crawl")


def _stop(proc, lines):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.returncode == 0, "".join(lines)[-2000:]


def test_a_running_daemon_and_its_jobs(make_rig, smtp_sink):
    rig = make_rig([HOT])
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"], when=now()))
    code, out = _status(rig)
    assert code == 1 and "daemon: NOT RUNNING" in out and "has never run here" in out

    proc, lines = _daemon(rig)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (caught_up(lines) and smtp_sink.messages):
            time.sleep(0.1)
        assert caught_up(lines), "".join(lines)[-2000:]
        time.sleep(0.5)  # the listener records a job after its "executed" line
        code, out = _status(rig, "--format", "json")
        s = json.loads(out)
        assert s["daemon"]["running"] is True and s["daemon"]["pid"] == str(proc.pid)
        jobs = {j["job_id"]: j for j in s["jobs"]}
        for job in ("alerts_check", "delivery"):
            assert jobs[job]["runs"] >= 1 and jobs[job]["last_ok"] and not jobs[job]["failing"]
        assert s["outbox"]["sent"] == len(smtp_sink.messages) >= 1
        assert s["alerts_unresolved"] == 1 and s["problems"] == [] and code == 0
        code, out = _status(rig)
        assert code == 0 and out.startswith(f"daemon: running (pid {proc.pid}")
        assert "job alerts_check" in out and "no problems" in out
    finally:
        _stop(proc, lines)
    code, out = _status(rig)
    assert code == 1 and "the daemon (yuqing run) is not running" in out


def test_the_digest_owed_while_the_smtp_server_is_down(make_rig):
    """The daemon owes today's digest at start and cannot mail it: the job that tried logs
    the error and keeps running, the ledger keeps the retry, and status says so."""
    rig = make_rig([HOT], sink=None)
    settings = yaml.safe_load((rig.cdir / "settings.yaml").read_text(encoding="utf-8"))
    settings["smtp"]["port"] = free_port()  # nothing listens there
    settings["digest"] = {"recipients": ["duty@cac.gov.example"]}
    settings["schedule"] = {"digest_time": "00:00"}  # so today's digest is owed at start
    (rig.cdir / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    proc, lines = _daemon(rig)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any("digest failed" in x for x in lines):
            time.sleep(0.1)
        time.sleep(0.5)
        code, out = _status(rig, "--format", "json")
    finally:
        _stop(proc, lines)
    s = json.loads(out)
    # at start the catch-up and the delivery job may both try (a Monday owes the weekly
    # digest too): one failed try or more, each recorded in the ledger
    assert code == 1 and s["digest_attempts"] >= 1, "".join(lines)[-2000:]
    assert s["daemon"]["running"] and s["last_digest_at"] is None
    failed = f"the scheduled digest failed {s['digest_attempts']} time(s); next try after "
    assert any(p.startswith(failed) for p in s["problems"])


def test_a_job_that_raises_is_recorded_as_failing(tmp_path):
    """The listener on a real APScheduler: a job's runs, its success and its error."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from yuqing.app.health import attach

    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("SMTP 127.0.0.1:25: refused")

    with JobLog(tmp_path / "jobs.db") as log:
        sched = BackgroundScheduler()
        clock = lambda: datetime.now(UTC)  # noqa: E731 - microseconds: runs 0.2 s apart
        attach(sched, log, clock)
        sched.add_job(flaky, "interval", seconds=0.2, id="flaky", next_run_time=clock())
        sched.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(calls) < 3:
            time.sleep(0.05)
        sched.shutdown(wait=True)
        (job,) = log.jobs()
    assert job["job_id"] == "flaky" and job["runs"] >= 3 and job["failures"] == 1
    assert job["last_error"] == "RuntimeError: SMTP 127.0.0.1:25: refused"
    assert job["last_ok"] > job["last_error_at"]  # it succeeded again since: not failing


def test_sources_outbox_and_digest_problems(make_rig):
    rig = make_rig([HOT], sources=[SOURCE, {**SOURCE, "id": "portal"}])
    t = now()
    with JobLog(jobs_path(rig.cfg)) as log:  # a daemon up for two days, beating now
        log.started(t - timedelta(days=2), os.getpid())
        log.beat(t)
    rig.store.save_source_state(SourceState("board", last_crawl_at=t - timedelta(hours=4)))
    rig.store.save_source_state(
        SourceState("portal", last_crawl_at=t, healthy=False, last_error="HTTP 500")
    )
    s = status(rig.cfg, rig.store, rig.outbox, t)
    assert s.daemon["running"] and [x["late"] for x in s.sources] == [True, False]
    assert "source portal unhealthy: HTTP 500" in s.problems
    assert any(p.startswith("source board not crawled since") for p in s.problems)
    assert "no digest sent since the daemon started" not in s.problems  # no recipients
    rig.cfg.settings.digest.recipients = ["duty@cac.gov.example"]
    assert (
        "no digest sent since the daemon started"
        in status(rig.cfg, rig.store, rig.outbox, t).problems
    )

    # a message waiting for over an hour, and a dead one
    from yuqing.alerts.outbox import Target

    rig.outbox.enqueue("a1", "alert", "red", [Target("cac", "email", "x@example.com")], t)
    later = t + timedelta(hours=2)
    s = status(rig.cfg, rig.store, rig.outbox, later)
    assert s.outbox == {"pending": 1} and s.oldest_pending_s == 7200
    assert any("waiting in the outbox, the oldest for 2.0 h" in p for p in s.problems)


def test_prometheus_text_format(make_rig):
    rig = make_rig([HOT], sources=[{**SOURCE, "id": "board.1"}])
    with JobLog(jobs_path(rig.cfg)) as log:
        log.started(now(), os.getpid())
        log.job_started("delivery", now())
        log.job_done("delivery", now(), "SMTPError: down")
    code, out = _status(rig, "--format", "prometheus")
    assert code == 1  # the failing job
    sample = re.compile(
        r'^yuqing_[a-z_0-9]+(\{[a-z]+="(?:[^"\\]|\\.)*"(,[a-z]+="(?:[^"\\]|\\.)*")*\})? -?[0-9.e+]+$'
    )
    for line in out.splitlines():
        assert (
            line.startswith("# HELP yuqing_")
            or line.startswith("# TYPE yuqing_")
            or sample.match(line)
        ), line
    assert "yuqing_daemon_up 1" in out
    assert 'yuqing_job_failing{job="delivery"} 1' in out
    assert 'yuqing_job_failures_total{job="delivery"} 1' in out
    assert 'yuqing_source_healthy{source="board.1"} 1' in out
    assert "yuqing_problems 1" in out
    assert label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
