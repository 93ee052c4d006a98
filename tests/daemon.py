"""``yuqing run`` as a real child process for the tests that need the daemon: started with
``-v`` unless asked not to (each job's run is logged), its stderr collected line by line in a
thread (``proc.reader``)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def start_daemon(
    cfg_dir: Path, *args: str, verbose: bool = True
) -> tuple[subprocess.Popen, list[str]]:
    """``yuqing [-v] --config cfg_dir run ARGS`` and the list its stderr lines are added to."""
    flags = ["-v"] if verbose else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "yuqing", *flags, "--config", str(cfg_dir), "run", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,  # it logs to stderr; an unread pipe could fill
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lines.extend, args=(proc.stderr,), daemon=True)
    reader.start()
    proc.reader = reader  # type: ignore[attr-defined]
    return proc, lines
