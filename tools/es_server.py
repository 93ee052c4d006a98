#!/usr/bin/env python3
"""Fetch and run a throwaway Elasticsearch node (the integ-test distribution) for tests,
benchmarks and local use. Standard library only.

    python3 tools/es_server.py fetch        # download with Maven into .cache/es, unzip once
    python3 tools/es_server.py run [--port 9200]   # a node in the foreground (Ctrl-C stops)

The distribution is ``org.elasticsearch.distribution.integ-test-zip:elasticsearch:<ver>:zip``
from Maven's default remote repository (``$YUQING_ES_VERSION`` overrides the version). It runs
on the machine's Java (``$ES_JAVA_HOME`` or ``$JAVA_HOME`` or ``java`` on PATH). The node:
loopback only, security off, single-node discovery, 512 MB heap, data and logs in a temporary
directory. Elasticsearch refuses to run as root, so as root the node runs as ``nobody``
(setpriv) with its directories handed to that user.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ES_VERSION = os.environ.get("YUQING_ES_VERSION", "8.19.21")
ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("YUQING_ES_CACHE") or ROOT / ".cache" / "es")
ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
NOBODY = 65534
INSTALL_HINT = (
    "install Java 17+ and Maven (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless "
    "maven), or set ES_JAVA_HOME"
)


class EsServerError(RuntimeError):
    pass


def java_home() -> str | None:
    for var in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(var) and (Path(os.environ[var]) / "bin" / "java").exists():
            return os.environ[var]
    java = shutil.which("java")
    return str(Path(java).resolve().parent.parent) if java else None


def missing_tools(need_maven: bool) -> list[str]:
    missing = [] if java_home() else ["java"]
    if need_maven and not shutil.which("mvn"):
        missing.append("mvn")
    return missing


def home(version: str = ES_VERSION) -> Path:
    return CACHE / f"elasticsearch-{version}"


def fetch(version: str = ES_VERSION, quiet: bool = True) -> Path:
    """The unzipped distribution, fetching it with Maven the first time."""
    target = home(version)
    if (target / "bin" / "elasticsearch").exists():
        return target
    archive = CACHE / f"elasticsearch-{version}.zip"
    if not archive.exists():
        if not shutil.which("mvn"):
            raise EsServerError(f"Maven (mvn) not found: {INSTALL_HINT}")
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [
            "mvn",
            "-B",
            "-Dstyle.color=never",
            "dependency:copy",
            f"-Dartifact={ARTIFACT.format(version=version)}",
            f"-DoutputDirectory={CACHE}",
        ]
        if quiet:
            cmd.insert(1, "-q")
        if subprocess.run(cmd).returncode != 0 or not archive.exists():
            raise EsServerError(f"mvn could not fetch Elasticsearch {version}")
    tmp = Path(tempfile.mkdtemp(dir=CACHE, prefix="unzip-"))
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, tmp))
            mode = (info.external_attr >> 16) & 0o777  # zipfile drops permission bits
            path.chmod(mode or (0o755 if info.is_dir() else 0o644))
    (tmp / target.name).rename(target)
    tmp.rmdir()
    return target


def _world_traversable(path: Path) -> bool:
    return all(p.stat().st_mode & 0o005 == 0o005 for p in [path, *path.parents])


def runnable_home(version: str = ES_VERSION) -> Path:
    """The distribution, somewhere ``nobody`` can read it when we run as root (a checkout in
    a private directory gets a copy under the system temporary directory)."""
    es_home = fetch(version)
    if os.geteuid() != 0 or _world_traversable(es_home):
        return es_home
    copy = Path(tempfile.gettempdir()) / f"yuqing-es-dist-{version}"
    if not (copy / "bin" / "elasticsearch").exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(es_home, copy)
    return copy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EsNode:
    """One node on 127.0.0.1:port; ``start()`` waits for yellow/green, ``stop()`` ends it."""

    def __init__(
        self,
        port: int | None = None,
        workdir: Path | None = None,
        version: str = ES_VERSION,
        heap: str = "512m",
    ):
        self.port = port or free_port()
        self.version = version
        self.heap = heap
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="yuqing-es-"))
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def _prepare(self) -> dict[str, str]:
        es_home = self.es_home = runnable_home(self.version)
        conf = self.workdir / "config"
        if conf.exists():
            shutil.rmtree(conf)
        shutil.copytree(es_home / "config", conf)
        for sub in ("data", "logs", "tmp"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        with open(conf / "elasticsearch.yml", "a", encoding="utf-8") as f:
            f.write(
                "\n".join(
                    [
                        "",
                        "cluster.name: yuqing-test",
                        "node.name: yuqing-test-node",
                        "discovery.type: single-node",
                        "xpack.security.enabled: false",
                        "network.host: 127.0.0.1",
                        f"http.port: {self.port}",
                        "transport.port: 0",
                        f"path.data: {self.workdir / 'data'}",
                        f"path.logs: {self.workdir / 'logs'}",
                        "cluster.routing.allocation.disk.threshold_enabled: false",
                        "action.destructive_requires_name: false",
                        "",
                    ]
                )
            )
        jh = java_home()
        if jh is None:
            raise EsServerError(f"java not found: {INSTALL_HINT}")
        env = dict(
            os.environ,
            ES_JAVA_HOME=jh,
            ES_PATH_CONF=str(conf),
            ES_TMPDIR=str(self.workdir / "tmp"),
            HOME=str(self.workdir / "tmp"),
            ES_JAVA_OPTS=f"-Xms{self.heap} -Xmx{self.heap}",
        )
        env.pop("JAVA_TOOL_OPTIONS", None)
        return env

    def command(self) -> list[str]:
        cmd = [str(self.es_home / "bin" / "elasticsearch")]
        if os.geteuid() == 0:  # Elasticsearch will not run as root
            for path in [self.workdir, *self.workdir.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
            self.workdir.chmod(0o755)
            cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
        return cmd

    def start(self, timeout: float = 180.0, foreground: bool = False) -> EsNode:
        env = self._prepare()
        cmd = self.command()
        if foreground:
            print(
                f"Elasticsearch {self.version} on {self.url} (data in {self.workdir})", flush=True
            )
            self.proc = subprocess.Popen(cmd, env=env)
            return self
        log = open(self.workdir / "stdout.log", "wb")
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise EsServerError(
                    f"Elasticsearch exited with {self.proc.returncode}; "
                    f"see {self.workdir / 'stdout.log'}:\n{self.tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        raise EsServerError(f"Elasticsearch not ready after {timeout:.0f}s:\n{self.tail()}")

    def tail(self, lines: int = 15) -> str:
        path = self.workdir / "stdout.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, cleanup: bool = True) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if cleanup:
            shutil.rmtree(self.workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    fetch_cmd = sub.add_parser("fetch", help="fetch and unzip the distribution into .cache/es")
    fetch_cmd.add_argument(
        "--if-possible",
        action="store_true",
        help="without Java or Maven only warn (unless CI=true)",
    )
    run = sub.add_parser("run", help="run a node in the foreground")
    run.add_argument("--port", type=int, default=9200)
    run.add_argument("--data", type=Path, help="keep data here (default: a temporary dir)")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "fetch":
            cached = (home() / "bin" / "elasticsearch").exists()
            missing = missing_tools(need_maven=not cached)
            if missing and args.if_possible and os.environ.get("CI") != "true":
                print(
                    f"warning: {' and '.join(missing)} not found, Elasticsearch tests will be "
                    f"skipped: {INSTALL_HINT}",
                    file=sys.stderr,
                )
                return 0
            if missing:
                raise EsServerError(f"{' and '.join(missing)} not found: {INSTALL_HINT}")
            print(fetch())
            return 0

        def interrupt(*_):
            raise KeyboardInterrupt

        for sig in (signal.SIGINT, signal.SIGTERM):  # stop the node on either, even when
            signal.signal(sig, interrupt)  # started in the background (SIGINT ignored)
        node = EsNode(port=args.port, workdir=args.data).start(foreground=True)
        try:
            return node.proc.wait() if node.proc else 1
        except KeyboardInterrupt:
            node.stop(cleanup=args.data is None)
            return 0
    except EsServerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
