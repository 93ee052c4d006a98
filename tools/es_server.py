#!/usr/bin/env python3
"""Fetch and run a throwaway Elasticsearch node (the integ-test distribution) for tests,
benchmarks and local use. Standard library only.

    python3 tools/es_server.py fetch        # download with Maven into .cache/es, unzip once
    python3 tools/es_server.py run [--port 9200]   # a node in the foreground (Ctrl-C stops)
    python3 tools/es_server.py cluster [--nodes 3]  # a local cluster in the foreground

The distribution is ``org.elasticsearch.distribution.integ-test-zip:elasticsearch:<ver>:zip``
from Maven's default remote repository (``$YUQING_ES_VERSION`` overrides the version). It runs
on the machine's Java (``$ES_JAVA_HOME`` or ``$JAVA_HOME`` or ``java`` on PATH). The node:
loopback only, security off, single-node discovery, 512 MB heap, data and logs in a temporary
directory. Elasticsearch refuses to run as root, so as root the node runs as ``nobody``
(setpriv) with its directories handed to that user.

``EsCluster`` starts several such nodes on loopback that discover each other (fixed transport
ports, every node master-eligible and a data node), for the scale-out tests: stop one node
and the others keep serving the replicas.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

try:
    from tools.ports import server_port as free_port
    from tools.procs import die_with_parent
except ImportError:  # run as a script: tools/ itself is on sys.path
    from ports import server_port as free_port  # type: ignore[no-redef]
    from procs import die_with_parent  # type: ignore[no-redef]

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


class EsNode:
    """One node on 127.0.0.1:port; ``start()`` waits for yellow/green, ``stop()`` ends it.
    Alone by default (single-node discovery); ``seeds``/``masters`` make it a cluster member
    (see ``EsCluster``)."""

    def __init__(
        self,
        port: int | None = None,
        workdir: Path | None = None,
        version: str = ES_VERSION,
        heap: str = "512m",
        name: str = "yuqing-test-node",
        cluster_name: str = "yuqing-test",
        transport_port: int | None = None,
        seeds: list[str] | None = None,
        masters: list[str] | None = None,
    ):
        self.port = port or free_port()
        self.version = version
        self.heap = heap
        self.name = name
        self.cluster_name = cluster_name
        self.transport_port = transport_port
        self.seeds = seeds
        self.masters = masters
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="yuqing-es-"))
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def _discovery(self) -> list[str]:
        if self.seeds is None:
            return ["discovery.type: single-node", "transport.port: 0"]
        return [
            f"transport.port: {self.transport_port}",
            f"discovery.seed_hosts: [{', '.join(self.seeds)}]",
            f"cluster.initial_master_nodes: [{', '.join(self.masters or [self.name])}]",
        ]

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
                        f"cluster.name: {self.cluster_name}",
                        f"node.name: {self.name}",
                        *self._discovery(),
                        "xpack.security.enabled: false",
                        "network.host: 127.0.0.1",
                        f"http.port: {self.port}",
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
            # a change of user clears the parent-death signal: setpriv sets it again after
            cmd = [
                "setpriv",
                f"--reuid={NOBODY}",
                f"--regid={NOBODY}",
                "--clear-groups",
                "--pdeathsig=TERM",
                *cmd,
            ]
        return cmd

    def start(self, timeout: float = 180.0, foreground: bool = False) -> EsNode:
        self.launch(foreground)
        if not foreground:
            self.wait_ready(timeout)
        return self

    def launch(self, foreground: bool = False) -> None:
        """Start the process without waiting for it to serve."""
        env = self._prepare()
        cmd = self.command()
        if foreground:
            print(
                f"Elasticsearch {self.version} on {self.url} (data in {self.workdir})", flush=True
            )
            self.proc = subprocess.Popen(cmd, env=env)
            return
        log = open(self.workdir / "stdout.log", "wb")
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def wait_ready(self, timeout: float, nodes: int = 1) -> None:
        deadline = time.monotonic() + timeout
        url = (
            f"{self.url}/_cluster/health?wait_for_status=yellow"
            f"&wait_for_nodes=%3E%3D{nodes}&timeout=1s"
        )
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
        """The log's first error lines (why it died; not the stack frames), then its last lines."""
        path = self.workdir / "stdout.log"
        if not path.exists():
            return ""
        log = path.read_text(errors="replace").splitlines()
        errors = [
            line
            for line in log
            if ("[ERROR]" in line or "[FATAL]" in line or "Exception:" in line)
            and not line.lstrip().startswith("at ")
        ][:5]
        tail = log[-lines:]
        return "\n".join([*(e for e in errors if e not in tail), *tail])

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


class EsCluster:
    """``size`` nodes on loopback forming one cluster (all master-eligible data nodes).
    ``start()`` waits until every node has joined; ``stop_node(i)`` ends one (SIGTERM, or
    SIGKILL with ``kill=True``) and keeps its data; ``stop()`` ends them all."""

    def __init__(self, size: int = 3, heap: str = "256m", version: str = ES_VERSION):
        self.size, self.heap, self.version = size, heap, version
        self.nodes = self._members()

    def _members(self) -> list[EsNode]:
        """Fresh nodes on ports no other node of this cluster uses."""
        cluster = f"yuqing-cluster-{os.getpid()}-{time.monotonic_ns()}"
        names = [f"node-{i}" for i in range(self.size)]
        taken: set[int] = set()
        for _ in range(2 * self.size):
            taken.add(free_port(taken))
        ports = sorted(taken)
        transports, https = ports[: self.size], ports[self.size :]
        seeds = [f"127.0.0.1:{p}" for p in transports]
        return [
            EsNode(
                port=http,
                heap=self.heap,
                version=self.version,
                name=name,
                cluster_name=cluster,
                transport_port=tp,
                seeds=seeds,
                masters=names,
            )
            for name, tp, http in zip(names, transports, https, strict=True)
        ]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def start(self, timeout: float = 300.0, attempts: int = 2) -> EsCluster:
        """Start every node and wait until all have joined. A node that dies while starting
        (e.g. a port taken in the meantime by a process outside our control) gets the whole
        cluster restarted on fresh ports, ``attempts`` times in all; the last failure is raised."""
        for attempt in range(1, attempts + 1):
            try:
                for node in self.nodes:
                    node.launch()
                for node in self.nodes:
                    node.wait_ready(timeout, nodes=len(self.nodes))
                return self
            except EsServerError as exc:
                self.stop()
                if attempt == attempts:
                    raise
                print(f"Elasticsearch cluster start failed, retrying on fresh ports: {exc}")
                self.nodes = self._members()
            except BaseException:
                self.stop()
                raise
        return self

    def stop_node(self, index: int, kill: bool = False) -> None:
        node = self.nodes[index]
        if kill and node.proc and node.proc.poll() is None:
            os.killpg(node.proc.pid, signal.SIGKILL)
            node.proc.wait()
        node.stop(cleanup=False)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


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
    cluster_cmd = sub.add_parser("cluster", help="run a local cluster in the foreground")
    cluster_cmd.add_argument("--nodes", type=int, default=3)
    cluster_cmd.add_argument("--heap", default="256m")
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
        if args.cmd == "cluster":
            cluster = EsCluster(args.nodes, heap=args.heap).start()
            print("Elasticsearch cluster on " + " ".join(cluster.urls), flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                cluster.stop()
                return 0
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
