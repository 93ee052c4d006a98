"""The console against real parts: a config dir, a SQLite store with an alert delivered to a
real SMTP server (so the liaison's link comes from a real e-mail), and the console served by
waitress on a loopback port; ``requests`` sessions talk HTTP to it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
import yaml

from tests.alerts.conftest import T0, make_event, make_post, write_config
from tests.servers import free_port, smtp_sink  # noqa: F401 - shared fixture
from yuqing.config import load_config
from yuqing.console.passwords import hash_password

SECRET = "console-test-secret-0123456789"
PASSWORD = "correct horse battery"
RULE = {
    "id": "hot",
    "type": "hotness",
    "level": "yellow",
    "options": {"threshold": 50},
    "departments": ["hrss", "construction"],
}
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Clock:
    """The console's clock: starts at T0 + 10 minutes, moved by tests."""

    def __init__(self):
        self.at = T0 + timedelta(minutes=10)

    def __call__(self):
        return self.at


class ConsoleRig:
    """``store_factory(cfg)`` gives the store (default: the config's SQLite file)."""

    def __init__(
        self, root, sink, users=None, console_extra=None, store_factory=None, sources=None
    ):
        from yuqing.alerts.delivery import Deliverer
        from yuqing.alerts.engine import Engine
        from yuqing.alerts.outbox import Outbox
        from yuqing.storage.sqlite import SQLiteStore

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cdir = write_config(root, [RULE], smtp_port=sink.port, sources=sources)
        settings_file = cdir / "settings.yaml"
        settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
        settings["console"] = {
            "base_url": self.base,
            "users": users
            if users is not None
            else [
                {"username": "duty", "name": "值班员甲", "password_hash": hash_password(PASSWORD)}
            ],
            **(console_extra or {}),
        }
        settings["digest"] = {"out_dir": "var/digests"}
        settings_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        self.cfg = load_config(cdir)
        self.sink = sink
        self.store = (
            store_factory(self.cfg)
            if store_factory
            else SQLiteStore(self.cfg.path(self.cfg.settings.storage.path))
        )
        self.outbox = Outbox(self.cfg.path(self.cfg.settings.alerts.outbox_path))
        posts = [
            make_post(
                i,
                title=f"工地拖欠工资{EVIL}第{i}条",
                text=f"正文{EVIL}欠薪 {i} 个月",
                when=T0 - timedelta(hours=5 - i),
                author=f"u{i}",
                sentiment=-0.7,
                event_id="e1",
            )
            for i in range(4)
        ]
        for p in posts:
            self.store.upsert_post(p)
        event = make_event("e1", size=4, focus=["wage_arrears"], title=f"某工地欠薪{EVIL}")
        event.post_ids = [p.id for p in posts]
        self.store.upsert_event(event)
        self.store.flush()  # Elasticsearch searches see the writes only after a refresh
        self.engine = Engine(self.cfg, self.store, self.outbox)
        (self.alert,) = self.engine.check(T0).created
        Deliverer(self.cfg, self.store, self.outbox).run_once(T0)
        self.store.flush()
        self.clock = Clock()
        self.server = None

    def start(self):
        from yuqing.console.server import ConsoleServer

        self.server = ConsoleServer(self.cfg, self.store, port=self.port, clock=self.clock)
        self.server.__enter__()
        return self

    def link(self, recipient: str) -> str:
        """The alert page link from the e-mail received by ``recipient``."""
        for rcpts, msg in self.sink.messages:
            if recipient in rcpts:
                text = msg.get_body(("plain",)).get_content()
                return re.search(r"处置页面[^：]*：(\S+)", text).group(1)
        raise AssertionError(f"no message for {recipient}")

    def login(self, username="duty", password=PASSWORD) -> requests.Session:
        s = requests.Session()
        page = s.get(f"{self.base}/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = s.post(
            f"{self.base}/login",
            data={"csrf": csrf, "username": username, "password": password},
            allow_redirects=False,
        )
        s.last = r  # type: ignore[attr-defined]
        return s

    def close(self):
        if self.server is not None:
            self.server.close()
        self.outbox.close()
        self.store.close()


def form_csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture
def rig(tmp_path, smtp_sink, monkeypatch):  # noqa: F811 - the shared fixture
    monkeypatch.setenv("YUQING_CONSOLE_SECRET", SECRET)
    r = ConsoleRig(tmp_path, smtp_sink).start()
    yield r
    r.close()


def quiet_event(rig):
    """An event no rule alerted: a stall's fumes, with crawled text carrying markup."""
    posts = [
        make_post(
            100 + i,
            title=f"夜市烧烤油烟扰民{EVIL}第{i}条",
            text=f"油烟呛人{EVIL}，晚上无法开窗。",
            when=T0 - timedelta(hours=2 - i),
            event_id="e2",
        )
        for i in range(2)
    ]
    for p in posts:
        rig.store.upsert_post(p)
    event = make_event("e2", size=2, hotness=12.0, focus=["ecology"], title=f"夜市油烟{EVIL}")
    event.post_ids = [p.id for p in posts]
    rig.store.upsert_event(event)
    rig.store.flush()
    return event
