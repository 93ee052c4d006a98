"""Train, evaluate and persist the category classifier (``yuqing train`` / ``evaluate``).

The shipped default model (``nlp/models/default.joblib``) is rebuilt from the labelled data in
the repository by ``tools/train_category.py``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Any

from yuqing.nlp import model_file
from yuqing.nlp.classifier import DEFAULT_PARAMS, CategoryClassifier
from yuqing.nlp.data import LabelledData, load_labelled
from yuqing.nlp.errors import TrainingDataError
from yuqing.nlp.normalize import normalize
from yuqing.nlp.segment import Segmenter, get_segmenter

__all__ = [
    "train_model",
    "save_model",
    "load_model",
    "evaluate_model",
    "with_extra_rows",
    "DEFAULT_MODEL",
]

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = MODELS_DIR / "default.joblib"
KIND = "category"


def train_model(
    data: str | Path,
    *,
    dev: str | Path | None = None,
    segmenter: Segmenter | None = None,
    provenance: str | None = None,
    allowed: Collection[str] | None = None,
    **params: Any,
) -> CategoryClassifier:
    """Fit a classifier on ``data`` (CSV/JSONL ``text,label``); measure on ``dev`` if given.
    ``allowed``: the category ids labels must be (topics.yaml ``categories``)."""
    train = load_labelled(data)
    check_labels(train, allowed, params.get("calibration_cv", DEFAULT_PARAMS["calibration_cv"]))
    seg = segmenter or get_segmenter()
    t0 = time.perf_counter()
    clf = CategoryClassifier.fit([normalize(t) for t in train.texts], train.labels, seg, **params)
    clf.metadata = {
        "labels": clf.labels,
        "training_data": {"path": Path(train.path).name, "sha256": train.sha256, "n": len(train)},
        "params": clf.params,
        "segmenter": {
            "fingerprint": seg.fingerprint,
            "userdict_words": len(seg.userdict),
            "stopwords": len(seg.stopwords),
        },
        "fit_seconds": round(time.perf_counter() - t0, 1),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if provenance:
        clf.metadata["provenance"] = provenance
    if dev is not None:
        d = load_labelled(dev, min_classes=1)
        m = evaluate_model(clf, d.texts, d.labels)
        clf.metadata["dev_metrics"] = {
            "path": Path(d.path).name,
            "sha256": d.sha256,
            **{k: m[k] for k in ("n", "accuracy", "macro_f1")},
            "per_class": m["per_class"],
        }
    return clf


def with_extra_rows(data: str | Path, rows: list[tuple[str, str]], folder: Path) -> Path:
    """``data`` plus ``rows`` (text, label) as one JSONL file in ``folder`` (for training with
    label feedback: corrections are ordinary labelled rows)."""
    import json

    base = load_labelled(data)
    out = folder / "train+feedback.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for text, label in [*zip(base.texts, base.labels, strict=True), *rows]:
            f.write(json.dumps({"text": text, "label": label}, ensure_ascii=False) + "\n")
    return out


def evaluate_model(clf: CategoryClassifier, texts, labels) -> dict[str, Any]:
    return clf.evaluate([normalize(t) for t in texts], labels)


def save_model(clf: CategoryClassifier, path: str | Path) -> Path:
    return model_file.save(clf, path, kind=KIND, metadata=clf.metadata)


def load_model(path: str | Path | None = None) -> CategoryClassifier:
    """Load a classifier (default: the shipped model); raises ModelVersionError/ModelFileError."""
    clf, meta = model_file.load(path or DEFAULT_MODEL, kind=KIND)
    clf.metadata = meta
    return clf


def check_labels(train: LabelledData, allowed: Collection[str] | None, folds: int) -> None:
    """Labels are known categories, and each has enough examples for calibration's folds."""
    counts = Counter(train.labels)
    unknown = sorted(set(counts) - set(allowed)) if allowed is not None else []
    if unknown:
        raise TrainingDataError(
            f"{train.path}: labels not among the categories of topics.yaml: "
            f"{', '.join(unknown)} (known: {', '.join(sorted(allowed or []))})"
        )
    tiny = sorted(label for label, n in counts.items() if n < folds)
    if tiny:
        raise TrainingDataError(
            f"{train.path}: too few examples of {', '.join(tiny)} "
            f"(each label needs at least {folds}, for the calibration folds)"
        )
