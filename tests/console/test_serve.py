"""`yuqing serve` and `yuqing run` with `console.serve_in_run` as real processes: they
listen, answer, refuse to start without a secret, and stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import requests
import yaml

from tests.alerts.conftest import REPO, write_config
from tests.servers import free_port


def _config(tmp_path, **console):
    cdir = write_config(tmp_path, [])
    path = cdir / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["console"] = console
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return cdir


def _wait_for(url: str, proc, seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read())
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def _start(cdir, *args, secret="serve-test-secret-0123456789"):
    env = {**os.environ, "PYTHONPATH": str(REPO), "YUQING_CONSOLE_SECRET": secret}
    return subprocess.Popen(
        [sys.executable, "-m", "yuqing", "--config", str(cdir), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_listens_and_stops_on_sigterm(tmp_path):
    port = free_port()
    proc = _start(_config(tmp_path), "serve", "--port", str(port))
    page = _wait_for(f"http://127.0.0.1:{port}/login", proc)
    assert page.status_code == 200 and "网信办值班登录" in page.text
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_serve_without_a_secret_is_one_line(tmp_path):
    proc = _start(_config(tmp_path), "serve", "--port", str(free_port()), secret="")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.strip().splitlines() == [
        "error: console: set $YUQING_CONSOLE_SECRET to at least 16 random characters "
        "(it signs links and sessions)"
    ]


def test_serve_on_a_port_in_use_says_which(tmp_path):
    """`yuqing serve`, and `yuqing run` serving the console (where it was a traceback)."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        serve = _start(_config(tmp_path / "serve"), "serve", "--port", str(port))
        _, serve_err = serve.communicate(timeout=60)
        run = _start(_config(tmp_path / "run", serve_in_run=True, port=port), "run", "--no-crawl")
        _, run_err = run.communicate(timeout=120)
    line = f"error: console: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert serve.returncode == 1 and serve_err.strip().splitlines() == [line]
    assert run.returncode == 1 and run_err.strip().splitlines() == [line]


def test_run_serves_the_console_when_configured(tmp_path):
    port = free_port()
    cdir = _config(tmp_path, serve_in_run=True, port=port)
    proc = _start(cdir, "run", "--no-crawl")
    lines: list[str] = []
    reader = threading.Thread(target=lines.extend, args=(proc.stderr,), daemon=True)
    reader.start()
    assert _wait_for(f"http://127.0.0.1:{port}/login", proc).status_code == 200
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any("scheduler started" in x for x in lines):
        time.sleep(0.1)
    assert any(f"console serving at http://127.0.0.1:{port}/" in x for x in lines)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    reader.join(timeout=5)
    assert proc.returncode == 0, "".join(lines)[-2000:]
