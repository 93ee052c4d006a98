"""``yuqing train --focus``: retrain the focus-topic model, optionally with the focus corrections
duty staff made in the console (label feedback) as hand-labelled rows."""

from __future__ import annotations

from pathlib import Path

import click

from yuqing.commands.retrain import print_dev_change, stored_corrections
from yuqing.errors import InputError


def train_focus(
    cfg,
    data: str,
    out: str,
    *,
    dev: str | None = None,
    with_feedback: bool = False,
    hand: str | None = None,
    rounds: set[int] | None = None,
    held_out: str | None = None,
) -> None:
    """Train on ``data`` (+ the stored focus corrections), write ``out`` and say what was
    learned; with ``dev`` (a file with a focus column) print its micro precision / recall, and
    with the corrections also those of the model trained without them."""
    from yuqing.nlp import model_file
    from yuqing.nlp.data import load_evaluation
    from yuqing.nlp.focus import FocusTagger
    from yuqing.nlp.focus_model import KIND
    from yuqing.nlp.focus_training import feedback_rows, train_from_files

    topics = [t.id for t in cfg.topics.focus]
    if not topics:
        raise InputError("topics.yaml has no focus topics: nothing to train")
    dev_data = load_evaluation(dev) if dev else None
    if dev_data is not None and dev_data.focus is None:
        raise InputError(f"{dev}: no focus column (--focus --dev needs topic ids per text)")
    extra = None
    if with_feedback:
        extra = stored_corrections(cfg, lambda fb: feedback_rows(fb, topics), "focus")
        counts = {t: sum(t in f for f in extra.focus) for t in topics}
        said = ", ".join(f"{t} {n}" for t, n in counts.items() if n)
        none = sum(not f for f in extra.focus)
        click.echo(
            f"label feedback: {len(extra)} focus correction(s) added as hand labels"
            f" ({said or 'no topic'}{f', none {none}' if none else ''})"
        )
    lexicon = FocusTagger.from_topics(cfg.topics.focus)
    before = None
    if dev_data is not None and extra:
        before = train_from_files(data, lexicon, hand=hand, rounds=rounds, held_out=held_out)
    model = train_from_files(
        data, lexicon, hand=hand, rounds=rounds, held_out=held_out, extra=extra
    )
    path = model_file.save(model, out, kind=KIND, metadata=model.metadata)
    meta = model.metadata
    click.echo(
        f"wrote {path}: focus model, {len(model.topics)} topics, "
        f"{meta['training_data']['learned_from']} rows of {Path(data).name}"
        + (f" + {meta['feedback_rows']} corrections" if meta.get("feedback_rows") else "")
        + f", {meta.get('hand_labelled_rows', 0)} hand-labelled"
    )
    oof = meta.get("floor_hand_oof") or {}
    if oof:
        click.echo(
            "out of fold on the hand-labelled rows (precision / recall): "
            + ", ".join(
                f"{t} {v['precision']:.2f} / {v['recall']:.2f}"
                for t, v in oof.items()
                if v.get("precision") is not None
            )
        )
    if dev_data is not None:
        from yuqing.nlp.evaluation import focus_metrics

        truth = dev_data.focus or []  # checked above: the file has a focus column
        print_dev_change(
            cfg,
            str(dev),
            dev_data.texts,
            path,
            before,
            kind=KIND,
            setting="focus_model",
            measure=lambda an: focus_metrics(truth, [a.focus for a in an], topics)["micro"],
            label="focus micro",
            figures=(("precision", "precision"), ("recall", "recall")),
        )
    click.echo(f"use it: settings.yaml nlp.focus_model: {path}")
