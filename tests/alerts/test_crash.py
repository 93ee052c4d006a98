"""The delivery worker killed with SIGKILL mid-batch, then restarted: every message arrives,
and at most the one in flight when the process died arrives twice (same Message-ID)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from tests.alerts.conftest import REPO, make_event
from yuqing.alerts.settings import AlertSettings, RateLimit, RetrySettings
from yuqing.mail import message_id

WORKER = """
import sys, time
from yuqing.alerts.delivery import Deliverer
from yuqing.alerts.outbox import Outbox
from yuqing.alerts.settings import AlertSettings
from yuqing.config import load_config
from yuqing.storage.sqlite import SQLiteStore
cfg = load_config(sys.argv[1])
settings = AlertSettings.model_validate_json(sys.argv[2])
store = SQLiteStore(cfg.path(cfg.settings.storage.path))
outbox = Outbox(cfg.path(settings.outbox_path))
d = Deliverer(cfg, store, outbox, settings)
while outbox.counts().get("pending"):
    d.run_once()
    time.sleep(0.2)
print("done", flush=True)
"""


def start_worker(rig):
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(rig.cdir), rig.settings.model_dump_json()],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_mid_batch_then_restart(make_rig, smtp_sink):
    settings = AlertSettings(
        rate_limit=RateLimit(max_messages=1000), retry=RetrySettings(lease="2s", base="1s")
    )
    rig = make_rig(
        [{"id": "hot", "type": "hotness", "level": "yellow", "options": {"threshold": 50}}],
        settings=settings,
    )
    from yuqing.timeutil import now

    t = now()
    for i in range(20):
        rig.store.upsert_event(make_event(f"e{i}", focus=["real_estate_finance"], when=t))
    result = rig.engine().check(t - timedelta(seconds=1))
    assert len(result.created) == 20
    expected = {message_id(r.alert_id, r.recipient) for r in rig.outbox.rows()}
    assert len(expected) == 60  # 20 alerts x 3 departments

    smtp_sink.delay = 0.05
    worker = start_worker(rig)
    deadline = time.monotonic() + 30
    while len(smtp_sink.messages) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert worker.returncode == -signal.SIGKILL
    got_before = len(smtp_sink.messages)
    assert 20 <= got_before < 60, "the kill must land mid-batch"

    smtp_sink.delay = 0.0
    worker = start_worker(rig)  # restart: waits out the lease
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err.decode()[-2000:]

    ids = smtp_sink.message_ids()
    assert set(ids) == expected  # none lost
    assert len(ids) - len(set(ids)) <= 1  # at most the in-flight one twice
    assert rig.outbox.counts() == {"sent": 60}
