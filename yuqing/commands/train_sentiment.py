"""``yuqing train --sentiment``: retrain the base sentiment model (negativity), optionally with
the negativity corrections duty staff made in the console (label feedback) as extra rows.

The JioNLP polarity lexicon and its weight come from the sentiment model in use (settings
``nlp.sentiment_model``, else the shipped one), so no ``train`` extra is needed and, without
corrections, the retrain equals ``tools/train_sentiment.py``'s model."""

from __future__ import annotations

from pathlib import Path

import click

from yuqing.commands.retrain import nlp_settings, print_dev_change, stored_corrections
from yuqing.errors import InputError


def train_sentiment_model(
    cfg, data: str, out: str, *, dev: str | None = None, with_feedback: bool = False
) -> None:
    """Train on ``data`` (+ the stored negativity corrections), write ``out`` and say what was
    learned; with ``dev`` (a file with a negative column) print its negativity AUC and balanced
    accuracy, and with the corrections also those of the model trained without them."""
    from yuqing.nlp import model_file
    from yuqing.nlp.analyzer import load_sentiment_model
    from yuqing.nlp.data import load_evaluation
    from yuqing.nlp.feedback import FEEDBACK_WEIGHT, negativity_rows
    from yuqing.nlp.segment import get_segmenter
    from yuqing.nlp.sentiment import train_sentiment

    s = nlp_settings(cfg)
    dev_data = load_evaluation(dev) if dev else None
    if dev_data is not None and dev_data.negative is None:
        raise InputError(f"{dev}: no negative column (--sentiment --dev needs 1/0 per text)")
    extra: list[tuple[str, int]] = []
    if with_feedback:
        extra = stored_corrections(cfg, negativity_rows, "negativity")
        neg = sum(lab == 0 for _, lab in extra)
        click.echo(
            f"label feedback: {len(extra)} negativity correction(s) added "
            f"(negative {neg}, not negative {len(extra) - neg}), "
            f"each weighted as {FEEDBACK_WEIGHT:g} reviews"
        )
    base_path = cfg.path(s.sentiment_model) if s.sentiment_model else None
    base = load_sentiment_model(base_path)
    lexicon = base.__dict__.get("lexicon") or None
    lcut = get_segmenter().lcut

    def fit(rows):
        return train_sentiment(
            data,
            lcut,
            lexicon=lexicon,
            lexicon_weight=base.lexicon_weight,
            extra=rows,
            extra_weight=FEEDBACK_WEIGHT,
        )

    before = fit(()) if dev_data is not None and extra else None
    model = fit(extra)
    path = model_file.save(model, out, kind="sentiment", metadata=model.metadata)
    meta = model.metadata
    click.echo(
        f"wrote {path}: sentiment model, {meta['metrics']['n']} rows of {Path(data).name}"
        + (f" + {len(extra)} corrections" if extra else "")
        + f", held-out accuracy {meta['metrics']['heldout_accuracy']:.4f}, lexicon "
        + (
            f"{len(lexicon)} words (weight {base.lexicon_weight:g}) from "
            f"{Path(base_path).name if base_path else 'the shipped model'}"
            if lexicon
            else "none (the current model has none)"
        )
    )
    if dev_data is not None:
        from yuqing.nlp.evaluation import negativity_metrics

        negative = dev_data.negative or []  # checked above: the file has a negative column
        print_dev_change(
            cfg,
            str(dev),
            dev_data.texts,
            path,
            before,
            kind="sentiment",
            setting="sentiment_model",
            measure=lambda an: negativity_metrics(negative, [a.sentiment or 0.0 for a in an]),
            label="negativity",
            figures=(("AUC", "auc"), ("balanced accuracy", "balanced_accuracy")),
        )
    click.echo(f"use it: settings.yaml nlp.sentiment_model: {path}")
