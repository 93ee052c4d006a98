"""``yuqing train --sentiment [--with-feedback]``: the base sentiment model retrained through the
CLI (the lexicon taken from the model in use), with the negativity corrections duty staff
stored in the console learned as extra rows."""

from __future__ import annotations

import csv
import random
import re
from datetime import timedelta

import numpy as np

from tests.alerts.conftest import T0, write_config
from tests.conftest import ROOT, run_cli
from yuqing.config import load_config
from yuqing.models import Feedback
from yuqing.nlp.analyzer import joined_text, load_sentiment_model
from yuqing.nlp.feedback import FEEDBACK_WEIGHT, negativity_rows
from yuqing.nlp.segment import get_segmenter
from yuqing.nlp.sentiment import train_sentiment
from yuqing.storage.sqlite import SQLiteStore

WAIMAI = ROOT / "data" / "sentiment" / "waimai_10k.csv"


def _fb(post_id, at, **fields):
    """A stored correction of ``post_id`` made at ``at`` (text 正文 unless given)."""
    made = {"id": Feedback.make_id(post_id, at), "post_id": post_id, "created_at": at}
    return Feedback(**made, by="值班员", **{"text": "正文", **fields})


def test_negativity_rows_take_each_posts_latest_negativity_correction():
    later = T0 + timedelta(hours=1)
    rows = negativity_rows(
        [
            _fb("a", later, negative=False, text="已经解决了"),
            _fb("a", T0, negative=True, text="已经解决了"),  # older: dropped
            _fb("b", T0, negative=True, title="标题", text="正文二"),
            _fb("c", T0, category="商贸旅游"),  # a category-only correction: not a row
            _fb("d", T0, negative=False, text=""),  # nothing to learn from
        ]
    )
    # training-file convention (waimai_10k): 0 = negative, 1 = positive / not negative
    assert rows == [(joined_text("标题", "正文二"), 0), ("已经解决了", 1)]
    assert rows[0][0] == "标题\n正文二"


def _waimai(tmp_path, step=30):
    """Every ``step``-th waimai_10k review (both labels: the file is sorted by label) written
    to train.csv; the others returned as (review, label) for corrections and dev rows."""
    with open(WAIMAI, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(tmp_path / "train.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["label", "review"])
        w.writeheader()
        w.writerows(rows[::step])
    rest = [r for i, r in enumerate(rows) if i % step]
    return random.Random(0).sample(rest, 400)


def _store(cdir, rows) -> None:
    cfg = load_config(cdir)
    with SQLiteStore(cfg.path(cfg.settings.storage.path)) as store:
        for i, (text, negative) in enumerate(rows):
            store.add_feedback(_fb(f"p{i}", T0, negative=negative, text=text))


def _train(cdir, tmp_path, *args):
    return run_cli(
        "--config",
        str(cdir),
        "train",
        "--sentiment",
        "--data",
        str(tmp_path / "train.csv"),
        "--out",
        str(tmp_path / "s.joblib"),
        *args,
    )


def _called_negative(model, texts):
    """The product's sign decision on the base model's polarity (bias = −prior logit)."""
    lcut = get_segmenter().lcut
    prior = model.metadata["prior_logit"]
    return [model.polarity_one(lcut(t)) - prior < 0 for t in texts]


def test_train_sentiment_with_feedback_learns_the_corrections(tmp_path):
    cdir = write_config(tmp_path, [])
    others = _waimai(tmp_path)
    shipped = load_sentiment_model()
    without = train_sentiment(
        tmp_path / "train.csv", get_segmenter().lcut, lexicon=shipped.lexicon, lexicon_weight=0.5
    )
    # staff correct the reviews the model (trained without the corrections) misjudges
    texts = [r["review"] for r in others[:300]]
    called = _called_negative(without, texts)
    corrected = [
        (t, r["label"] == "0")
        for t, r, c in zip(texts, others, called, strict=False)
        if c != (r["label"] == "0")
    ][:40]
    assert len(corrected) >= 20
    n = len(corrected)
    _store(cdir, corrected)
    dev = tmp_path / "dev.csv"
    with open(dev, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["text", "negative"])
        w.writeheader()
        for r in others[300:340]:
            w.writerow({"text": r["review"], "negative": 1 - int(r["label"])})
    proc = _train(cdir, tmp_path, "--dev", str(dev), "--with-feedback")
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    neg = sum(negative for _, negative in corrected)
    assert lines[0] == (
        f"label feedback: {n} negativity correction(s) added (negative {neg}, not negative "
        f"{n - neg}), each weighted as {FEEDBACK_WEIGHT:g} reviews"
    )
    assert re.fullmatch(
        rf"wrote .*s\.joblib: sentiment model, 400 rows of train\.csv \+ {n} corrections, "
        r"held-out accuracy [\d.]+, lexicon \d+ words \(weight 0\.5\) from the shipped model",
        lines[1],
    ), lines[1]
    assert re.fullmatch(
        r"dev \(dev\.csv, n=40\): negativity AUC [\d.]+ -> [\d.]+, balanced accuracy "
        r"[\d.]+ -> [\d.]+ \(without -> with the corrections\)",
        lines[2],
    ), lines[2]
    assert lines[3] == f"use it: settings.yaml nlp.sentiment_model: {tmp_path / 's.joblib'}"
    model = load_sentiment_model(tmp_path / "s.joblib")
    assert model.lexicon == shipped.lexicon and model.lexicon_weight == shipped.lexicon_weight
    assert model.metadata["feedback_rows"] == n
    assert model.metadata["feedback_weight"] == FEEDBACK_WEIGHT
    # learned from: the model trained with them calls most corrected reviews as staff did
    # (the one without: none, by their choice), and its polarity moves toward their verdicts
    verdicts = [negative for _, negative in corrected]
    right = sum(
        c == v
        for c, v in zip(_called_negative(model, [t for t, _ in corrected]), verdicts, strict=True)
    )
    assert right >= 0.7 * n, (right, n)
    lcut = get_segmenter().lcut
    sign = np.array([-1.0 if v else 1.0 for v in verdicts])
    p_with = np.array([model.polarity_one(lcut(t)) for t, _ in corrected])
    p_without = np.array([without.polarity_one(lcut(t)) for t, _ in corrected])
    assert np.mean(sign * p_with) > np.mean(sign * p_without) + 0.5


def test_train_sentiment_without_feedback_is_the_library_training(tmp_path):
    """The CLI path is tools/train_sentiment.py's: same rows, same settings, the lexicon of
    the model in use (here the shipped one) — the same weights."""
    cdir = write_config(tmp_path, [])
    _waimai(tmp_path, step=40)
    proc = _train(cdir, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "label feedback" not in proc.stdout and "dev (" not in proc.stdout
    shipped = load_sentiment_model()
    ref = train_sentiment(
        tmp_path / "train.csv", get_segmenter().lcut, lexicon=shipped.lexicon, lexicon_weight=0.5
    )
    got = load_sentiment_model(tmp_path / "s.joblib")
    assert got.pipeline[0].vocabulary_ == ref.pipeline[0].vocabulary_
    np.testing.assert_array_equal(got.pipeline[-1].coef_, ref.pipeline[-1].coef_)
    assert got.metadata["prior_logit"] == ref.metadata["prior_logit"]
    assert "feedback_rows" not in got.metadata


def test_train_sentiment_with_feedback_and_no_negativity_corrections_is_one_line(tmp_path):
    cdir = write_config(tmp_path, [])
    _waimai(tmp_path, step=100)
    cfg = load_config(cdir)
    with SQLiteStore(cfg.path(cfg.settings.storage.path)) as store:
        store.add_feedback(_fb("x", T0, category="商贸旅游"))  # a category correction only
    proc = _train(cdir, tmp_path, "--with-feedback")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: no negativity corrections stored yet (label feedback in the console)"
    ]
    assert not (tmp_path / "s.joblib").exists()


def test_sentiment_with_focus_or_its_options_is_a_usage_error(tmp_path):
    cdir = write_config(tmp_path, [])
    _waimai(tmp_path, step=100)
    proc = _train(cdir, tmp_path, "--focus")
    assert proc.returncode == 2
    assert "--focus and --sentiment train different models: pick one" in proc.stderr
    proc = _train(cdir, tmp_path, "--label-rounds", "1")
    assert proc.returncode == 2
    assert "--hand-labels, --label-rounds and --held-out go with --focus" in proc.stderr
    assert not (tmp_path / "s.joblib").exists()


def test_bad_training_and_dev_files_are_one_line(tmp_path):
    cdir = write_config(tmp_path, [])
    (tmp_path / "train.csv").write_text("label,text\n1,好吃\n0,难吃\n", encoding="utf-8")
    proc = _train(cdir, tmp_path)
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("error: ") and "missing column(s) review" in line
    (tmp_path / "train.csv").write_text("label,review\n1,好吃\n2,难吃\n", encoding="utf-8")
    proc = _train(cdir, tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: nlp: {tmp_path / 'train.csv'}: row ending on line 3: label must be 1 (positive) "
        "or 0 (negative), not '2'"
    ]
    _waimai(tmp_path, step=100)
    (tmp_path / "dev.csv").write_text("text,label\n好吃,1\n", encoding="utf-8")
    proc = _train(cdir, tmp_path, "--dev", str(tmp_path / "dev.csv"))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'dev.csv'}: no negative column (--sentiment --dev needs 1/0 per text)"
    ]
    assert not (tmp_path / "s.joblib").exists()
