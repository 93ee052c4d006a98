"""Fixtures for digest and Kibana tests: a config dir, a SQLiteStore filled with Post / Event /
Alert records built directly, a real SMTP server (aiosmtpd) and headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from tests.servers import free_port, smtp_sink  # noqa: F401 - shared fixture
from yuqing.config import load_config
from yuqing.hotindex import history, signal_of
from yuqing.models import Alert, Event, Post, post_id_for
from yuqing.storage.base import SourceState
from yuqing.storage.sqlite import SQLiteStore
from yuqing.timeutil import parse_iso

REPO = Path(__file__).resolve().parents[2]
DAY = "2026-11-21"
T0 = parse_iso(f"{DAY}T09:00:00+08:00")
NOW = parse_iso("2026-11-22T08:30:00+08:00")
EVIL_TITLE = '<script>alert("x")</script>化工厂偷排污水\r\nBcc: evil@example.com'

SOURCES = [
    {
        "id": "portal",
        "kind": "html",
        "urls": ["http://127.0.0.1/portal/"],
        "name": "区政府门户",
        "channel": "portal",
        "region": "瓯海区",
    },
    {
        "id": "board",
        "kind": "json",
        "urls": ["http://127.0.0.1/board/"],
        "name": "领导留言板",
        "channel": "message_board",
        "fields": {"items": "items"},
    },
    {
        "id": "weibo_env",
        "kind": "feed",
        "urls": ["http://127.0.0.1/weibo/env.xml"],
        "name": "瓯海生态环境微博",
        "channel": "weibo",
        "owner": "ecology",
    },
    {
        "id": "wechat_edu",
        "kind": "feed",
        "urls": ["http://127.0.0.1/wechat/edu.xml"],
        "name": "瓯海教育微信",
        "channel": "wechat",
        "owner": "education",
    },
    {
        "id": "news",
        "kind": "html",
        "urls": ["http://127.0.0.1/news/"],
        "name": "温州新闻网",
        "channel": "news",
    },
]


def write_config(root: Path, smtp_port: int = 8025, recipients=("duty@cac.gov.example",)) -> Path:
    cdir = root / "config"
    cdir.mkdir(parents=True, exist_ok=True)
    for name in ("topics.yaml", "departments.yaml", "rules.yaml"):
        shutil.copy(REPO / "config" / name, cdir / name)
    settings = {
        "timezone": "Asia/Shanghai",
        "var_dir": str(root / "var"),
        "storage": {"backend": "sqlite", "path": str(root / "store.db")},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "timeout": 5},
        "digest": {"recipients": list(recipients), "out_dir": str(root / "digests")},
        "schedule": {"digest_time": "08:00", "weekly_digest_weekday": "mon"},
    }
    (cdir / "settings.yaml").write_text(
        yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8"
    )
    (cdir / "sources.yaml").write_text(
        yaml.safe_dump({"sources": SOURCES}, allow_unicode=True), encoding="utf-8"
    )
    return cdir


def _post(i: int, source: str, channel: str, title: str, when, **kw) -> Post:
    url = kw.pop("url", f"http://127.0.0.1/{source}/{i}.html")
    return Post(
        id=post_id_for(url),
        source_id=source,
        channel=channel,
        url=url,
        title=title,
        text=kw.pop("text", title + "。相关部门正在核实处理。"),
        published_at=when,
        crawled_at=when,
        **kw,
    )


def fill_store(store: SQLiteStore) -> dict:
    """A week of posts ending on DAY, three events, alerts in several states, source states."""
    posts: list[Post] = []
    events = {
        "ev-wage": (
            "某建筑工地拖欠农民工工资",
            "劳动和社会保障",
            ["wage_arrears"],
            92.5,
            ["工资", "拖欠", "农民工"],
            "瓯海区",
        ),
        "ev-water": (EVIL_TITLE, "环境保护", ["ecology"], 71.0, ["偷排", "污水"], "娄桥街道"),
        "ev-school": (
            "学校食堂食品安全问题引发家长关注",
            "教育文体",
            ["food_drug", "edu_med_elderly"],
            55.0,
            ["食堂", "食品安全"],
            "瞿溪街道",
        ),
    }
    n = 0
    for day_back in range(6, -1, -1):  # a rising trend toward DAY
        for k in range(3 + (6 - day_back) * 2):
            n += 1
            when = T0 - timedelta(days=day_back, minutes=7 * k)
            eid = list(events)[k % 3]
            title, category, focus, _h, kws, region = events[eid]
            src, ch = [
                ("portal", "portal"),
                ("board", "message_board"),
                ("news", "news"),
                ("weibo_env", "weibo"),
            ][k % 4]
            posts.append(
                _post(
                    n,
                    src,
                    ch,
                    f"{title}（{n}）" if k > 2 else title,
                    when,
                    category=category,
                    focus=focus,
                    event_id=eid,
                    region=region,
                    sentiment=-0.8 + 0.1 * (k % 5),
                    keywords=kws,
                )
            )
    # a post outside every event; an old wechat post (dormant account)
    posts.append(
        _post(
            900,
            "portal",
            "portal",
            "区政府召开常务会议",
            T0 - timedelta(hours=2),
            sentiment=0.4,
            category="城乡建设",
        )
    )
    posts.append(
        _post(901, "wechat_edu", "wechat", "开学通知", T0 - timedelta(days=20), sentiment=0.2)
    )
    for p in posts:
        store.upsert_post(p)
    for eid, (title, category, focus, hot, kws, region) in events.items():
        mine = [p for p in posts if p.event_id == eid]
        store.upsert_event(
            Event(
                id=eid,
                title=title,
                keywords=kws,
                post_ids=[p.id for p in mine],
                size=len(mine),
                first_seen=min(p.crawled_at for p in mine),
                last_seen=max(p.crawled_at for p in mine),
                hotness=hot,
                category=category,
                focus=focus,
                region=region,
                sources=sorted({p.source_id for p in mine}),
                burst=eid == "ev-wage",
                hot_history=history(
                    [signal_of(p, p.crawled_at) for p in mine], ZoneInfo("Asia/Shanghai")
                ),
            )
        )
    alerts = [
        Alert(
            id="a-red-wage",
            level="red",
            rule="hot",
            created_at=T0 - timedelta(hours=1),
            event_id="ev-wage",
            departments=["hrss"],
            status="acked",
            delivered_at=T0 - timedelta(hours=1),
            acked_at=T0 - timedelta(minutes=30),
            title="某建筑工地拖欠农民工工资",
        ),
        Alert(
            id="a-orange-water",
            level="orange",
            rule="hot",
            created_at=T0,
            event_id="ev-water",
            departments=["ecology"],
            status="open",
            delivered_at=T0,
            title=EVIL_TITLE,
        ),
        Alert(
            id="a-yellow-school",
            level="yellow",
            rule="hot",
            created_at=T0 - timedelta(days=1),
            event_id="ev-school",
            departments=["market"],
            status="resolved",
            delivered_at=T0 - timedelta(days=1),
            acked_at=T0 - timedelta(hours=20),
            resolved_at=T0 - timedelta(hours=3),
            title="学校食堂食品安全问题",
        ),
    ]
    for a in alerts:
        store.insert_alert(a)
    store.save_source_state(
        SourceState("portal", last_crawl_at=T0, last_success_at=T0, last_new_at=T0)
    )
    store.save_source_state(
        SourceState(
            "news",
            last_crawl_at=T0,
            last_success_at=T0 - timedelta(days=2),
            consecutive_failures=4,
            healthy=False,
            last_error="HTTP 500 <b>oops</b>",
        )
    )
    store.save_source_state(
        SourceState(
            "wechat_edu", last_crawl_at=T0, last_success_at=T0, last_new_at=T0 - timedelta(days=20)
        )
    )
    store.save_source_state(
        SourceState("weibo_env", last_crawl_at=T0, last_success_at=T0, last_new_at=T0)
    )
    return {"posts": posts, "events": events, "alerts": alerts}


@pytest.fixture
def filled(tmp_path):
    """(cfg, store) with the fixture data; the store is the one the config names."""
    cdir = write_config(tmp_path)
    cfg = load_config(cdir)
    store = SQLiteStore(tmp_path / "store.db", tzname="Asia/Shanghai")
    fill_store(store)
    yield cfg, store
    store.close()


# -- Chromium -----------------------------------------------------------------------------
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def chromium_path() -> str | None:
    for c in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if c and Path(c).exists():
            return c
    return None


class Browser:
    """Headless Chromium, one fresh profile per call."""

    def __init__(self, binary: str):
        self.binary = binary

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory(prefix="yuqing-chromium-") as profile:
            return subprocess.run(
                [
                    self.binary,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--hide-scrollbars",
                    f"--user-data-dir={profile}",
                    *args,
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )

    def dump_dom(self, url: str) -> str:
        proc = self._run("--dump-dom", "--virtual-time-budget=3000", url)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    def screenshot(self, url: str, out: Path, width: int = 420, height: int = 3000) -> Path:
        out.parent.mkdir(parents=True, exist_ok=True)
        proc = self._run(f"--screenshot={out}", f"--window-size={width},{height}", url)
        assert out.exists(), proc.stderr[-2000:]
        return out


@pytest.fixture(scope="session")
def browser():
    binary = chromium_path()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("headless Chromium is required in CI: apt-get install chromium")
        pytest.skip("headless Chromium not found: apt-get install chromium")
    return Browser(binary)
