"""``yuqing train``, ``yuqing evaluate``, ``yuqing classify`` — the NLP commands."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from yuqing.commands.args import Bounded
from yuqing.errors import InputError


def register(cli: click.Group) -> None:
    cli.add_command(train)
    cli.add_command(evaluate)
    cli.add_command(classify)


@click.command()
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(dir_okay=False),
    help="Training data: CSV or JSONL with columns text,label.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Where to write the model (joblib).",
)
@click.option(
    "--dev",
    "dev",
    type=click.Path(dir_okay=False),
    default=None,
    help="Optional labelled dev set; its metrics are stored in the model.",
)
@click.option(
    "--with-feedback",
    is_flag=True,
    help="Add the corrections stored as label feedback (console) to the training data: "
    "category corrections, with --focus focus-topic corrections as hand labels, with "
    "--sentiment negativity corrections; with --dev, also print the dev metric change against "
    "training without them.",
)
@click.option(
    "--focus",
    "focus",
    is_flag=True,
    help="Train the focus-topic model instead (weak supervision, docs/nlp.md; minutes: "
    "five category fits for out-of-fold probabilities). --dev then needs a focus column.",
)
@click.option(
    "--sentiment",
    "sentiment",
    is_flag=True,
    help="Train the base sentiment model (negativity) instead, on label,review rows "
    "(waimai_10k: 1 positive, 0 negative); the polarity lexicon and its weight are taken from "
    "the sentiment model in use. --dev then needs a negative column.",
)
@click.option(
    "--hand-labels",
    "hand",
    type=click.Path(dir_okay=False),
    default=None,
    help="With --focus: id,focus[,round] rows labelled by hand (topic ids separated by |), "
    "joined on --data's id column; they replace the weak labels of those rows.",
)
@click.option(
    "--label-rounds",
    "rounds",
    default="",
    metavar="N,N",
    help="With --focus: learn only the hand labels of these rounds (the file's round column; "
    "default: all).",
)
@click.option(
    "--held-out",
    "held_out",
    type=click.Path(dir_okay=False),
    default=None,
    help="With --focus: a file whose id column names --data rows never learned from.",
)
@click.pass_context
def train(
    ctx: click.Context,
    data: str,
    out: str,
    dev: str | None,
    with_feedback: bool,
    focus: bool,
    sentiment: bool,
    hand: str | None,
    rounds: str,
    held_out: str | None,
) -> None:
    """Train the category classifier from labelled texts (labels: the categories of
    topics.yaml), with --focus the focus-topic model, with --sentiment the sentiment model.

    \b
    Example:
      yuqing train --data train.csv --dev dev.csv --out var/model.joblib
      yuqing train --data data/teddy2020/train.csv --dev data/teddy2020/dev.csv \
        --with-feedback --out var/model.joblib
      yuqing train --focus --data data/teddy2020/train.csv \
        --hand-labels data/focus_eval/train_focus.csv --with-feedback --out var/focus.joblib
      yuqing train --sentiment --data data/sentiment/waimai_10k.csv --with-feedback \
        --out var/sentiment.joblib
    """
    from yuqing.cli import load
    from yuqing.nlp.train import save_model, train_model

    if focus and sentiment:
        raise click.UsageError("--focus and --sentiment train different models: pick one")
    if focus:
        from yuqing.commands.train_focus import train_focus

        train_focus(
            load(ctx),
            data,
            out,
            dev=dev,
            with_feedback=with_feedback,
            hand=hand,
            rounds=_rounds(rounds),
            held_out=held_out,
        )
        return
    if hand or held_out or rounds:
        raise click.UsageError("--hand-labels, --label-rounds and --held-out go with --focus")
    if sentiment:
        from yuqing.commands.train_sentiment import train_sentiment_model

        train_sentiment_model(load(ctx), data, out, dev=dev, with_feedback=with_feedback)
        return
    categories = [c.id for c in load(ctx).topics.categories] or None
    if with_feedback:
        clf = _train_with_feedback(ctx, data, dev, categories)
    else:
        clf = train_model(data, dev=dev, allowed=categories)
    path = save_model(clf, out)
    msg = f"wrote {path}: {len(clf.labels)} labels, {clf.metadata['training_data']['n']} rows"
    if "dev_metrics" in clf.metadata:
        msg += f", dev macro-F1 {clf.metadata['dev_metrics']['macro_f1']}"
    click.echo(msg)


def _rounds(value: str) -> set[int] | None:
    """``--label-rounds`` as a set (None: every round)."""
    try:
        out = {int(x) for x in value.split(",") if x.strip()}
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: round numbers separated by commas, e.g. 1,2,3", param_hint="--label-rounds"
        ) from None
    return out or None


def _train_with_feedback(ctx: click.Context, data: str, dev: str | None, allowed):
    """Train on ``data`` plus the stored category corrections and return that model. With
    ``--dev``, also train without them and print both dev scores; without, say so."""
    import tempfile
    from pathlib import Path

    from yuqing.cli import load
    from yuqing.commands.retrain import stored_corrections
    from yuqing.nlp.feedback import category_rows
    from yuqing.nlp.train import train_model, with_extra_rows

    rows = stored_corrections(load(ctx), category_rows, "category")
    before = train_model(data, dev=dev, allowed=allowed).metadata["dev_metrics"] if dev else None
    with tempfile.TemporaryDirectory() as tmp:
        clf = train_model(with_extra_rows(data, rows, Path(tmp)), dev=dev, allowed=allowed)
    clf.metadata["feedback_rows"] = len(rows)
    added = f"label feedback: {len(rows)} category correction(s) added to {data}"
    if before is None or dev is None:
        click.echo(f"{added} (no --dev FILE: dev scores with and without them not compared)")
        return clf
    after = clf.metadata["dev_metrics"]
    click.echo(
        f"{added}\n"
        f"dev ({Path(dev).name}, n={after['n']}): macro-F1 {before['macro_f1']:.4f} -> "
        f"{after['macro_f1']:.4f} ({after['macro_f1'] - before['macro_f1']:+.4f}), "
        f"accuracy {before['accuracy']:.4f} -> {after['accuracy']:.4f} "
        f"({after['accuracy'] - before['accuracy']:+.4f})"
    )
    return clf


@click.command()
@click.option(
    "--data",
    "data",
    required=True,
    type=click.Path(dir_okay=False),
    help="Labelled data: CSV or JSONL with text and any of label, focus, negative.",
)
@click.option(
    "--model",
    "model",
    type=click.Path(dir_okay=False),
    default=None,
    help="Category model file (default: settings model.path, else the shipped model).",
)
@click.pass_context
def evaluate(ctx: click.Context, data: str, model: str | None) -> None:
    """Print the NLP signals' metrics on a labelled file as JSON.

    Columns: text, and any of label (category), focus (topic ids separated by |, empty for
    none) and negative (1 = a negative text, 0 = not). Category metrics (n, accuracy,
    macro_f1, per_class) are printed at the top level; "focus" holds per-topic precision and
    recall, "negativity" the ROC AUC, balanced sign accuracy and calibration of the sentiment.

    \b
    Example:
      yuqing evaluate --data dev.csv --model var/model.joblib
    """
    from yuqing.cli import load
    from yuqing.nlp.analyzer import PostAnalyzer
    from yuqing.nlp.data import load_evaluation
    from yuqing.nlp.evaluation import evaluate_signals

    d = load_evaluation(data)
    cfg = load(ctx)
    analyzer = PostAnalyzer.from_config(cfg, model_path=model)
    metrics = evaluate_signals(analyzer, d, topics=[t.id for t in cfg.topics.focus])
    click.echo(json.dumps(metrics, ensure_ascii=False))


@click.command()
@click.option(
    "--model",
    "model",
    type=click.Path(dir_okay=False),
    default=None,
    help="Model file (default: settings model.path, else the shipped model).",
)
@click.option(
    "--batch",
    default=64,
    show_default=True,
    type=Bounded(1, 10_000),
    help="Posts analysed together (1–10000).",
)
@click.pass_context
def classify(ctx: click.Context, model: str | None, batch: int) -> None:
    """Read JSONL {"id","title","text"} on stdin; write JSONL with the NLP fields.

    A bad input line (not UTF-8, not JSON, neither title nor text) is named on stderr
    (`error: stdin line N: ...`) and skipped; the other lines are classified and the
    exit status is 1.

    Output lines carry the post contract's NLP fields (category, category_score, focus,
    sentiment, keywords, event_id, duplicate_of) and the extensions category_uncertain,
    focus_evidence, risk_flags, regions_mentioned and tokens. Events and duplicates are
    computed across the input.

    \b
    Example:
      echo '{"id":"1","title":"拖欠工资","text":"公司拖欠工资三个月"}' | yuqing classify
    """
    from yuqing.cli import load
    from yuqing.models import Post
    from yuqing.nlp.pipeline import NLPStage

    stage = NLPStage.from_config(load(ctx), model_path=model)
    now = datetime.now().astimezone().replace(microsecond=0)
    fields = (
        "id",
        "category",
        "category_score",
        "category_uncertain",
        "focus",
        "focus_evidence",
        "sentiment",
        "risk_flags",
        "keywords",
        "regions_mentioned",
        "tokens",
        "event_id",
        "duplicate_of",
    )
    pending: list[Post] = []

    def flush() -> None:
        for post in stage.process_many(pending):
            d = post.to_dict()
            click.echo(json.dumps({k: d[k] for k in fields}, ensure_ascii=False))
        pending.clear()

    bad = 0
    n = 0
    for n, raw in enumerate(sys.stdin.buffer, 1):
        try:
            obj = _input_object(raw)
        except InputError as exc:
            click.echo(f"error: stdin line {n}: {exc}", err=True)  # the good lines go on
            bad += 1
            continue
        if obj is None:
            continue
        pid = str(obj.get("id", n))
        pending.append(
            Post(
                id=pid,
                source_id=str(obj.get("source_id", "stdin")),
                channel=str(obj.get("channel", "other")),
                url=str(obj.get("url") or ""),
                title=str(obj.get("title") or ""),
                text=str(obj.get("text") or ""),
                published_at=None,
                crawled_at=now,
            )
        )
        if len(pending) >= batch:
            flush()
    flush()
    if bad > 1:
        raise InputError(f"{bad} of {n} stdin lines not classified (each named above)")
    if bad:
        sys.exit(1)


def _input_object(raw: bytes) -> dict | None:
    """One stdin line of ``classify`` as its object (None for a blank line); InputError
    saying what is wrong with it."""
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not line.strip():
        return None
    try:
        obj = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(obj, dict) or not (obj.get("title") or obj.get("text")):
        raise InputError("expected an object with 'title' and/or 'text'")
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("a string holds a lone surrogate escape (\\ud800-\\udfff)") from None
    return obj
