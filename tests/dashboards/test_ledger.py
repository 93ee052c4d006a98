"""The digest ledger: its own file, each digest to each recipient once, and the state an
older version kept in the alerts outbox carried over."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

from tests.dashboards.conftest import NOW, write_config
from yuqing.app.jobs import digest_due
from yuqing.config import load_config
from yuqing.dashboards.digest import build, run_scheduled_digest
from yuqing.dashboards.ledger import open_ledger
from yuqing.dashboards.mail import send
from yuqing.dashboards.period import daily

DUTY, LEAD = "duty@cac.gov.example", "lead@gov.example"


def test_digest_state_lives_in_its_own_file(filled, smtp_sink, tmp_path):
    cfg = load_config(write_config(tmp_path, smtp_port=smtp_sink.port))
    run_scheduled_digest(cfg, NOW)
    assert cfg.path(cfg.settings.digest.state_path).is_file()
    with open_ledger(cfg) as ledger:
        assert ledger.was_sent("2026-11-21", DUTY) and ledger.was_sent("2026-11-21", DUTY.upper())
        assert not ledger.was_sent("2026-11-20", DUTY)
    assert not cfg.path(cfg.settings.alerts.outbox_path).exists()  # no alerts state touched


def test_state_an_older_version_left_in_the_outbox_is_carried_over(filled, smtp_sink, tmp_path):
    _, store = filled
    cfg = load_config(write_config(tmp_path, smtp_port=smtp_sink.port, recipients=[DUTY, LEAD]))
    outbox = cfg.path(cfg.settings.alerts.outbox_path)
    outbox.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(outbox)) as db:  # the outbox's meta table as it was
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executemany(
            "INSERT INTO meta VALUES (?,?)",
            [
                (f"digest:2026-11-21:{DUTY}", "2026-11-22T08:00:00+08:00"),
                ("digest_last", "2026-11-22"),
            ],
        )
        db.commit()
    assert not digest_due(cfg, NOW)  # the scheduled digest already ran today
    report = send(cfg, build(cfg, store, daily(date(2026, 11, 21), cfg.settings.timezone), NOW))
    assert report.skipped == [DUTY] and report.sent == [LEAD]
    assert [m["To"] for _, m in smtp_sink.messages] == [LEAD]
    assert digest_due(cfg, NOW.replace(day=23))  # a new day is due again
