"""mypy over the library packages, laid out as the wheel installs them (``make lint``).

mypy names a module after the folders it sits in and has no setting for setuptools'
``package-dir`` mapping: checked in place, ``crawlers/runner.py`` would be ``crawlers.runner``
and every ``yuqing.crawlers`` import unresolved. So this builds a tree of symbolic links in
``.cache/mypy/src`` — the files of ``yuqing/`` plus the stage folders (``crawlers/``, ``nlp/``,
``alerts/``, ``dashboards/``) linked under it, as installed — runs mypy there with the
``[tool.mypy]`` settings of pyproject.toml, and prints the findings with repository paths.

It also fails on a ``# type: ignore`` without an error code and a reason after it
(``# type: ignore[attr-defined]  # pydantic fills it in``).

    .venv/bin/python tools/typecheck.py [mypy options]
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / ".cache" / "mypy" / "src"
STAGES = ("crawlers", "nlp", "alerts", "dashboards")  # as yuqing.STAGES
#: an ignore comment must name its codes and say why: ``# type: ignore[code]  # why``
BARE_IGNORE = re.compile(r"#\s*type:\s*ignore(?!\[[\w, -]+\]\s*#\s*\S)")


def build_tree() -> Path:
    """``TREE/yuqing`` with the package's entries and the stage folders linked under it."""
    package = TREE / "yuqing"
    if package.exists():
        for link in package.iterdir():
            link.unlink()
    package.mkdir(parents=True, exist_ok=True)
    for entry in (ROOT / "yuqing").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for stage in STAGES:
        (package / stage).symlink_to(ROOT / stage)
    return package


def repo_path(line: str) -> str:
    """``yuqing/crawlers/runner.py:3: …`` -> ``crawlers/runner.py:3: …``."""
    return re.sub(rf"^yuqing/({'|'.join(STAGES)})/", r"\1/", line)


def bare_ignores() -> list[str]:
    found = []
    for folder in ("yuqing", *STAGES):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if BARE_IGNORE.search(line):
                    rel = path.relative_to(ROOT)
                    found.append(f"{rel}:{n}: error: type: ignore needs [code] and a reason")
    return found


def main(argv: list[str]) -> int:
    build_tree()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(TREE.parent / "cache"),
            *argv,
            "yuqing",
        ],
        cwd=TREE,
        capture_output=True,
        text=True,
    )
    for line in proc.stdout.splitlines():
        print(repo_path(line))
    sys.stderr.write(proc.stderr)
    ignores = bare_ignores()
    for line in ignores:
        print(line)
    return proc.returncode or (1 if ignores else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
