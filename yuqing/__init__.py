"""Yuqing Sentinel (舆情哨兵): the one import name of the distribution.

The stage packages live in top-level folders of the repository (``crawlers/``, ``nlp/``,
``alerts/``, ``dashboards/``) and are installed as ``yuqing.crawlers``, ``yuqing.nlp``,
``yuqing.alerts`` and ``yuqing.dashboards`` through setuptools' ``package-dir`` mapping
(``pyproject.toml``). An editable install resolves the mapping with setuptools' own finder;
when the code runs straight from a source checkout that is not installed (``PYTHONPATH=.``),
the fallback below points the same names at the same folders.
"""

from __future__ import annotations

from pathlib import Path

#: the stage folders the distribution maps to ``yuqing.<name>``
STAGES = ("crawlers", "nlp", "alerts", "dashboards")


def _source_tree_root() -> Path | None:
    """The repository root when this package is imported from a source checkout."""
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and all(
        (root / s / "__init__.py").is_file() for s in STAGES
    ):
        return root
    return None


_root = _source_tree_root()
if _root is not None and str(_root) not in __path__:
    # submodule lookup for yuqing.<stage> also searches the checkout's top level; the stage
    # names are the only packages there (tests/, bench/, tools/ have no __init__ or are not
    # reached by any yuqing.* import)
    __path__.append(str(_root))
