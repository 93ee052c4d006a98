"""Metrics of the three per-post signals on a labelled file (``yuqing evaluate``).

* **category** — ``{"n", "accuracy", "macro_f1", "per_class"}`` (the contract of DESIGN.md),
  at the top level of the report;
* **focus** (multi-label) — per topic precision, recall, F1, support (texts labelled with the
  topic) and predicted (texts tagged with it), plus micro averages over all topics; a ratio
  with nothing to count (no text tagged, no text labelled) is null; each precision and recall
  comes with its two-sided 90 % Wilson interval (``precision_ci90``, ``recall_ci90``: [low,
  high]) — with a few dozen labelled texts a topic's figure is a range, not a point;
* **negativity** — the post's ``sentiment`` (−1…1, negative = complaint) against a binary
  ``negative`` label: ROC AUC of ``−sentiment``; the *sign* decision (``sentiment < 0`` = called
  negative) as recall of the negative texts, recall of the others and their mean (balanced
  accuracy), and the share called negative; calibration of ``P(negative) = (1 − sentiment) / 2``
  as Brier score and expected calibration error (10 equal-width bins).

Each text goes through :meth:`~yuqing.nlp.analyzer.PostAnalyzer.analyze_text` once, the same
path the crawler's NLP stage takes (events and duplicates aside).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score

from yuqing.nlp.analyzer import Analysis, PostAnalyzer
from yuqing.nlp.classifier import evaluate_predictions
from yuqing.nlp.data import EvaluationData
from yuqing.nlp.errors import TrainingDataError
from yuqing.nlp.normalize import normalize

__all__ = ["evaluate_signals", "focus_metrics", "negativity_metrics", "wilson_interval"]

#: two-sided 90 % (the normal quantile 1.645)
_Z90 = 1.6449


def _r(x: float) -> float:
    return round(float(x), 4)


def wilson_interval(k: int, n: int, z: float = _Z90) -> list[float] | None:
    """Wilson score interval [low, high] of a proportion of ``k`` in ``n`` (None when n = 0);
    at the default ``z`` a two-sided 90 % interval."""
    if not n:
        return None
    p = k / n
    d = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / d
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [_r(max(0.0, centre - half)), _r(min(1.0, centre + half))]


def _prf(tp: int, n_pred: int, n_true: int, ci: bool = False) -> dict[str, Any]:
    """Precision / recall / F1; a ratio with nothing to count is None (null), not 0.
    ``ci``: with the 90 % Wilson intervals of precision and recall."""
    p = tp / n_pred if n_pred else None
    r = tp / n_true if n_true else None
    f = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
    if f is None and (p, r) != (None, None) and (p or 0) + (r or 0) == 0:
        f = 0.0
    out: dict[str, Any] = {
        "precision": None if p is None else _r(p),
        "recall": None if r is None else _r(r),
        "f1": None if f is None else _r(f),
    }
    if ci:
        out["precision_ci90"] = wilson_interval(tp, n_pred)
        out["recall_ci90"] = wilson_interval(tp, n_true)
    return out


def focus_metrics(
    truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], topics: Sequence[str]
) -> dict[str, Any]:
    """Per-topic and micro-averaged precision / recall of multi-label focus tags."""
    per: dict[str, Any] = {}
    tp_all = pred_all = true_all = 0
    for t in topics:
        tp = sum(1 for a, b in zip(truth, predicted, strict=True) if t in a and t in b)
        n_pred = sum(1 for b in predicted if t in b)
        n_true = sum(1 for a in truth if t in a)
        per[t] = {**_prf(tp, n_pred, n_true, ci=True), "support": n_true, "predicted": n_pred}
        tp_all, pred_all, true_all = tp_all + tp, pred_all + n_pred, true_all + n_true
    exact = sum(1 for a, b in zip(truth, predicted, strict=True) if set(a) == set(b))
    return {
        "n": len(truth),
        "micro": {
            **_prf(tp_all, pred_all, true_all, ci=True),
            "support": true_all,
            "predicted": pred_all,
        },
        "exact_match": _r(exact / len(truth)) if truth else 0.0,
        "per_topic": per,
    }


def negativity_metrics(negative: Sequence[int], sentiment: Sequence[float]) -> dict[str, Any]:
    """AUC, sign decision and calibration of ``sentiment`` against the ``negative`` labels."""
    y = np.asarray(negative, dtype=int)
    s = np.asarray(sentiment, dtype=float)
    called = s < 0
    n_neg, n_other = int(y.sum()), int(len(y) - y.sum())
    rec_neg = float(called[y == 1].mean()) if n_neg else None
    rec_other = float((~called)[y == 0].mean()) if n_other else None
    p_neg = (1.0 - s) / 2.0
    bins = np.minimum((p_neg * 10).astype(int), 9)
    ece = sum(
        abs(float(p_neg[bins == b].mean()) - float(y[bins == b].mean())) * (bins == b).sum()
        for b in range(10)
        if (bins == b).any()
    ) / max(1, len(y))
    auc = roc_auc_score(y, -s) if n_neg and n_other else None
    return {
        "n": len(y),
        "negatives": n_neg,
        "auc": None if auc is None else _r(auc),
        "balanced_accuracy": (
            _r((rec_neg + rec_other) / 2) if rec_neg is not None and rec_other is not None else None
        ),
        "negative_recall": None if rec_neg is None else _r(rec_neg),
        "non_negative_recall": None if rec_other is None else _r(rec_other),
        "called_negative": _r(called.mean()) if len(y) else 0.0,
        "brier": _r(brier_score_loss(y, p_neg)) if len(y) else 0.0,
        "ece": _r(ece),
    }


def analyze_all(analyzer: PostAnalyzer, texts: Sequence[str]) -> list[Analysis]:
    """One analysis per raw ``title\\nbody`` text (normalized first, as the crawler does)."""
    return [analyzer.analyze_text(normalize(t)) for t in texts]


def evaluate_signals(
    analyzer: PostAnalyzer, data: EvaluationData, *, topics: Sequence[str]
) -> dict[str, Any]:
    """The report ``yuqing evaluate`` prints: category metrics at the top level (when the file
    has ``label``), ``focus`` and ``negativity`` sections when it has those columns."""
    if data.focus is not None:
        unknown = sorted({t for row in data.focus for t in row} - set(topics))
        if unknown:
            raise TrainingDataError(
                f"{data.path}: unknown focus topic id(s) {', '.join(unknown)}; "
                f"configured: {', '.join(topics)}"
            )
    analyses = analyze_all(analyzer, data.texts)
    out: dict[str, Any] = {"n": len(data)}
    if data.labels is not None:
        out.update(evaluate_predictions(data.labels, [a.category or "" for a in analyses]))
    if data.focus is not None:
        out["focus"] = focus_metrics(data.focus, [a.focus for a in analyses], topics)
    if data.negative is not None:
        out["negativity"] = negativity_metrics(
            data.negative, [a.sentiment or 0.0 for a in analyses]
        )
    return out
