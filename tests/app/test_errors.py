"""Every command, run against a damaged store, a missing store directory and a bad config,
fails with exactly one line on stderr and exit status 1 (the promise of ``yuqing.errors``).

The commands are enumerated from the click group, so a new command is covered the day it is
added: it either runs here or is listed in ``EXEMPT`` with the reason it cannot fail that way.
Each run is a child process (``python -m yuqing``), as an operator would see it.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from tests.conftest import ROOT
from yuqing.cli import cli
from yuqing.errors import YuqingError
from yuqing.models import Alert, Post
from yuqing.storage import StorageError
from yuqing.storage.sqlite import SQLiteStore
from yuqing.timeutil import now

SCENARIOS = ("damaged store", "missing store directory", "bad config")
STORE_SCENARIOS = SCENARIOS[:2]

#: arguments a command needs to get as far as its config and store
ARGS = {
    "export": ["alerts"],
    "alerts ack": ["6b49bc63f5"],
    "alerts resolve": ["6b49bc63f5"],
    "alerts level": ["6b49bc63f5", "red", "--reason", "事态扩大"],
    "alerts raise": ["ev-0123456789abcdef", "--level", "red", "--note", "群体讨薪"],
    "alerts test": ["hot-events"],
    "events report": ["ev-0123456789abcdef"],
    "demo": ["--out", "{tmp}/demo"],
    "train": ["--data", "{tmp}/train.csv", "--out", "{tmp}/model.joblib"],
    "evaluate": ["--data", "{tmp}/train.csv"],
    "kibana import": ["--url", "http://127.0.0.1:9"],
    "reanalyze": ["--since", "2000-01-01"],
}

_NO_STATE = "reads only its --data/--model files or --url: no configuration, no store"
#: (command, scenario) -> why the command cannot fail that way
EXEMPT = {
    **{("train", s): _NO_STATE for s in SCENARIOS},
    **{
        ("evaluate", s): "reads --data, --model and the configuration; no store"
        for s in STORE_SCENARIOS
    },
    **{("kibana export", s): "writes saved objects built from code" for s in SCENARIOS},
    **{("kibana import", s): _NO_STATE for s in SCENARIOS},
    **{("console hash-password", s): "hashes a password read on stdin" for s in SCENARIOS},
    **{("config check", s): "validates the configuration files only" for s in STORE_SCENARIOS},
    **{("classify", s): "analyses stdin; opens no store" for s in STORE_SCENARIOS},
    **{("demo", s): "crawls into a fresh store of its own under --out" for s in STORE_SCENARIOS},
    **{
        ("worker", s): "needs cluster: (a shared store); with the SQLite store it stops at that, "
        "in one line (tests/cluster/test_frontier.py)"
        for s in STORE_SCENARIOS
    },
    **{
        (f"es {name}", s): "manages the Elasticsearch backend, not the SQLite store "
        "(an unreachable cluster: tests/es/test_cli.py)"
        for name in ("setup", "retention", "status")
        for s in STORE_SCENARIOS
    },
}


def leaf_commands(group: click.Group = cli, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            names += leaf_commands(command, f"{prefix}{name} ")
        else:
            names.append(f"{prefix}{name}")
    return names


COMMANDS = leaf_commands()


def test_the_tables_name_real_commands():
    assert {name for name, _ in EXEMPT} <= set(COMMANDS)
    assert set(ARGS) <= set(COMMANDS)
    for name in COMMANDS:  # a new command with required arguments must say which to use
        command = cli
        for part in name.split():
            command = command.commands[part]
        required = [p.name for p in command.params if p.required]
        assert not required or name in ARGS, f"{name}: add its required {required} to ARGS"


def post(i: int) -> Post:
    t = now()
    return Post(
        id=f"p{i}",
        source_id="s",
        channel="portal",
        url=f"http://127.0.0.1/{i}",
        title="标题" * 50,
        text="正文" * 500,
        published_at=t,
        crawled_at=t,
    )


def damaged_store(path: Path) -> None:
    """A real store with a few records, then every page after the first scribbled over: the
    header and schema are intact, the tables are not."""
    t = now()
    with SQLiteStore(path) as store:
        for i in range(20):
            store.upsert_post(post(i))
        store.insert_alert(Alert(id="a1", level="red", rule="r", created_at=t))
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xa5" * (len(data) - page)
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def setups(tmp_path_factory) -> dict[str, Path]:
    """scenario -> a config directory in its own folder (``var/`` beside it)."""
    out = {}
    for scenario in SCENARIOS:
        root = tmp_path_factory.mktemp(scenario.replace(" ", "-"))
        cfg = root / "config"
        shutil.copytree(ROOT / "config", cfg)
        (root / "train.csv").write_text("text,label\n工资拖欠,labour\n", encoding="utf-8")
        settings = yaml.safe_load((cfg / "settings.yaml").read_text(encoding="utf-8"))
        settings["storage"]["path"] = "store/yuqing.db"
        if scenario == "damaged store":
            (root / "store").mkdir()
            damaged_store(root / "store" / "yuqing.db")
        elif scenario == "missing store directory":
            settings["storage"]["path"] = "no-such-dir/yuqing.db"
        else:
            settings["storag"] = {"path": "typo"}
        (cfg / "settings.yaml").write_text(
            yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8"
        )
        out[scenario] = cfg
    return out


def yuqing(cfg: Path, command: str) -> subprocess.CompletedProcess:
    root = str(cfg.parent)
    args = [a.replace("{tmp}", root) for a in ARGS.get(command, [])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    return subprocess.run(
        [sys.executable, "-m", "yuqing", "--config", str(cfg), *command.split(), *args],
        capture_output=True,
        text=True,
        input="",
        cwd=root,
        timeout=180,
        env={**env, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_fails_in_one_line(setups, command, scenario):
    if (command, scenario) in EXEMPT:
        pytest.skip(EXEMPT[command, scenario])
    proc = yuqing(setups[scenario], command)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr[-3000:]
    expected = {
        "damaged store": "error: storage: ",
        "missing store directory": "error: storage: storage.path ",
        "bad config": "error: configuration: settings.yaml: storag:",
    }[scenario]
    if command == "config check":  # lists problems, one a line, without the area
        expected = "error: settings.yaml: storag:"
    assert lines[0].startswith(expected), lines[0]
    if scenario != "bad config":
        assert str(setups[scenario].parent / "") in lines[0]  # names the file
    assert not (setups[scenario].parent / "no-such-dir").exists()  # nothing created


def test_verbose_adds_the_traceback(setups):
    cfg = setups["damaged store"]
    proc = subprocess.run(
        [sys.executable, "-m", "yuqing", "-v", "--config", str(cfg), "export", "posts"],
        capture_output=True,
        text=True,
        cwd=cfg.parent,
        timeout=180,
    )
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1 and lines[0] == "Traceback (most recent call last):"
    assert "yuqing.storage.base.StorageError" in proc.stderr
    assert lines[-1].startswith("error: storage: ") and len(lines) > 5


def test_programming_errors_keep_their_traceback(monkeypatch, tmp_path):
    """Only YuqingError becomes one line; anything else is a bug and keeps its traceback."""
    import yuqing.storage

    def broken(cfg):
        raise KeyError("a bug")

    monkeypatch.setattr(yuqing.storage, "open_store", broken)
    result = CliRunner().invoke(cli, ["--config", str(ROOT / "config"), "export", "posts"])
    assert isinstance(result.exception, KeyError) and "error:" not in result.output


#: exceptions that never leave the module that raises them (control flow, not failures)
INTERNAL = {
    "yuqing.nlp.fastpath.Unsupported": "the fast path declines a model; caught beside",
    "yuqing.crawlers.spiders.json_api.BadItem": "an API item that cannot be a post; caught "
    "beside and counted bad_item",
}


def module_names(package: str) -> list[str]:
    """Every module of ``package``, recursively (``__main__`` left out: it runs the CLI).
    In a source checkout ``yuqing.__path__`` also holds the repository root, whose own
    ``yuqing/`` folder is the package itself, not a child."""
    names = []
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name in ("__main__", "yuqing"):
            continue
        names.append(f"{package}.{info.name}")
        if info.ispkg:
            names += module_names(f"{package}.{info.name}")
    return names


def test_every_exception_class_has_the_one_root():
    """Every exception class defined in the package (all modules imported) subclasses
    YuqingError, so the CLI's one handler covers it."""
    found = {}
    for name in module_names("yuqing"):
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    assert {"yuqing.crawlers.runner.CrawlError", "yuqing.mail.SmtpError"} <= set(found)
    assert len(found) >= 18, sorted(found)
    outside = sorted(n for n, c in found.items() if not issubclass(c, YuqingError))
    assert outside == sorted(INTERNAL), outside


def test_one_line():
    assert StorageError("x\n  y").line() == "storage: x y"
