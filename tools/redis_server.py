#!/usr/bin/env python3
"""Run a throwaway Redis server (Debian's ``redis-server``) on loopback for tests and
benchmarks. Standard library only.

    python3 tools/redis_server.py run [--port 6379]   # in the foreground (Ctrl-C stops)

The server: 127.0.0.1 only, no password (loopback), the append-only file on with an fsync every
second (as a production frontier would run, see docs/operations.md), no RDB snapshots, data in
a temporary directory. ``make sysdeps`` installs ``redis-server`` when it is missing and we are
root.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from tools.ports import server_port as free_port
    from tools.procs import die_with_parent
except ImportError:  # run as a script: tools/ itself is on sys.path
    from ports import server_port as free_port  # type: ignore[no-redef]
    from procs import die_with_parent  # type: ignore[no-redef]

INSTALL_HINT = "install Debian's redis-server (make sysdeps does, as root)"


class RedisServerError(RuntimeError):
    pass


def binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


class RedisServer:
    """One server on 127.0.0.1:port; ``start()`` waits until it answers PING."""

    def __init__(self, port: int | None = None, workdir: Path | None = None):
        self.port = port or free_port()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="yuqing-redis-"))
        self.proc: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        exe = binary()
        if exe is None:
            raise RedisServerError(f"redis-server not found: {INSTALL_HINT}")
        return [
            exe,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--logfile", str(self.workdir / "redis.log"),
        ]  # fmt: skip

    def start(self, timeout: float = 20.0) -> RedisServer:
        self.proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RedisServerError(f"redis-server exited with {self.proc.returncode}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RedisServerError(f"redis-server not answering after {timeout:.0f}s")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, cleanup: bool = True) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if cleanup:
            shutil.rmtree(self.workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run a server in the foreground")
    run.add_argument("--port", type=int, default=6379)
    args = parser.parse_args(argv)
    try:
        server = RedisServer(port=args.port).start()
    except RedisServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Redis on {server.url} (data in {server.workdir})", flush=True)

    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        return server.proc.wait() if server.proc else 1
    except KeyboardInterrupt:
        server.stop()
        return 0


if __name__ == "__main__":
    sys.exit(main())
