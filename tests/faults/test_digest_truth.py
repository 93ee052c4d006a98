"""The digest tells the truth: each headline number of a day's 舆情日报 equals what
``yuqing export`` gives for the same day, also when the digest is built in the same second
as the alerts and posts it counts (stored times have one-second resolution)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from tests.conftest import crawl, export, make_config, run_cli
from tests.servers import smtp_sink  # noqa: F401 - the shared fixture
from yuqing.config import load_config
from yuqing.dashboards.digest_data import NEGATIVE_BELOW, TOP_PLACES, gather
from yuqing.dashboards.period import daily
from yuqing.demo.server import SiteServer
from yuqing.storage import open_store


@pytest.fixture
def day(tmp_path, smtp_sink):  # noqa: F811 - the shared fixture
    with SiteServer() as server:
        cfg_dir = make_config(tmp_path, server.url, smtp_port=smtp_sink.port)
        crawl(cfg_dir, "demo-board-live", "demo-news-reposts", "demo-weibo")
    run_cli("--config", str(cfg_dir), "alerts", "check", check=True)
    return cfg_dir


def in_day(value: str | None, period) -> bool:
    return value is not None and period.start <= datetime.fromisoformat(value) < period.end


def test_every_headline_equals_export_for_the_same_day(day):
    posts = export(day, "posts")
    alerts = export(day, "alerts", "--all-fields")
    events = export(day, "events")
    assert alerts, "the surge raised no alert: nothing to check"
    cfg = load_config(day)
    last = max(
        datetime.fromisoformat(r[k])
        for r, k in [*((a, "created_at") for a in alerts), *((p, "crawled_at") for p in posts)]
    )
    period = daily(last.date(), cfg.settings.timezone)
    with open_store(cfg) as store:
        data = gather(cfg, store, period, now=last)  # built in the second of the last write
    headline = {h.label: h.value for h in data.headlines}
    assert headline["采集信息"] == sum(in_day(p["crawled_at"], period) for p in posts)
    assert headline["新增预警"] == sum(
        in_day(a["created_at"], period) and not a["evidence"].get("superseded_by") for a in alerts
    )
    assert headline["新增事件"] == sum(
        in_day(e["first_seen"] or e["last_seen"], period) for e in events
    )
    assert headline["负面信息"] == sum(
        in_day(p["crawled_at"], period)
        and p["sentiment"] is not None
        and p["sentiment"] < NEGATIVE_BELOW
        for p in posts
    )
    assert headline["采集信息"] == len(posts) and headline["新增预警"] > 0
    # 地区: each post once, under the place export gives it
    places = Counter(p["place"] for p in posts if in_day(p["crawled_at"], period))
    unplaced = places.pop(None, 0)
    rows = {r.label: r.value for r in data.places}
    assert rows.pop("未标注", 0) == unplaced
    ranked = sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))  # most, then by name
    rest = ranked[TOP_PLACES:]
    assert rows == {
        **dict(ranked[:TOP_PLACES]),
        **({f"其他 {len(rest)} 处": sum(n for _, n in rest)} if rest else {}),
    }
