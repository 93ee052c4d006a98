"""`yuqing config check` and the config loader: every problem named with file, key and hint."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from yuqing.config import ConfigError, load_config, parse_duration


@pytest.fixture
def cfg_dir(tmp_path) -> Path:
    out = tmp_path / "config"
    shutil.copytree(ROOT / "config", out)
    return out


def check(cfg_dir: Path):
    return run_cli("--config", str(cfg_dir), "config", "check")


def test_shipped_config_is_valid():
    proc = check(ROOT / "config")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok:")
    cfg = load_config(ROOT / "config")
    names = {t.name for t in cfg.topics.focus}
    assert names == {
        "营商环境",
        "房地产金融",
        "工资拖欠",
        "生态环境",
        "食品药品安全",
        "教育医疗养老",
        "安全生产",
        "困难群众生活",
    }
    assert [d.id for d in cfg.departments.departments if d.duty] == ["cac"]


def test_every_problem_is_reported_with_file_key_and_hint(cfg_dir):
    (cfg_dir / "sources.yaml").write_text(
        "sources:\n"
        "  - {id: a, kind: html, urls: ['http://127.0.0.1/'], selectors: {tilte: h1}}\n"
        "  - {id: b, kind: rss, urls: ['http://127.0.0.1/feed']}\n"
        "  - {id: c, kind: feed, urls: ['ftp://x']}\n"
        "  - {id: d, kind: json, urls: ['http://127.0.0.1/api']}\n",
        encoding="utf-8",
    )
    (cfg_dir / "settings.yaml").write_text(
        "timezone: Mars/Olympus\nstorage: {backend: mongo}\n", encoding="utf-8"
    )
    proc = check(cfg_dir)
    assert proc.returncode == 1
    err = proc.stderr
    assert "sources.yaml: sources[0].selectors.tilte: Extra inputs are not permitted" in err
    assert "hint: unknown key" in err
    assert "sources.yaml: sources[1].kind: unknown spider kind 'rss'" in err
    assert "hint: use one of: html, feed, json" in err
    assert "sources.yaml: sources[2].urls: not an http(s) URL: 'ftp://x'" in err
    assert "sources.yaml: sources[3].fields: Field required" in err
    assert "required by spider kind 'json': where the fields of the API live" in err
    assert "settings.yaml: timezone: unknown time zone 'Mars/Olympus'" in err
    assert "settings.yaml: storage.backend:" in err
    assert err.strip().splitlines()[-1].endswith(f"problems in {cfg_dir}")


def test_yaml_syntax_error_names_the_line(cfg_dir):
    (cfg_dir / "rules.yaml").write_text("rules:\n  - id: x\n   type: [unclosed\n", encoding="utf-8")
    proc = check(cfg_dir)
    assert proc.returncode == 1
    assert "rules.yaml: line 3" in proc.stderr and "YAML syntax error" in proc.stderr


def test_references_to_unknown_departments_are_errors(cfg_dir):
    text = (cfg_dir / "topics.yaml").read_text(encoding="utf-8")
    (cfg_dir / "topics.yaml").write_text(
        text.replace("departments: [hrss]", "departments: [labour_bureau]", 1), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as exc:
        load_config(cfg_dir)
    assert any(p.file == "topics.yaml" and "labour_bureau" in p.message for p in exc.value.problems)


def test_nlp_settings_name_known_focus_topics(cfg_dir):
    """nlp.focus_share_retro and nlp.events.sample_topics name topics.yaml's focus topics: a
    misspelt id is an error naming the key, not a feature silently off for that topic."""
    settings = cfg_dir / "settings.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + "\nnlp:\n  focus_share_retro: [ecology, ecolgy]\n  events: {sample_topics: [noise]}\n",
        encoding="utf-8",
    )
    proc = check(cfg_dir)
    assert proc.returncode == 1
    err = proc.stderr
    assert "settings.yaml: nlp.focus_share_retro[1]: unknown focus topic 'ecolgy'" in err
    assert "settings.yaml: nlp.events.sample_topics[0]: unknown focus topic 'noise'" in err
    assert "hint: use one of: business_env, ecology," in err
    assert "focus_share_retro[0]" not in err  # ecology is known


def test_times_of_day_are_checked_at_load(tmp_path):
    """Every HH:MM key is a real time of day: `schedule.digest_time: "25:00"` once passed
    `config check` and then stopped `yuqing run` with an APScheduler traceback."""
    (tmp_path / "settings.yaml").write_text(
        "schedule: {digest_time: '25:00'}\n"
        "alerts: {quiet_hours: {start: '22:61', end: '7:00'}}\n"
        "nlp: {events: {rebuild_time: '24:00'}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    found = {(p.file, p.key): p.message for p in exc.value.problems}
    assert set(found) == {
        ("settings.yaml", "schedule.digest_time"),
        ("settings.yaml", "alerts.quiet_hours.start"),
        ("settings.yaml", "nlp.events.rebuild_time"),
    }, found
    assert found[("settings.yaml", "schedule.digest_time")].startswith(
        "not a time of day: '25:00' (use HH:MM"
    )
    (tmp_path / "settings.yaml").write_text(
        "schedule: {digest_time: '7:05'}\nalerts: {quiet_hours: {start: '23:59', end: '0:00'}}\n",
        encoding="utf-8",
    )
    s = load_config(tmp_path).settings
    assert s.schedule.digest_time == "7:05" and s.alerts.quiet_hours.minutes() == (1439, 0)


def test_unquoted_times_of_day_are_times_not_base_60_numbers(tmp_path):
    """YAML 1.1 reads an unquoted `18:30` as the integer 1110: `digest_time: 18:30` was refused
    with "Input should be a valid string" (while `08:00` passed); it is the time it reads as."""
    (tmp_path / "settings.yaml").write_text(
        "schedule: {digest_time: 18:30}\n"
        "alerts: {quiet_hours: {start: 22:30, end: 7:00}}\n"
        "nlp: {events: {rebuild_time: 2:15}}\n",
        encoding="utf-8",
    )
    s = load_config(tmp_path).settings
    assert s.schedule.digest_time == "18:30"
    assert s.alerts.quiet_hours.minutes() == (22 * 60 + 30, 7 * 60)
    assert s.nlp.events.rebuild_time == "2:15"
    (tmp_path / "settings.yaml").write_text("schedule: {digest_time: 25:00}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    assert [p.message for p in exc.value.problems] == [
        "not a time of day: '25:00' (use HH:MM, 00:00 to 23:59)"
    ]


def test_addresses_and_console_durations_are_checked_at_load(tmp_path):
    """A digest recipient or sender that is no address, and a console link or session that
    would end at once, are configuration errors (they passed `config check` and failed only
    when mail went out, or made every liaison link expired)."""
    (tmp_path / "settings.yaml").write_text(
        "smtp: {from: 'duty office'}\n"
        "digest: {recipients: [duty@cac.gov.example, 'duty office']}\n"
        "console: {link_ttl: 0s, session_idle: 0m}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    found = {p.key: p.message for p in exc.value.problems}
    assert set(found) == {
        "smtp.from",
        "digest.recipients",
        "console.link_ttl",
        "console.session_idle",
    }, found
    assert found["digest.recipients"] == "not an e-mail address: 'duty office'"
    assert found["smtp.from"].startswith("not a sender address: 'duty office'")
    (tmp_path / "settings.yaml").write_text(
        "smtp: {from: '舆情哨兵 <yuqing@example.gov.cn>'}\n"
        "digest: {recipients: [duty@cac.gov.example]}\n",
        encoding="utf-8",
    )
    assert load_config(tmp_path).settings.digest.recipients == ["duty@cac.gov.example"]


def test_not_utf8_file_is_reported(cfg_dir):
    (cfg_dir / "departments.yaml").write_bytes("departments: []  # 部门\n".encode("gbk"))
    proc = check(cfg_dir)
    assert proc.returncode == 1 and "departments.yaml: not UTF-8" in proc.stderr


def test_other_commands_fail_in_one_line_on_bad_config(cfg_dir):
    (cfg_dir / "settings.yaml").write_text("storag: {}\n", encoding="utf-8")
    proc = run_cli("--config", str(cfg_dir), "export", "posts")
    assert proc.returncode == 1
    assert (
        proc.stderr.strip() == "error: configuration: settings.yaml: storag: Extra inputs "
        "are not permitted (hint: unknown key: check the spelling against docs/configuration.md)"
    )


def test_missing_config_dir(tmp_path):
    proc = run_cli("--config", str(tmp_path / "nope"), "config", "check")
    assert proc.returncode == 1 and "configuration directory not found" in proc.stderr


@pytest.mark.parametrize(
    "text,seconds",
    [("30s", 30), ("15m", 900), ("1h", 3600), ("2d", 172800), ("1w", 604800), (90, 90)],
)
def test_durations(text, seconds):
    parsed = parse_duration(text)
    assert parsed == timedelta(seconds=seconds)
    assert str(parsed) == (text if isinstance(text, str) else f"{text}s")


def test_durations_are_parsed_once_at_load(tmp_path):
    """Every configured duration is a timedelta after loading; its text survives for messages."""
    (tmp_path / "settings.yaml").write_text(
        "schedule: {crawl: 30m}\nalerts: {realert: 2h, ack_deadline: "
        "{red: 1h, orange: 4h, yellow: 1d, blue: 3d}}\nnlp: {events: {window: 48h}}\n",
        encoding="utf-8",
    )
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: a, kind: feed, urls: ['http://127.0.0.1/f.xml'], interval: 15m}\n",
        encoding="utf-8",
    )
    (tmp_path / "rules.yaml").write_text(
        "rules:\n  - {id: r, type: volume, window: 6h, options: {threshold: 3}}\n",
        encoding="utf-8",
    )
    cfg = load_config(tmp_path)
    s = cfg.settings
    assert s.schedule.crawl == timedelta(minutes=30) and s.schedule.alerts == timedelta(minutes=5)
    assert s.alerts.realert == timedelta(hours=2) and s.alerts.retry.lease == timedelta(minutes=5)
    assert s.alerts.ack_deadline["yellow"] == timedelta(days=1)
    # events.window is the former name of events.gap
    assert s.nlp.events.gap == timedelta(hours=48) and s.nlp.dedup.window == timedelta(days=7)
    assert cfg.sources.sources[0].interval == timedelta(minutes=15)
    assert (
        cfg.rules.rules[0].window == timedelta(hours=6) and str(cfg.rules.rules[0].window) == "6h"
    )


def test_bad_duration_is_rejected():
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


def test_a_configuration_that_would_never_alert_or_crawl_is_warned_about(cfg_dir):
    """A missing file reads as empty: without rules.yaml the check said "ok … 0 rules" and the
    deployment never raised an alert. It still passes (exit 0), with a warning line each."""
    source = "sources:\n  - {id: a, kind: html, urls: ['http://127.0.0.1/'], enabled: %s}\n"
    (cfg_dir / "sources.yaml").write_text(source % "true", encoding="utf-8")
    proc = check(cfg_dir)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    (cfg_dir / "rules.yaml").unlink()
    proc = check(cfg_dir)
    assert proc.returncode == 0 and proc.stdout.startswith("ok:")
    assert proc.stderr.strip() == (
        "warning: rules.yaml (file not found): no enabled rule: no alert will be raised"
    )
    (cfg_dir / "sources.yaml").write_text(source % "false", encoding="utf-8")
    proc = check(cfg_dir)
    assert proc.returncode == 0
    assert "warning: sources.yaml: no enabled source: nothing will be crawled\n" in proc.stderr
