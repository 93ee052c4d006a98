"""The distribution installs one import name, ``yuqing``; the stage folders map under it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

STAGES = ("crawlers", "nlp", "alerts", "dashboards")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # no build isolation: setuptools comes from the test extras, nothing is downloaded
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob("yuqing_sentinel-*.whl")
    return zipfile.ZipFile(path)


def package_dirs() -> set[str]:
    """Every package folder of the source tree, as its installed dotted name."""
    names = set()
    for top in ("yuqing", *STAGES):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT).parts
            names.add(".".join(rel if top == "yuqing" else ("yuqing", *rel)))
    return names


def test_wheel_has_one_top_level_name(wheel):
    (top,) = [n for n in wheel.namelist() if n.endswith("top_level.txt")]
    assert wheel.read(top).decode().split() == ["yuqing"]
    roots = {
        n.split("/")[0] for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")
    }
    assert roots == {"yuqing"}


def test_wheel_holds_every_package_and_its_data(wheel):
    names = set(wheel.namelist())
    packaged = {
        n[: -len("/__init__.py")].replace("/", ".") for n in names if n.endswith("/__init__.py")
    }
    assert package_dirs() <= packaged, "add the missing packages to pyproject.toml"
    for data in (
        "yuqing/nlp/models/default.joblib",
        "yuqing/nlp/models/sentiment.joblib",
        "yuqing/alerts/templates/alert.html",
        "yuqing/dashboards/templates/digest.html",
        "yuqing/dashboards/kibana/yuqing.ndjson",
        "yuqing/demo/sources.yaml",
    ):
        assert data in names


def test_stage_packages_resolve_from_a_plain_checkout():
    """Without the editable install's finder (a checkout on PYTHONPATH only), every
    ``yuqing.<stage>`` name still resolves to the checkout's folder."""
    code = (
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
        "sys.path_hooks[:] = [h for h in sys.path_hooks if 'editable' not in repr(h)]\n"
        "sys.path_importer_cache.clear()\n"
        "import yuqing.crawlers.runner, yuqing.nlp.pipeline, yuqing.alerts.engine\n"
        "import yuqing.dashboards.digest\n"
        "for m in ('crawlers', 'nlp', 'alerts', 'dashboards'):\n"
        "    print(sys.modules['yuqing.' + m].__file__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = [Path(line) for line in proc.stdout.split()]
    assert [f.parent.name for f in files] == list(STAGES)
    assert all(f.parent.parent == ROOT for f in files)


def test_no_test_folder_shadows_a_package():
    """Test folders are not packages, so a test directory named ``nlp`` or ``alerts`` can
    never be imported in place of the application's code."""
    assert not [p for p in (ROOT / "tests").rglob("__init__.py")]


def test_loggers_live_under_one_name():
    import yuqing.alerts.engine as engine
    import yuqing.crawlers.runner as runner

    assert engine.log.name.startswith("yuqing.") and runner.log.name.startswith("yuqing.")


def test_bundled_dictionaries_resolve_from_the_installed_wheel(wheel, tmp_path):
    """An installed wheel (unpacked beside nothing else: no checkout, no config directory)
    finds the bundled user dictionary and stopwords as package data of ``yuqing.nlp``."""
    site = tmp_path / "site"
    wheel.extractall(site)
    code = (
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
        "sys.path_hooks[:] = [h for h in sys.path_hooks if 'editable' not in repr(h)]\n"
        "sys.path_importer_cache.clear()\n"
        "from yuqing.nlp import segment\n"
        "print(segment.__file__)\n"
        "print(segment.DEFAULT_USERDICT)\n"
        "print(segment.DEFAULT_STOPWORDS)\n"
        "print(len(segment.read_userdict()), len(segment.read_stopwords()))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    module, userdict, stopwords, counts = proc.stdout.splitlines()
    for path in (module, userdict, stopwords):
        assert Path(path).is_relative_to(site), path
    from yuqing.nlp.segment import read_stopwords, read_userdict

    assert counts.split() == [str(len(read_userdict())), str(len(read_stopwords()))]
    assert int(counts.split()[0]) > 100
