"""Bounded output and CLI input: a 100 KB crawled title stays a headline, control
characters never reach a terminal, an e-mail or a digest, numbers out of range are one line."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.conftest import ROOT, crawl, export, make_config, run_cli
from tests.faults.hostile import HostileServer
from yuqing.alerts.render import build, view
from yuqing.alerts.settings import AlertSettings
from yuqing.config import load_config
from yuqing.models import Alert
from yuqing.storage.sqlite import SQLiteStore
from yuqing.text import TITLE_MAX

HOSTILE_TITLE = "Bcc: evil@x.example\r\n\x00标题" + "很长的标题" * 20_000  # ~100 KB


def test_a_100kb_title_is_capped_and_cleaned_when_stored(tmp_path):
    with HostileServer() as srv:
        item = {"id": 1, "title": HOSTILE_TITLE, "content": "正文\x00内容。", "link": "/m/1"}
        srv.routes["/big.json"] = (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"data": [item]}).encode(),
        )
        cfg = make_config(tmp_path, srv.url)
        (cfg / "sources.yaml").write_text(
            f"""sources:
  - id: big
    kind: json
    urls: ["{srv.url}/big.json"]
    fields: {{items: data, id: id, title: title, text: content, url: link}}
""",
            encoding="utf-8",
        )
        assert crawl(cfg, "big")["sources"]["big"]["new"] == 1
        (post,) = export(cfg, "posts", "--all-fields")
    assert len(post["title"]) == TITLE_MAX and post["title"].endswith("…")
    assert "\x00" not in post["title"] + post["text"] and "\r" not in post["title"]
    assert post["notes"] == ["title_truncated"]


def hostile_alert() -> Alert:
    return Alert(
        id="a" * 16,
        level="red",
        rule="keyword",
        created_at=datetime.fromisoformat("2026-05-13T08:49:00+08:00"),
        departments=["cac"],
        title=HOSTILE_TITLE,
        summary="摘要\x00" * 50_000,
    )


def test_an_alert_mail_about_a_hostile_title_stays_small_and_clean():
    cfg = load_config(ROOT / "config")
    dept = cfg.department("cac")
    a = hostile_alert()
    msg = build(
        "alert",
        [view(a, AlertSettings(), {"cac": "网信办"}, a.created_at)],
        dept,
        "duty@cac.example",
        "k",
    )
    for part in (msg.subject, msg.text, msg.html, msg.markdown):
        assert "\x00" not in part
        assert len(part.encode()) < 20_000, len(part.encode())
    assert "\r" not in msg.subject and "\n" not in msg.subject


def test_alerts_list_prints_one_clean_line_per_alert(tmp_path):
    cfg = make_config(tmp_path, "http://127.0.0.1:9")
    with SQLiteStore(tmp_path / "store.db") as store:
        store.insert_alert(hostile_alert())
    proc = run_cli("--config", str(cfg), "alerts", "list", check=True)
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and "\x00" not in proc.stdout and "\r" not in proc.stdout
    assert "Bcc: evil@x.example 标题" in lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["alerts", "stats", "--days", "99999999999"],
            "error: --days: 99999999999 is out of range (allowed 1–3660)",
        ),
        (["alerts", "stats", "--days", "-5"], "error: --days: -5 is out of range (allowed 1–3660)"),
        (
            ["digest", "--date", "0001-01-01"],
            "error: 0001-01-01 is out of range (allowed 2000-01-01 … 2099-12-31)",
        ),
        (
            ["digest", "--week", "0001-W01"],
            "error: 0001-01-01 is out of range (allowed 2000-01-01 … 2099-12-31)",
        ),
        (["classify", "--batch", "0"], "error: --batch: 0 is out of range (allowed 1–10000)"),
    ],
)
def test_numbers_out_of_range_are_one_line_errors(tmp_path, args, expected):
    cfg = make_config(tmp_path, "http://127.0.0.1:9")
    proc = run_cli("--config", str(cfg), *args, stdin="")
    assert proc.returncode == 1
    assert proc.stderr.strip() == expected


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            ["不存在的类"] * 6 + ["城乡建设"] * 6,
            "labels not among the categories of topics.yaml: 不存在的类",
        ),
        (
            ["城乡建设"] * 6 + ["环境保护"] * 2,
            "too few examples of 环境保护 (each label needs at least 5",
        ),
    ],
)
def test_train_rejects_unknown_labels_and_tiny_classes(tmp_path, labels, expected):
    data = tmp_path / "train.csv"
    rows = [f"第{i}条留言的内容，反映的问题需要处理,{label}" for i, label in enumerate(labels)]
    data.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    proc = run_cli(
        "--config",
        str(ROOT / "config"),
        "train",
        "--data",
        str(data),
        "--out",
        str(tmp_path / "m.joblib"),
    )
    assert proc.returncode == 1
    assert len(proc.stderr.strip().splitlines()) == 1 and expected in proc.stderr


def test_a_digest_about_posts_stored_with_control_characters_is_clean(tmp_path):
    """Text stored before sanitising existed (or by other means) is cleaned on output."""
    from yuqing.dashboards.digest import build
    from yuqing.dashboards.period import daily
    from yuqing.models import Post, post_id_for

    cfg_dir = make_config(tmp_path, "http://127.0.0.1:9")
    cfg = load_config(cfg_dir)
    when = datetime.fromisoformat("2026-05-13T08:49:00+08:00")
    with SQLiteStore(tmp_path / "store.db") as store:
        for i in range(3):
            url = f"http://127.0.0.1/p/{i}"
            store.upsert_post(
                Post(
                    id=post_id_for(url),
                    source_id="demo-weibo",
                    channel="weibo",
                    url=url,
                    title=f"标题\x00{i}\x07\x1b[31m",
                    text="正文\x00内容",
                    published_at=when,
                    crawled_at=when,
                    sentiment=-0.9,
                )
            )
        rendered = build(cfg, store, daily(when.date(), cfg.settings.timezone), when)
    for part in (rendered.text, rendered.html_mail, rendered.html_archive):
        assert "\x00" not in part and "\x07" not in part and "\x1b" not in part
    assert "标题0" in rendered.html_archive  # the post is shown, cleaned
