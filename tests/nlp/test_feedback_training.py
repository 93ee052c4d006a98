"""``yuqing train --with-feedback``: stored category corrections become training rows, and
the dev metric change against training without them is printed."""

from __future__ import annotations

import csv
import re

from tests.alerts.conftest import T0, write_config
from tests.conftest import ROOT, run_cli
from yuqing.config import load_config
from yuqing.models import Feedback
from yuqing.nlp.train import load_model
from yuqing.storage.sqlite import SQLiteStore

TEDDY = ROOT / "data" / "teddy2020"


def _subset(src, dst, n, fields=("text", "label")):
    """The first ``n`` rows of ``src`` with ``fields`` written to ``dst``; the rest returned."""
    with open(src, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(dst, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(fields))
        w.writeheader()
        for r in rows[:n]:
            w.writerow({k: r[k] for k in fields})
    return rows[n:]


def _store_corrections(cdir, rows) -> None:
    cfg = load_config(cdir)
    with SQLiteStore(cfg.path(cfg.settings.storage.path)) as store:
        for i, row in enumerate(rows):  # labelled messages the model has not seen
            store.add_feedback(
                Feedback(
                    id=Feedback.make_id(f"p{i}", T0),
                    post_id=f"p{i}",
                    created_at=T0,
                    by="值班员",
                    title="",
                    text=row["text"],
                    category=row["label"],
                )
            )
        store.add_feedback(  # a negativity-only correction is not a category row
            Feedback(id="n", post_id="x", created_at=T0, by="值班员", negative=True)
        )


def test_train_with_feedback_adds_corrections_and_prints_the_change(tmp_path):
    cdir = write_config(tmp_path, [])
    rest = _subset(TEDDY / "train.csv", tmp_path / "train.csv", 700)
    _subset(TEDDY / "dev.csv", tmp_path / "dev.csv", 200)
    _store_corrections(cdir, rest[:60])
    out = tmp_path / "model.joblib"
    proc = run_cli(
        "--config",
        str(cdir),
        "train",
        "--data",
        str(tmp_path / "train.csv"),
        "--dev",
        str(tmp_path / "dev.csv"),
        "--with-feedback",
        "--out",
        str(out),
        check=True,
    )
    assert "label feedback: 60 category correction(s)" in proc.stdout
    m = re.search(r"macro-F1 (\d\.\d{4}) -> (\d\.\d{4}) \(([+-]\d\.\d{4})\)", proc.stdout)
    assert m and abs(float(m[2]) - float(m[1]) - float(m[3])) < 2e-4
    model = load_model(out)
    assert model.metadata["training_data"]["n"] == 760
    assert model.metadata["feedback_rows"] == 60
    assert f"{float(m[2]):.4f}" == f"{model.metadata['dev_metrics']['macro_f1']:.4f}"


def test_train_with_feedback_without_corrections_is_one_line(tmp_path):
    cdir = write_config(tmp_path, [])
    _subset(TEDDY / "train.csv", tmp_path / "train.csv", 50)
    proc = run_cli(
        "--config",
        str(cdir),
        "train",
        "--data",
        str(tmp_path / "train.csv"),
        "--with-feedback",
        "--out",
        str(tmp_path / "m.joblib"),
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: no category corrections stored yet (label feedback in the console)"
    ]


def test_train_with_feedback_without_a_dev_set_trains_without_comparing(tmp_path):
    cdir = write_config(tmp_path, [])
    rest = _subset(TEDDY / "train.csv", tmp_path / "train.csv", 400)
    _store_corrections(cdir, rest[:30])
    out = tmp_path / "model.joblib"
    proc = run_cli(
        "--config",
        str(cdir),
        "train",
        "--data",
        str(tmp_path / "train.csv"),
        "--with-feedback",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.splitlines()[0] == (
        f"label feedback: 30 category correction(s) added to {tmp_path / 'train.csv'} "
        "(no --dev FILE: dev scores with and without them not compared)"
    )
    model = load_model(out)
    assert model.metadata["training_data"]["n"] == 430 and model.metadata["feedback_rows"] == 30
    assert "dev_metrics" not in model.metadata


def test_category_rows_take_each_posts_latest_correction():
    from datetime import timedelta

    from yuqing.nlp.feedback import category_rows

    def fb(post_id, at, category):
        return Feedback(
            id=Feedback.make_id(post_id, at),
            post_id=post_id,
            created_at=at,
            by="值班员",
            title="标题",
            text=f"正文{post_id}",
            category=category,
        )

    later = T0 + timedelta(hours=2)
    rows = category_rows(
        [
            fb("a", later, "城乡建设"),
            fb("a", T0, "环境保护"),  # corrected again later: the later label counts, once
            fb("b", T0, "交通运输"),
            Feedback(id="n", post_id="c", created_at=T0, by="值班员", negative=True),
        ]
    )
    assert rows == [("标题正文b", "交通运输"), ("标题正文a", "城乡建设")]
