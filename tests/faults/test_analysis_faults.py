"""Analysis that fails is not silent: config check loads the model files, a crawl whose NLP
cannot load stores its posts noted ``not_analysed`` and fails, and the next crawl (or
``yuqing reanalyze``) analyses them once the model is fixed."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.conftest import crawl, export, run_cli
from tests.faults.boards import Board, BoardServer
from tests.faults.conftest import board_config


def set_model(cfg, path: str | None) -> None:
    settings_file = cfg / "settings.yaml"
    settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
    settings["model"] = {"path": path}
    settings_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def board(tmp_path):
    with BoardServer(**{"n-api": Board(20), "n-html": Board(0)}) as srv:
        yield srv, board_config(tmp_path, srv.url, board="n")


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "no such model file"), (b"not a model", "not a readable model file")],
)
def test_config_check_loads_the_model_files(tmp_path, board, content, expected):
    _, cfg = board
    model = tmp_path / "model.joblib"
    if content is not None:
        model.write_bytes(content)
    set_model(cfg, str(model))
    proc = run_cli("--config", str(cfg), "config", "check")
    assert proc.returncode == 1
    assert f"error: settings.yaml: model.path: {model}: {expected}" in proc.stderr


def broken_crawl(cfg, tmp_path) -> dict:
    (tmp_path / "broken.joblib").write_bytes(b"not a model")
    set_model(cfg, str(tmp_path / "broken.joblib"))
    proc = run_cli("--config", str(cfg), "crawl", "--source", "n-api", "--json-summary", "-")
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "error: crawl: the NLP stage could not be loaded, 20 post(s) stored without analysis "
        "(analysed by the next crawl, or `yuqing reanalyze`): "
    ), last
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_posts_stored_without_analysis_are_analysed_by_the_next_crawl(tmp_path, board):
    _, cfg = board
    summary = broken_crawl(cfg, tmp_path)
    assert summary["sources"]["n-api"]["new"] == 20
    assert summary["sources"]["n-api"]["not_analysed"] == 20
    posts = export(cfg, "posts", "--all-fields")
    assert all(p["notes"] == ["not_analysed"] and p["category"] is None for p in posts)
    set_model(cfg, None)  # fixed: the bundled model
    again = crawl(cfg, "n-api")
    assert again["reanalysed"] == 20 and again["nlp_error"] is None
    posts = export(cfg, "posts", "--all-fields")
    assert all(p["notes"] == [] and p["category"] and p["event_id"] for p in posts)


def test_reanalyze_since_analyses_what_was_stored_without_analysis(tmp_path, board):
    _, cfg = board
    broken_crawl(cfg, tmp_path)
    set_model(cfg, None)
    proc = run_cli("--config", str(cfg), "reanalyze", "--since", "2000-01-01", check=True)
    assert proc.stdout.strip() == "analysed 20 post(s)"
    assert all(p["category"] and not p["notes"] for p in export(cfg, "posts", "--all-fields"))
    again = run_cli("--config", str(cfg), "reanalyze", "--since", "2000-01-01", check=True)
    assert again.stdout.strip() == "analysed 0 post(s)"
