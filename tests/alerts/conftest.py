"""Real servers on loopback for alert delivery tests: an SMTP server (aiosmtpd) that collects
messages and an HTTP server that plays a DingTalk / WeCom group robot."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tests.servers import SmtpSink, free_port, smtp_sink  # noqa: F401 - shared fixture
from yuqing.config import load_config
from yuqing.models import Event, Post, post_id_for
from yuqing.storage.sqlite import SQLiteStore
from yuqing.timeutil import parse_iso

REPO = Path(__file__).resolve().parents[2]
T0 = parse_iso("2026-11-20T10:00:00+08:00")


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.received.append({"path": self.path, "json": body})  # type: ignore[attr-defined]
        answer = self.server.answer  # type: ignore[attr-defined]
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    server.answer = {"errcode": 0, "errmsg": "ok"}  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def write_config(
    root: Path,
    rules: list[dict],
    smtp_port: int = 8025,
    sources: list[dict] | None = None,
    departments: list[dict] | None = None,
) -> Path:
    """A config dir under ``root`` with the shipped topics/departments and the given rules."""
    cdir = root / "config"
    cdir.mkdir(parents=True, exist_ok=True)
    for name in ("topics.yaml", "departments.yaml"):
        shutil.copy(REPO / "config" / name, cdir / name)
    if departments is not None:
        (cdir / "departments.yaml").write_text(
            yaml.safe_dump({"departments": departments}, allow_unicode=True), encoding="utf-8"
        )
        (cdir / "topics.yaml").write_text("{}\n", encoding="utf-8")  # shipped ids don't exist
    settings = {
        "timezone": "Asia/Shanghai",
        "storage": {"backend": "sqlite", "path": "var/yuqing.db"},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "timeout": 5},
    }
    (cdir / "settings.yaml").write_text(
        yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8"
    )
    (cdir / "rules.yaml").write_text(
        yaml.safe_dump({"rules": rules}, allow_unicode=True), encoding="utf-8"
    )
    (cdir / "sources.yaml").write_text(
        yaml.safe_dump({"sources": sources or []}, allow_unicode=True), encoding="utf-8"
    )
    return cdir


def load(cdir: Path):
    return load_config(cdir)


def make_post(
    i: int, title="工地发生安全事故", text="工地塔吊倒塌，造成人员伤亡。", when=T0, **kw
) -> Post:
    url = kw.pop("url", f"http://127.0.0.1/post/{i}")
    return Post(
        id=post_id_for(url),
        source_id=kw.pop("source_id", "portal"),
        channel=kw.pop("channel", "portal"),
        url=url,
        title=title,
        text=text,
        published_at=when,
        crawled_at=kw.pop("crawled_at", when),
        **kw,
    )


def make_event(eid="ev1", size=10, hotness=80.0, when=T0, **kw) -> Event:
    return Event(
        id=eid,
        title=kw.pop("title", "某小区业主集中反映延期交房"),
        keywords=kw.pop("keywords", ["延期交房", "开发商"]),
        post_ids=[f"p{i}" for i in range(size)],
        size=size,
        first_seen=when - timedelta(hours=3),
        last_seen=when,
        hotness=hotness,
        **kw,
    )


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "x.db")
    yield s
    s.close()


class Rig:
    """Config dir + store + outbox under ``root``, delivering to the SMTP sink."""

    def __init__(
        self, root: Path, sink: SmtpSink | None, rules: list[dict], settings=None, **config_kw
    ):
        from yuqing.alerts.outbox import Outbox
        from yuqing.alerts.settings import AlertSettings

        self.root, self.sink = root, sink
        self.cdir = write_config(root, rules, smtp_port=sink.port if sink else 8025, **config_kw)
        self.cfg = load(self.cdir)
        self.settings = settings or AlertSettings()
        self.store = SQLiteStore(self.cfg.path(self.cfg.settings.storage.path))
        self.outbox = Outbox(self.cfg.path(self.settings.outbox_path))

    def engine(self):
        from yuqing.alerts.engine import Engine

        return Engine(self.cfg, self.store, self.outbox, self.settings)

    def deliverer(self, **kw):
        from yuqing.alerts.delivery import Deliverer

        return Deliverer(self.cfg, self.store, self.outbox, self.settings, **kw)

    def check_and_deliver(self, now):
        result = self.engine().check(now)
        report = self.deliverer().run_once(now)
        return result, report

    def close(self):
        self.outbox.close()
        self.store.close()


@pytest.fixture
def make_rig(tmp_path, smtp_sink):  # noqa: F811 - the shared fixture
    rigs = []

    def factory(rules, sink=smtp_sink, **kw):
        rig = Rig(tmp_path, sink, rules, **kw)
        rigs.append(rig)
        return rig

    yield factory
    for rig in rigs:
        rig.close()


HOT = {"id": "hot", "type": "hotness", "level": "orange", "options": {"threshold": 50}}
SAFETY = {
    "id": "safety",
    "type": "focus_risk",
    "level": "red",
    "window": "24h",
    "options": {"focus": "work_safety", "risk_flags": ["casualties"]},
}


@pytest.fixture
def red_and_yellow(make_rig):
    """A rig with a red (work-safety) and a yellow (hotness) alert delivered at T0."""
    rig = make_rig([{**HOT, "level": "yellow"}, SAFETY])
    rig.store.upsert_event(make_event("e1", focus=["wage_arrears"]))
    rig.store.upsert_post(make_post(1, focus=["work_safety"], risk_flags=["casualties"]))
    rig.result, _ = rig.check_and_deliver(T0)
    rig.red = next(a for a in rig.result.created if a.level == "red")
    rig.yellow = next(a for a in rig.result.created if a.level == "yellow")
    return rig
