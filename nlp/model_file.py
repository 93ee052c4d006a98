"""Model files: a joblib container whose header can be checked before anything is unpickled.

Layout (``joblib.dump`` of a plain dict, compressed)::

    {"format": "yuqing-nlp-model", "format_version": 1, "kind": "category" | "sentiment",
     "metadata": {...labels, training_sha256, versions, metrics, provenance...},
     "payload": <pickle bytes of the model object>}

The header holds only built-in types, so :func:`load` can refuse a file written by
incompatible library versions with :class:`~yuqing.nlp.errors.ModelVersionError` *before* unpickling
scikit-learn objects it cannot trust.
"""

from __future__ import annotations

import io
import pickle
import platform
import warnings
from pathlib import Path
from typing import Any

import joblib

from yuqing.nlp.errors import ModelFileError, ModelVersionError

__all__ = [
    "library_versions",
    "save",
    "load",
    "read_header",
    "check_versions",
    "FORMAT",
    "FORMAT_VERSION",
]

FORMAT = "yuqing-nlp-model"
FORMAT_VERSION = 1


def library_versions() -> dict[str, str]:
    import jieba
    import numpy
    import sklearn

    return {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "jieba": jieba.__version__,
        "numpy": numpy.__version__,
    }


def _minor(v: str) -> tuple[str, ...]:
    return tuple(v.split(".")[:2])


def check_versions(saved: dict[str, str], path: str = "model") -> None:
    """Raise ModelVersionError unless scikit-learn, jieba and numpy (major.minor) and Python
    (major) match what wrote the model."""
    now = library_versions()
    rules = {
        "sklearn": _minor,
        "jieba": _minor,
        "numpy": lambda v: tuple(v.split(".")[:1]),
        "python": lambda v: tuple(v.split(".")[:1]),
    }
    bad = [
        f"{lib} {saved.get(lib, '?')} (installed {now[lib]})"
        for lib, key in rules.items()
        if key(str(saved.get(lib, ""))) != key(now[lib])
    ]
    if bad:
        raise ModelVersionError(
            f"{path}: model was written by incompatible versions: {'; '.join(bad)}; "
            "retrain it with `yuqing train` or install the versions it was built with"
        )


def save(obj: Any, path: str | Path, *, kind: str, metadata: dict[str, Any]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**metadata, "versions": library_versions()}
    joblib.dump(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "kind": kind,
            "metadata": meta,
            "payload": pickle.dumps(obj, protocol=5),
        },
        path,
        compress=("zlib", 6),
    )
    return path


def read_header(path: str | Path) -> dict[str, Any]:
    """The container dict (payload still pickled bytes)."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        box = joblib.load(path)
    except Exception as exc:  # joblib raises many kinds for a damaged or foreign file
        raise ModelFileError(
            f"{path}: not a readable model file ({type(exc).__name__}); "
            "train one with `yuqing train`"
        ) from None
    if not isinstance(box, dict) or box.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a Yuqing model file; train one with `yuqing train`")
    if box.get("format_version") != FORMAT_VERSION:
        raise ModelVersionError(
            f"{path}: model file format {box.get('format_version')} is not "
            f"supported (expected {FORMAT_VERSION}); retrain it"
        )
    return box


#: module prefixes of files written before the one-namespace layout (``nlp.classifier``)
_LEGACY_PREFIXES = ("nlp", "crawlers", "alerts", "dashboards")


class _Unpickler(pickle.Unpickler):
    """Reads model files written before the stage packages moved under ``yuqing.``: a class
    pickled as ``nlp.segment.Segmenter`` is looked up as ``yuqing.nlp.segment.Segmenter``."""

    def find_class(self, module: str, name: str) -> Any:
        head = module.split(".", 1)[0]
        if head in _LEGACY_PREFIXES:
            module = f"yuqing.{module}"
        return super().find_class(module, name)


def load(path: str | Path, *, kind: str) -> tuple[Any, dict[str, Any]]:
    """(model object, metadata); version-checked before unpickling."""
    box = read_header(path)
    if box.get("kind") != kind:
        raise ModelFileError(f"{path}: is a {box.get('kind')!r} model, expected {kind!r}")
    meta = box.get("metadata") or {}
    check_versions(meta.get("versions") or {}, str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # versions were checked above
        obj = _Unpickler(io.BytesIO(box["payload"])).load()
    return obj, meta
