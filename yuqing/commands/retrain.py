"""Steps the retraining commands share (``yuqing train --with-feedback``, ``--focus``,
``--sentiment``): the label corrections stored in the console, and a model's dev figures
without → with them, measured through the analysis the crawler runs."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from yuqing.errors import InputError


def nlp_settings(cfg):
    """The ``nlp:`` settings of ``cfg`` (defaults where the section is absent)."""
    from yuqing.config.nlp_section import NLPSettings

    return getattr(cfg.settings, "nlp", None) or NLPSettings()


def stored_corrections(cfg, rows_of: Callable[[Any], Any], what: str):
    """``rows_of`` the label feedback in ``cfg``'s store; one line (InputError) when that is
    empty: no ``what`` corrections stored yet."""
    from yuqing.storage import open_store

    with open_store(cfg) as store:
        rows = rows_of(store.iter_feedback())
    if not rows:
        raise InputError(f"no {what} corrections stored yet (label feedback in the console)")
    return rows


def print_dev_change(
    cfg,
    dev: str,
    texts: Sequence[str],
    path: Path,
    before,
    *,
    kind: str,
    setting: str,
    measure: Callable[[list], dict],
    label: str,
    figures: Sequence[tuple[str, str]],
) -> None:
    """Print ``dev``'s figures — ``measure`` of the analyses of its ``texts``; ``figures``:
    (name, key) pairs of that result — for the model file at ``path``, and with ``before`` (the
    model trained without the corrections, of ``kind``) for that one too: ``a -> b``.
    ``setting``: the ``nlp:`` key naming the model file (``focus_model``, ``sentiment_model``)."""

    def scored(p: Path) -> dict:
        from yuqing.nlp.analyzer import PostAnalyzer
        from yuqing.nlp.evaluation import analyze_all

        s = nlp_settings(cfg).model_copy(update={setting: str(Path(p).resolve())})
        return measure(analyze_all(PostAnalyzer.from_config(cfg, settings=s), texts))

    after = scored(path)
    where = f"dev ({Path(str(dev)).name}, n={len(texts)}): {label}"
    if before is None:
        click.echo(f"{where} " + ", ".join(f"{n} {_f(after[k])}" for n, k in figures))
        return
    from yuqing.nlp import model_file

    with tempfile.TemporaryDirectory() as tmp:
        old = model_file.save(
            before, Path(tmp) / f"{kind}.joblib", kind=kind, metadata=before.metadata
        )
        was = scored(old)
    click.echo(
        f"{where} "
        + ", ".join(f"{n} {_f(was[k])} -> {_f(after[k])}" for n, k in figures)
        + " (without -> with the corrections)"
    )


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"
