"""``yuqing train --focus``: retrain the focus-topic model, optionally with the focus corrections
duty staff made in the console (label feedback) as hand-labelled rows."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

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
        from yuqing.storage import open_store

        with open_store(cfg) as store:
            extra = feedback_rows(store.iter_feedback(), topics)
        if not extra:
            raise InputError("no focus corrections stored yet (label feedback in the console)")
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
        after = _dev_micro(cfg, path, dev_data, topics)
        if before is not None:
            with tempfile.TemporaryDirectory() as tmp:
                old = model_file.save(
                    before, Path(tmp) / "focus.joblib", kind=KIND, metadata=before.metadata
                )
                was = _dev_micro(cfg, old, dev_data, topics)
            click.echo(
                f"dev ({Path(str(dev)).name}, n={len(dev_data)}): focus micro precision "
                f"{_f(was['precision'])} -> {_f(after['precision'])}, recall "
                f"{_f(was['recall'])} -> {_f(after['recall'])} (without -> with the corrections)"
            )
        else:
            click.echo(
                f"dev ({Path(str(dev)).name}, n={len(dev_data)}): focus micro precision "
                f"{_f(after['precision'])}, recall {_f(after['recall'])}"
            )
    click.echo(f"use it: settings.yaml nlp.focus_model: {path}")


def _dev_micro(cfg, model_path: Path, dev_data, topics: list[str]) -> dict:
    """Micro precision / recall of the focus model at ``model_path`` on ``dev_data``, through the
    analysis the crawler runs (the configured category model and lexicon)."""
    from yuqing.config.nlp_section import NLPSettings
    from yuqing.nlp.analyzer import PostAnalyzer
    from yuqing.nlp.evaluation import analyze_all, focus_metrics

    s = getattr(cfg.settings, "nlp", None) or NLPSettings()
    analyzer = PostAnalyzer.from_config(
        cfg, settings=s.model_copy(update={"focus_model": str(Path(model_path).resolve())})
    )
    tags = [a.focus for a in analyze_all(analyzer, dev_data.texts)]
    return focus_metrics(dev_data.focus, tags, topics)["micro"]


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"
