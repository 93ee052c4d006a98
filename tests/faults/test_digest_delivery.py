"""A digest that cannot be mailed (SMTP down at digest time) is tried again after the alerts'
retry backoff, and a missed day is sent when SMTP is back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import make_config
from tests.servers import smtp_sink  # noqa: F401 - the shared fixture
from yuqing.app.jobs import digest_due, digest_job
from yuqing.config import load_config
from yuqing.dashboards.mail import DigestDeliveryError

TZ = "+08:00"


def at(day: str, hhmm: str = "08:05") -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00{TZ}")


def daily_subjects(sink) -> list[str]:
    with sink.lock:
        return sorted(
            str(m["Subject"]) for _, m in sink.messages if "舆情日报" in str(m["Subject"])
        )


def test_a_failed_digest_is_retried_and_missed_days_are_sent(tmp_path, smtp_sink):  # noqa: F811
    cfg_dir = make_config(tmp_path, "http://127.0.0.1:9", smtp_port=smtp_sink.port)
    cfg = load_config(cfg_dir)
    # Tuesday 2026-11-24: the digest of Monday goes out
    digest_job(str(cfg_dir), now=at("2026-11-24"))
    assert daily_subjects(smtp_sink) == ["【舆情日报】2026-11-23"]
    # Wednesday: SMTP is down at digest time
    smtp_sink.stop()
    with pytest.raises(DigestDeliveryError):
        digest_job(str(cfg_dir), now=at("2026-11-25"))
    assert not digest_due(cfg, at("2026-11-25", "08:05") + timedelta(seconds=10))  # backoff
    assert digest_due(cfg, at("2026-11-25", "08:06"))  # tried again after it
    with pytest.raises(DigestDeliveryError):
        digest_job(str(cfg_dir), now=at("2026-11-25", "08:06"))
    assert not digest_due(cfg, at("2026-11-25", "08:06") + timedelta(seconds=45))  # doubled
    # Thursday: SMTP is back; Tuesday's digest, missed, goes out with Wednesday's
    smtp_sink.start()
    digest_job(str(cfg_dir), now=at("2026-11-26"))
    assert daily_subjects(smtp_sink) == [
        "【舆情日报】2026-11-23",
        "【舆情日报】2026-11-24",
        "【舆情日报】2026-11-25",
    ]
    assert not digest_due(cfg, at("2026-11-26", "09:00"))
    digest_job(str(cfg_dir), now=at("2026-11-26", "09:00"), force=True)  # nothing twice
    assert len(daily_subjects(smtp_sink)) == 3


def digests_together(cfg_dir, n: int = 3) -> list[object]:
    """``n`` scheduled digest runs started at the same moment (threads of the job pool), as
    at a daemon start: each run's result, or the exception it raised."""
    import threading

    outcomes: list[object] = []
    start = threading.Barrier(n)

    def job() -> None:
        start.wait()
        try:
            outcomes.append(digest_job(str(cfg_dir), now=at("2026-11-24")))
        except BaseException as exc:  # noqa: BLE001 - the caller asserts on it
            outcomes.append(exc)

    threads = [threading.Thread(target=job) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return outcomes


def test_scheduled_digests_started_together_send_each_digest_once(tmp_path, smtp_sink):  # noqa: F811
    """At a daemon start after digest time, the catch-up job and the delivery job's retry both
    find the digest due and run it at the same moment (two threads of the job pool): each
    digest still reaches each recipient once, and the archive index is written whole."""
    cfg_dir = make_config(tmp_path, "http://127.0.0.1:9", smtp_port=smtp_sink.port)
    outcomes = digests_together(cfg_dir)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert daily_subjects(smtp_sink) == ["【舆情日报】2026-11-23"]
    ids = smtp_sink.message_ids()
    assert len(ids) == len(set(ids))


def test_runs_that_waited_for_a_failing_digest_keep_its_backoff(tmp_path, smtp_sink):  # noqa: F811
    """SMTP down at digest time while three scheduled runs start together: one tries and fails;
    the two that waited for it do not fail again at once (that would double the backoff and
    mail nothing); the next try comes after the first failure's backoff."""
    from yuqing.dashboards.ledger import open_ledger

    cfg_dir = make_config(tmp_path, "http://127.0.0.1:9", smtp_port=smtp_sink.port)
    cfg = load_config(cfg_dir)
    smtp_sink.stop()
    outcomes = digests_together(cfg_dir)
    failures = [o for o in outcomes if isinstance(o, DigestDeliveryError)]
    skipped = [o for o in outcomes if isinstance(o, dict) and "retried after" in o["skipped"]]
    assert (len(failures), len(skipped)) == (1, 2), outcomes
    with open_ledger(cfg) as ledger:
        assert ledger.attempts == 1
    assert digest_due(cfg, at("2026-11-24", "08:06"))  # the first backoff, not a doubled one


def test_a_missing_smtp_password_is_named(tmp_path, smtp_sink, monkeypatch):  # noqa: F811
    """`smtp.username` set and `$YUQING_SMTP_PASSWORD` missing from the daemon's environment
    logged in with an empty password; the relay's "535 authentication failed" never said
    which variable was missing. The error names it, and nothing is sent."""
    import yaml

    from tests.conftest import run_cli

    cfg_dir = make_config(tmp_path, "http://127.0.0.1:9", smtp_port=smtp_sink.port)
    path = cfg_dir / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["smtp"]["username"] = "yuqing"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    monkeypatch.delenv("YUQING_SMTP_PASSWORD", raising=False)
    proc = run_cli("--config", str(cfg_dir), "digest", "--send")
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: digest: digest ") and (
        "smtp.username is 'yuqing' but $YUQING_SMTP_PASSWORD is not set" in last
    ), last
    assert smtp_sink.messages == []
