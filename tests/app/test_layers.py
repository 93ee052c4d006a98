"""The layers of docs/architecture.md, enforced: import-linter's contracts in pyproject.toml.

grimp (import-linter's graph builder) reads one folder per package, while the package-dir
mapping keeps the stage folders (``crawlers/`` …) outside ``yuqing/``. So the check runs over a
copy of the sources laid out as the wheel installs them (``yuqing/crawlers/`` …).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from yuqing import STAGES

REPO = Path(__file__).resolve().parents[2]


def installed_layout(dest: Path) -> Path:
    """``dest/yuqing`` with every stage folder under it; Python files only."""
    only_py = shutil.ignore_patterns("__pycache__", "*.pyc", "sites", "templates", "models")
    shutil.copytree(REPO / "yuqing", dest / "yuqing", ignore=only_py)
    for stage in STAGES:
        shutil.copytree(REPO / stage, dest / "yuqing" / stage, ignore=only_py)
    return dest


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))",
            str(REPO / "pyproject.toml"),
        ],
        cwd=src,
        env={**os.environ, "PYTHONPATH": str(src)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_layer_contracts_hold(tmp_path):
    proc = lint_imports(installed_layout(tmp_path))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "Contracts: " in proc.stdout and " broken" in proc.stdout


def test_the_check_sees_the_stage_packages_and_catches_a_violation(tmp_path):
    """The copy really contains the stages, and an import against the layers breaks a
    contract (so a passing check is not a check of nothing)."""
    src = installed_layout(tmp_path)
    bad = src / "yuqing" / "storage" / "_upward.py"
    bad.write_text("import yuqing.alerts.engine\n", encoding="utf-8")
    proc = lint_imports(src)
    assert proc.returncode == 1
    assert "yuqing.storage._upward -> yuqing.alerts.engine" in proc.stdout, proc.stdout[-4000:]
