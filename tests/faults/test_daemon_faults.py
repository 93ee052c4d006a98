"""The daemon's pass: one per store at a time, and a failed step is an exit status, not a
traceback (SMTP that dies, a second `yuqing cycle` on the same store)."""

from __future__ import annotations

import subprocess
import sys
import time

import yaml

from tests.conftest import ROOT, run_cli
from tests.faults.boards import Board, BoardServer
from tests.faults.conftest import board_config
from tests.servers import free_port, smtp_sink  # noqa: F401 - the shared fixture
from yuqing.app.lock import lock_path
from yuqing.config import load_config


def digest_due_now(cfg) -> None:
    settings_file = cfg / "settings.yaml"
    settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
    settings["schedule"] = {"digest_time": "00:00"}
    settings_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")


def test_a_second_cycle_on_the_same_store_is_refused_with_a_clear_line(tmp_path, smtp_sink):  # noqa: F811
    with BoardServer(**{"c-api": Board(60), "c-html": Board(0)}) as srv:
        cfg = board_config(tmp_path, srv.url, board="c", smtp_port=smtp_sink.port)
        srv.delay = 0.5  # the first pass crawls for a few seconds
        first = subprocess.Popen(
            [sys.executable, "-m", "yuqing", "--config", str(cfg), "cycle"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lock = lock_path(load_config(cfg))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
            time.sleep(0.1)
        second = run_cli("--config", str(cfg), "cycle", "--no-crawl")
        out, err = first.communicate(timeout=300)
    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"error: another crawl/alert pass is running on this store (pid {first.pid}, "
        f"lock {lock}); try again when it has finished"
    )
    assert first.returncode == 0, err[-2000:]
    assert "database is locked" not in err


def test_a_cycle_whose_digest_cannot_be_mailed_reports_and_exits_non_zero(tmp_path):
    with BoardServer(**{"d-api": Board(5), "d-html": Board(0)}) as srv:
        cfg = board_config(tmp_path, srv.url, board="d", smtp_port=free_port())  # SMTP down
        digest_due_now(cfg)
        proc = run_cli("--config", str(cfg), "cycle", "--no-crawl")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("alerts: ")  # the pass summary is printed, in words
    assert proc.stdout.strip().endswith("; digest: failed") and "{" not in proc.stdout
    # one line says why (no log line repeating it, no Python class name)
    (line,) = [x for x in proc.stderr.splitlines() if "not delivered" in x]
    assert line.startswith("error: digest: digest ") and "127.0.0.1" in line


def test_a_cycle_that_mails_the_digest_says_so_in_words(tmp_path, smtp_sink):  # noqa: F811
    with BoardServer(**{"w-api": Board(2), "w-html": Board(0)}) as srv:
        cfg = board_config(tmp_path, srv.url, board="w", smtp_port=smtp_sink.port)
        digest_due_now(cfg)
        proc = run_cli("--config", str(cfg), "cycle", "--no-crawl")
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = proc.stdout.strip()
    assert "; digest: " in summary and "{" not in summary  # once a Python dict's repr
    assert "archived, sent to 1 recipient(s)" in summary
    assert any("【舆情日报】" in m["Subject"] for _, m in smtp_sink.messages)
