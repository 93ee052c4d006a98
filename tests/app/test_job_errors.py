"""A scheduled job's expected failure (SMTP down, Elasticsearch down) is one log line saying
which job failed and why, as the CLI prints a YuqingError; the traceback only with ``-v``.
Unexpected exceptions keep their traceback."""

from __future__ import annotations

import logging
import signal
import threading
import time

import pytest
import yaml

from tests.conftest import make_config
from tests.daemon import start_daemon
from tests.servers import free_port


def _settings(cfg_dir, **changes) -> None:
    path = cfg_dir / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        settings[key] = {**settings.get(key, {}), **value}
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")


def _smtp_down(tmp_path):
    """The shipped config with nothing listening on the SMTP port and the digest due now."""
    cfg_dir = make_config(tmp_path, "http://127.0.0.1:9", smtp_port=free_port())
    _settings(cfg_dir, schedule={"digest_time": "00:00"})
    return cfg_dir


@pytest.mark.parametrize("verbose", [False, True])
def test_yuqing_run_reports_a_failed_digest_in_one_line(tmp_path, verbose):
    cfg_dir = _smtp_down(tmp_path)
    proc, lines = start_daemon(cfg_dir, "--no-crawl", verbose=verbose)

    def failures() -> list[str]:
        # at start the catch-up job and the delivery job both find the digest due: one tries,
        # the other finds the failed try's backoff (tests/faults/test_digest_delivery.py)
        return [x for x in lines if "digest_catchup failed" in x or "digest failed" in x]

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not failures():
        time.sleep(0.1)
    time.sleep(1.0)  # the other job's run, had it tried too
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    proc.reader.join(timeout=5)
    log = "".join(lines)
    assert proc.returncode == 0, log[-3000:]
    (failed,) = failures()
    assert (
        " ERROR apscheduler.executors.default: job digest_catchup failed: digest: " in failed
        or " ERROR yuqing.app.jobs: digest failed (retried later): digest: " in failed
    ), failed
    assert "127.0.0.1" in failed  # where: the SMTP server that did not answer
    assert "raised an exception" not in log
    if verbose:  # -v: the traceback follows the line, as the CLI's -v shows it
        assert "Traceback (most recent call last)" in log and "DigestDeliveryError" in log
    else:
        assert "Traceback" not in log, log[-3000:]


def test_in_the_scheduler_an_outage_is_one_line_and_a_bug_keeps_its_traceback(tmp_path, caplog):
    """Elasticsearch down: the store's jobs fail with one line each; a job that raises
    something unexpected (ZeroDivisionError here) is logged with its traceback."""
    from apscheduler.events import EVENT_JOB_ERROR

    from yuqing.app.scheduler import build_scheduler, stop_cleanly
    from yuqing.config import load_config

    cfg_dir = make_config(tmp_path, "http://127.0.0.1:9")
    dead = f"http://127.0.0.1:{free_port()}"
    _settings(cfg_dir, storage={"backend": "elasticsearch", "elasticsearch": {"url": dead}})
    caplog.set_level(logging.WARNING)
    failed: dict[str, threading.Event] = {
        j: threading.Event() for j in ("alerts_check", "storage_maintenance", "bug")
    }
    sched = build_scheduler(load_config(cfg_dir), crawl=False)
    sched.add_job("operator:truediv", "date", args=[1, 0], id="bug")
    sched.add_listener(
        lambda e: failed[e.job_id].set() if e.job_id in failed else None, EVENT_JOB_ERROR
    )
    sched.start()
    try:
        for job_id, event in failed.items():
            assert event.wait(120), job_id
    finally:
        stop_cleanly(sched)
    records = [r for r in caplog.records if r.name == "apscheduler.executors.default"]
    by_job = {r.getMessage().split()[1]: r for r in records if r.levelno == logging.ERROR}
    for job_id in ("alerts_check", "storage_maintenance"):
        record = by_job[job_id]
        assert record.getMessage().startswith(f"job {job_id} failed: storage: elasticsearch")
        assert dead in record.getMessage() and record.exc_info is None
    bug = next(r for r in records if 'Job "truediv' in r.getMessage())
    assert "raised an exception" in bug.getMessage()
    assert bug.exc_info is not None and bug.exc_info[0] is ZeroDivisionError
