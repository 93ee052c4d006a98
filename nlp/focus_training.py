"""Training the focus-topic model from files: the rows it learns from, the category model's
out-of-fold probabilities, the fit and the model file's metadata.

Used by ``tools/train_focus.py`` (the shipped ``nlp/models/focus.joblib``, with the repository's
hand labels and held-out set) and by ``yuqing train --focus`` (an operator's retraining, e.g.
with the focus corrections duty staff made in the console: :func:`feedback_rows`). The model
itself — weak labels, evidence layer, thresholds, precision floor — is
:func:`yuqing.nlp.focus_model.train_focus_model`.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from yuqing.nlp.errors import TrainingDataError

__all__ = [
    "FLOOR_PARTS",
    "FOCUS_PROVENANCE",
    "PRECISION_FLOOR",
    "UNTAGGED",
    "SCOPE_REQUIRED",
    "ExtraRows",
    "feedback_rows",
    "fit_focus_model",
    "hand_labels",
    "held_out_ids",
    "oof_category",
    "prepare",
    "train_from_files",
    "training_mask",
]

FOCUS_PROVENANCE = (
    "weak supervision on the 2020 TipDM (泰迪杯) problem C training messages (train.csv): "
    "labels from the topics.yaml focus lexicon agreeing with the gold first-level category, "
    "category 环境保护 -> ecology, and per-topic patterns (yuqing.nlp.focus_model.weak_labels); "
    "messages labelled by hand by data/focus_eval/RULES.md (train_focus.csv, by rounds) "
    "instead; the held-out focus test set's messages (test_focus.csv) left out entirely; "
    "features: content words + out-of-fold category probabilities; a pattern-evidence layer "
    "per topic fitted on the hand-labelled messages only; per-topic thresholds raised where the "
    "tags miss a precision floor out of fold on the hand-labelled messages"
)
#: the per-topic precision floor (train_focus_model's ``precision_floor``), chosen out of fold on
#: the hand-labelled training rows with tools/cv_focus.py (docs/nlp.md)
PRECISION_FLOOR = 0.88
#: topics left untagged (train_focus_model's ``untagged``): their tags miss the precision goal
#: out of fold whatever their settings (tools/cv_focus.py, docs/nlp.md)
UNTAGGED: tuple[str, ...] = ("food_drug",)
#: topics tagged only with in-scope evidence in the text (train_focus_model's ``scope_required``)
SCOPE_REQUIRED: tuple[str, ...] = ()
#: the precision floor held by each rule lowering the word model's bar on the tags it adds
#: (train_focus_model's ``floor_parts``): measured in the eighth round, not shipped (out of
#: fold real_estate_finance 0.851 -> 0.912, on dev 0.957 -> 0.839: docs/nlp.md)
FLOOR_PARTS = False


@dataclass
class ExtraRows:
    """Labelled messages beyond the training file (label feedback): normalized texts, their
    categories and their focus topics as judged by a person (hand labels)."""

    texts: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    focus: list[list[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def held_out_ids(path: str | Path | None) -> set[str]:
    """The ids (``id`` column) of the held-out focus test set; none for ''/None."""
    if not path:
        return set()
    with open(path, encoding="utf-8") as fh:
        return {r["id"] for r in csv.DictReader(fh)}


def _ids(train: str | Path) -> list[str]:
    with open(train, encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        if "id" not in (rows.fieldnames or ()):
            raise TrainingDataError(
                f"{train}: no id column (hand labels and held-out ids join on it)"
            )
        return [r["id"] for r in rows]


def training_mask(train: str | Path, held_out: set[str]) -> list[bool]:
    """Per row of ``train`` (its ``id`` column): may the focus model learn from it? Every id of
    ``held_out`` must be a row of ``train`` (a typo would silently leak the set)."""
    if not held_out:
        with open(train, encoding="utf-8") as fh:
            return [True for _ in csv.DictReader(fh)]
    ids = _ids(train)
    missing = held_out - set(ids)
    if missing:
        raise TrainingDataError(f"held-out ids not in {train}: {len(missing)}, e.g. {min(missing)}")
    return [i not in held_out for i in ids]


def hand_labels(
    train: str | Path, path: str | Path, rounds: set[int] | None = None
) -> list[list[str] | None]:
    """Per row of ``train`` (its ``id`` column): the hand-labelled topics of ``path``
    (``id,focus[,round]``), None for a row nobody labelled (or, with ``rounds``, labelled in
    another round; a row without a ``round`` is round 1)."""
    with open(path, encoding="utf-8") as fh:
        labelled = {
            r["id"]: [t for t in r["focus"].split("|") if t]
            for r in csv.DictReader(fh)
            if rounds is None or int(r.get("round") or 1) in rounds
        }
    ids = _ids(train)
    missing = set(labelled) - set(ids)
    if missing:
        raise TrainingDataError(f"{path}: {len(missing)} ids not in {train}, e.g. {min(missing)}")
    return [labelled.get(i) for i in ids]


def prepare(
    train: str | Path,
    hand: str | Path | None,
    held_out: str | Path | None,
    rounds: set[int] | None = None,
    extra: ExtraRows | None = None,
) -> dict:
    """The rows the focus model learns from: ``train`` without the held-out ids, normalized,
    segmented, with their gold categories and hand labels (None where nobody labelled), then
    the ``extra`` rows (hand-labelled: label feedback)."""
    from yuqing.nlp.data import load_labelled
    from yuqing.nlp.normalize import normalize
    from yuqing.nlp.segment import get_segmenter

    data = load_labelled(train)
    gold = hand_labels(train, hand, rounds) if hand else None
    if gold is not None and len(gold) != len(data):
        raise TrainingDataError(f"{train}: {len(data)} messages but {len(gold)} ids")
    out_ids = held_out_ids(held_out)
    keep = training_mask(train, out_ids)
    if len(keep) != len(data):
        raise TrainingDataError(f"{train}: {len(data)} messages but {len(keep)} ids")
    texts = [normalize(t) for t, k in zip(data.texts, keep, strict=True) if k]
    categories = [c for c, k in zip(data.labels, keep, strict=True) if k]
    labels = None if gold is None else [g for g, k in zip(gold, keep, strict=True) if k]
    if extra:
        labels = (labels or [None] * len(texts)) + [list(f) for f in extra.focus]
        texts += extra.texts
        categories += extra.categories
    seg = get_segmenter()
    return {
        "data": data,
        "texts": texts,
        "categories": categories,
        "tokens": [seg.tokens(t) for t in texts],
        "gold": labels,
        "n_held_out": len(out_ids),
        "n_extra": len(extra) if extra else 0,
    }


def oof_category(texts: list[str], categories: list[str]):
    """5-fold out-of-fold probabilities of the current category pipeline on the rows, and the
    category labels in their column order."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from yuqing.nlp.classifier import build_pipeline
    from yuqing.nlp.segment import get_segmenter

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    proba = cross_val_predict(
        build_pipeline(get_segmenter()), texts, categories, cv=folds, method="predict_proba"
    )
    return np.asarray(proba), sorted(set(categories))  # cross_val_predict's column order


def feedback_rows(feedback: Iterable[Any], topics: Sequence[str]) -> ExtraRows:
    """The focus corrections among stored label feedback (``Feedback`` records) as hand-labelled
    rows: the latest correction of each post that says its focus topics (``[]`` = none of
    them), its text as judged, its category as corrected or else as it was. Topics not
    configured are dropped; a correction without any category is skipped."""
    from yuqing.nlp.analyzer import joined_text
    from yuqing.nlp.feedback import latest_corrections

    rows = ExtraRows()
    known = set(topics)
    for fb in latest_corrections(feedback, "focus"):
        category = fb.category or (fb.was or {}).get("category")
        text = joined_text(fb.title or "", fb.text or "")
        if not category or not text.strip():
            continue
        rows.texts.append(text)
        rows.categories.append(str(category))
        rows.focus.append([t for t in fb.focus if t in known])
    return rows


def file_info(path: str | Path | None) -> dict | None:
    if not path:
        return None
    raw = Path(path).read_bytes()
    return {"path": Path(path).name, "sha256": hashlib.sha256(raw).hexdigest()}


def fit_focus_model(
    rows: dict,
    proba,
    labels: Sequence[str],
    lexicon,
    *,
    hand: str | Path | None = None,
    rounds: set[int] | None = None,
    held_out: str | Path | None = None,
    provenance: str = FOCUS_PROVENANCE,
    started: float | None = None,
    **params,
):
    """:func:`train_focus_model` on :func:`prepare`'s ``rows`` (with the category model's
    out-of-fold ``proba`` over ``labels``), the model's metadata filled in: training data,
    hand labels, held-out set, extra rows, segmenter, thresholds, provenance, time (from
    ``started``, a ``time.perf_counter()`` reading: the whole job's, not the fit's alone)."""
    from yuqing.nlp.focus_model import train_focus_model
    from yuqing.nlp.segment import get_segmenter

    t0 = time.perf_counter() if started is None else started
    model = train_focus_model(
        rows["texts"],
        rows["categories"],
        rows["tokens"],
        np.asarray(proba),
        labels,
        lexicon,
        gold=rows["gold"],
        **params,
    )
    data = rows["data"]
    extra = rows.get("n_extra", 0)
    model.metadata = {
        **model.metadata,
        "topics": model.topics,
        "training_data": {
            "path": Path(data.path).name,
            "sha256": data.sha256,
            "n": len(data),
            "learned_from": len(rows["texts"]) - extra,
        },
        "hand_labels": {**(file_info(hand) or {}), "rounds": sorted(rounds) if rounds else "all"}
        if hand
        else None,
        "held_out": {**(file_info(held_out) or {}), "n": rows["n_held_out"]} if held_out else None,
        "feedback_rows": extra,
        "segmenter": {"fingerprint": get_segmenter().fingerprint},
        "thresholds": dict(zip(model.topics, model.thresholds, strict=True)),
        "provenance": provenance,
        "fit_seconds": round(time.perf_counter() - t0, 1),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return model


def train_from_files(
    data: str | Path,
    lexicon,
    *,
    hand: str | Path | None = None,
    rounds: set[int] | None = None,
    held_out: str | Path | None = None,
    extra: ExtraRows | None = None,
    **params,
):
    """A focus model trained on ``data`` (``id,text,label`` rows; ``id`` needed only with
    ``hand`` or ``held_out``; ``rounds``: learn only those rounds of ``hand``) and the ``extra``
    hand-labelled rows, with the shipped settings
    (precision floor, untagged topics) unless ``params`` say otherwise."""
    started = time.perf_counter()
    rows = prepare(data, hand, held_out, rounds, extra=extra)
    proba, labels = oof_category(rows["texts"], rows["categories"])
    settings = {
        "precision_floor": PRECISION_FLOOR,
        "untagged": list(UNTAGGED),
        "scope_required": list(SCOPE_REQUIRED),
        "floor_parts": FLOOR_PARTS,
        **params,
    }
    return fit_focus_model(
        rows,
        proba,
        labels,
        lexicon,
        hand=hand,
        rounds=rounds,
        held_out=held_out,
        started=started,
        **settings,
    )
