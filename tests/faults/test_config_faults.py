"""Configuration mistakes caught before the crawl: each is a problem with file and key, and
every problem of a file is reported at once (`yuqing config check`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from yuqing.app.config import check_config
from yuqing.config import ConfigError

SOURCE = "  - {{id: s, kind: html, urls: ['http://127.0.0.1/'], {extra}}}\n"


@pytest.fixture
def cfg_dir(tmp_path) -> Path:
    out = tmp_path / "config"
    shutil.copytree(ROOT / "config", out)
    return out


def problems(cfg_dir: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        check_config(cfg_dir)
    return [str(p) for p in exc.value.problems]


def sources(cfg_dir: Path, *entries: str) -> None:
    (cfg_dir / "sources.yaml").write_text("sources:\n" + "".join(entries), encoding="utf-8")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("selectors: {list: 'ul > > a'}", "sources[0].selectors.list: invalid CSS selector"),
        ("selectors: {title: '//h1[@class='}", "sources[0].selectors.title: invalid XPath"),
        ("selectors: {body: ''}", "sources[0].selectors.body: empty selector"),
        ("encoding: gbk2312", "sources[0].encoding: unknown encoding 'gbk2312'"),
        ("interval: 0s", "sources[0].interval: '0s' is no interval"),
    ],
)
def test_bad_source_settings_are_caught(cfg_dir, extra, expected):
    sources(cfg_dir, SOURCE.format(extra=extra))
    assert any(expected in p for p in problems(cfg_dir)), problems(cfg_dir)


@pytest.mark.parametrize(
    ("items", "expected"),
    [('""', "not a field path: ''"), ('"data..list"', "not a field path: 'data..list'")],
)
def test_json_field_paths_are_checked(cfg_dir, items, expected):
    sources(
        cfg_dir,
        "  - {id: j, kind: json, urls: ['http://127.0.0.1/api'], "
        f"fields: {{items: {items}, title: t, text: x}}}}\n",
    )
    assert any(f"sources[0].fields.items: {expected}" in p for p in problems(cfg_dir))


def test_zero_schedule_and_window_are_caught(cfg_dir):
    (cfg_dir / "settings.yaml").write_text("schedule: {alerts: 0m}\n", encoding="utf-8")
    assert any("schedule.alerts: '0m' is no interval" in p for p in problems(cfg_dir))


def test_duplicate_yaml_keys_are_caught(cfg_dir):
    (cfg_dir / "settings.yaml").write_text(
        "timezone: Asia/Shanghai\nstorage:\n  path: a.db\n  path: b.db\n", encoding="utf-8"
    )
    assert problems(cfg_dir) == [
        "settings.yaml: line 4: duplicate key 'path' (first at line 3) "
        "(hint: YAML would keep only the last value; keep one)"
    ]


def test_department_problems_are_all_reported_at_once(cfg_dir):
    shipped = (cfg_dir / "departments.yaml").read_text(encoding="utf-8")
    n = shipped.count("\n  - {id:")
    (cfg_dir / "departments.yaml").write_text(
        shipped
        + """
  - {id: office, name: 区府办, emails: [not-an-address], duty: true}
  - {id: a, name: 甲局, emails: [a@x.example], escalate_to: b}
  - {id: b, name: 乙局, emails: [b@x.example], escalate_to: a}
  - {id: c, name: 丙局, emails: [c@x.example], escalate_to: c}
  - {id: d, name: 丁局, emails: [d@x.example], escalate_to: nowhere, duty: true}
""",
        encoding="utf-8",
    )
    found = problems(cfg_dir)
    for expected in (
        f"departments[{n}].emails: not an e-mail address: 'not-an-address'",
        "departments: 3 duty offices (cac, office, d)",  # office's bad e-mail aside
        "escalate_to cycle: a → b → a",
        f"departments[{n + 3}].escalate_to: c escalates to itself",
        f"departments[{n + 4}].escalate_to: unknown department 'nowhere'",
    ):
        assert any(expected in p for p in found), (expected, found)
    assert not any("unknown department 'office'" in p for p in found)


def test_every_mistake_of_one_entry_is_reported_at_once(cfg_dir):
    """Two or three mistakes in one entry are all reported in one run: a broken key of the
    entry no longer hides the checks of its other keys (kind options, references)."""
    sources(
        cfg_dir,
        SOURCE.format(extra="interval: 15 minutes, selectors: {tilte: h1}, owner: nobody"),
    )
    (cfg_dir / "rules.yaml").write_text(
        "rules:\n  - {id: r, type: hotness, level: purple, departments: [nobody],"
        " options: {treshold: 5}}\n",
        encoding="utf-8",
    )
    proc = run_cli("--config", str(cfg_dir), "config", "check")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    for expected in (
        "error: sources.yaml: sources[0].interval: not a duration: '15 minutes'",
        "error: sources.yaml: sources[0].selectors.tilte: Extra inputs are not permitted",
        "error: sources.yaml: sources[0].owner: unknown department 'nobody'",
        "error: rules.yaml: rules[0].level: Input should be 'blue', 'yellow', 'orange' or 'red'",
        "error: rules.yaml: rules[0].options.threshold: Field required",
        "error: rules.yaml: rules[0].options.treshold: Extra inputs are not permitted",
        "error: rules.yaml: rules[0].departments[0]: unknown department 'nobody'",
    ):
        assert sum(line.startswith(expected) for line in lines) == 1, (expected, lines)
    assert lines[-1] == f"7 problems in {cfg_dir}"


def test_config_check_prints_one_line_per_problem(cfg_dir):
    sources(
        cfg_dir,
        SOURCE.format(extra="encoding: nope"),
        SOURCE.format(extra="interval: 0m").replace("id: s", "id: t"),
    )
    proc = run_cli("--config", str(cfg_dir), "config", "check")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == f"2 problems in {cfg_dir}"
    assert all(line.startswith("error: sources.yaml: sources[") for line in lines[:-1])
