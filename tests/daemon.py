"""``yuqing run`` as a real child process for the tests that need the daemon: started with
``-v`` (each job's run is logged), its stderr collected line by line in a thread."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start_daemon(cfg_dir: Path, *args: str) -> tuple[subprocess.Popen, list[str]]:
    """``yuqing -v --config cfg_dir run ARGS`` and the list its stderr lines are added to."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "yuqing", "-v", "--config", str(cfg_dir), "run", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lines.extend, args=(proc.stderr,), daemon=True)
    reader.start()
    proc.reader = reader  # type: ignore[attr-defined]
    return proc, lines
