"""The harness's servers end with the process that started them (tools/procs.py): a test
run killed outright cannot run its fixtures' teardown."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.redis_server import binary

ROOT = Path(__file__).resolve().parents[1]

STARTER = """
import sys, time
sys.path.insert(0, {root!r})
from tools.redis_server import RedisServer
server = RedisServer().start()
print(server.proc.pid, flush=True)
time.sleep(120)
"""


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(binary() is None, reason="redis-server not installed")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal: Linux")
def test_a_server_ends_when_its_starter_is_killed():
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER.format(root=str(ROOT))], stdout=subprocess.PIPE, text=True
    )
    try:
        pid = int(starter.stdout.readline())
        os.kill(pid, 0)  # serving while its starter lives
        starter.send_signal(signal.SIGKILL)  # no teardown, no atexit
        starter.wait()
        assert _gone(pid, within=20), f"redis-server {pid} outlived its killed starter"
    finally:
        if starter.poll() is None:
            starter.kill()
