"""``yuqing train --focus [--with-feedback]``: the focus model retrained from files, with the
focus corrections duty staff stored in the console learned as hand labels."""

from __future__ import annotations

import csv
import re
from datetime import timedelta

import numpy as np

from tests.alerts.conftest import T0, write_config
from tests.conftest import ROOT, run_cli
from tests.nlp.helpers import stage_parts
from tests.nlp.test_feedback_training import _subset as _train_subset
from yuqing.config import load_config
from yuqing.models import Feedback
from yuqing.nlp.analyzer import joined_text, load_focus_model
from yuqing.nlp.focus import FocusTagger
from yuqing.nlp.focus_training import feedback_rows, train_from_files
from yuqing.storage.sqlite import SQLiteStore

TEDDY = ROOT / "data" / "teddy2020"
HAND = ROOT / "data" / "focus_eval" / "train_focus.csv"
TOPICS = ["business_env", "wage_arrears", "ecology"]


def _fb(post_id, at, focus=None, category=None, was=None, title="", text="正文"):
    return Feedback(
        id=Feedback.make_id(post_id, at),
        post_id=post_id,
        created_at=at,
        by="值班员",
        title=title,
        text=text,
        focus=focus,
        category=category,
        was=was or {},
    )


def test_feedback_rows_take_each_posts_latest_focus_correction():
    later = T0 + timedelta(hours=1)
    rows = feedback_rows(
        [
            _fb("a", later, focus=["wage_arrears"], was={"category": "劳动和社会保障"}),
            _fb("a", T0, focus=["ecology"], was={"category": "环境保护"}),  # older: dropped
            _fb("b", T0, focus=[], category="城乡建设", title="标题", text="正文二"),
            _fb("c", T0, category="商贸旅游"),  # a category-only correction: not a focus row
            _fb("d", T0, focus=["not_configured", "ecology"], was={"category": "环境保护"}),
            _fb("e", T0, focus=["ecology"]),  # no category at all: nothing to learn it with
        ],
        TOPICS,
    )
    # in the order they were made: b and d at T0, then a's later correction
    assert rows.focus == [[], ["ecology"], ["wage_arrears"]]
    assert rows.categories == ["城乡建设", "环境保护", "劳动和社会保障"]
    assert rows.texts[0] == joined_text("标题", "正文二") == "标题\n正文二"


def _subset(dst, n):
    return _train_subset(TEDDY / "train.csv", dst, n, fields=("id", "text", "label"))


def _hand_labelled(rest, topic, k_topic, k_none):
    """Messages of ``rest`` labelled by hand (train_focus.csv): ``k_topic`` with ``topic``,
    ``k_none`` with no topic, as (row, topics)."""
    with open(HAND, encoding="utf-8") as f:
        labels = {r["id"]: [t for t in r["focus"].split("|") if t] for r in csv.DictReader(f)}
    with_topic = [(r, labels[r["id"]]) for r in rest if topic in labels.get(r["id"], [])]
    none = [(r, []) for r in rest if labels.get(r["id"]) == []]
    return with_topic[:k_topic] + none[:k_none]


def test_train_focus_with_feedback_learns_the_corrections(tmp_path):
    cdir = write_config(tmp_path, [])
    rest = _subset(tmp_path / "train.csv", 400)
    corrected = _hand_labelled(rest, "wage_arrears", 20, 10)
    cfg = load_config(cdir)
    with SQLiteStore(cfg.path(cfg.settings.storage.path)) as store:
        for i, (row, topics) in enumerate(corrected):
            store.add_feedback(
                _fb(f"p{i}", T0, focus=topics, was={"category": row["label"]}, text=row["text"])
            )
    dev = tmp_path / "dev.csv"
    with open(dev, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["text", "focus"])
        w.writeheader()
        for row, topics in _hand_labelled(rest[400:], "wage_arrears", 10, 20):
            w.writerow({"text": row["text"], "focus": "|".join(topics)})
    out = tmp_path / "focus.joblib"
    proc = run_cli(
        "--config",
        str(cdir),
        "train",
        "--focus",
        "--data",
        str(tmp_path / "train.csv"),
        "--dev",
        str(dev),
        "--with-feedback",
        "--out",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    n_wage = sum("wage_arrears" in t for _, t in corrected)
    assert lines[0].startswith("label feedback: 30 focus correction(s) added as hand labels (")
    assert f"wage_arrears {n_wage}" in lines[0] and lines[0].endswith(", none 10)")
    assert any(
        re.fullmatch(
            r"dev \(dev\.csv, n=30\): focus micro precision [\d.-]+ -> [\d.-]+, recall "
            r"[\d.-]+ -> [\d.-]+ \(without -> with the corrections\)",
            line,
        )
        for line in lines
    ), lines
    model = load_focus_model(out)
    assert model.metadata["feedback_rows"] == 30 and model.metadata["hand_labelled_rows"] == 30
    assert model.metadata["training_data"]["learned_from"] == 400
    # learned from: the corrected wage complaints score higher than without the corrections
    without = train_from_files(tmp_path / "train.csv", FocusTagger.from_topics(cfg.topics.focus))
    assert without.metadata["feedback_rows"] == 0
    clf = stage_parts()[0]
    j = model.topics.index("wage_arrears")
    texts = [joined_text("", r["text"]) for r, t in corrected if "wage_arrears" in t]
    p_with, p_without = [], []
    for text in texts:
        tokens = clf.segmenter.tokens(text)
        cat = clf.proba_one(text, tokens)
        p_with.append(model.proba(tokens, clf.labels, cat)[j])
        p_without.append(without.proba(tokens, clf.labels, cat)[j])
    assert np.mean(p_with) > np.mean(p_without) + 0.05, (np.mean(p_with), np.mean(p_without))


def test_train_focus_with_feedback_and_no_focus_corrections_is_one_line(tmp_path):
    cdir = write_config(tmp_path, [])
    _subset(tmp_path / "train.csv", 50)
    cfg = load_config(cdir)
    with SQLiteStore(cfg.path(cfg.settings.storage.path)) as store:
        store.add_feedback(_fb("x", T0, category="商贸旅游"))  # a category correction only
    proc = run_cli(
        "--config",
        str(cdir),
        "train",
        "--focus",
        "--data",
        str(tmp_path / "train.csv"),
        "--with-feedback",
        "--out",
        str(tmp_path / "f.joblib"),
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "error: no focus corrections stored yet (label feedback in the console)"
    ]
    assert not (tmp_path / "f.joblib").exists()


def test_hand_labels_need_focus(tmp_path):
    cdir = write_config(tmp_path, [])
    _subset(tmp_path / "train.csv", 50)
    proc = run_cli(
        "--config",
        str(cdir),
        "train",
        "--data",
        str(tmp_path / "train.csv"),
        "--hand-labels",
        str(HAND),
        "--out",
        str(tmp_path / "m.joblib"),
    )
    assert proc.returncode == 2
    assert "--hand-labels, --label-rounds and --held-out go with --focus" in proc.stderr


def test_train_focus_learns_only_the_hand_label_rounds_asked_for(tmp_path):
    cdir = write_config(tmp_path, [])
    _subset(tmp_path / "train.csv", 400)
    with open(tmp_path / "train.csv", encoding="utf-8") as f:
        ids = {r["id"] for r in csv.DictReader(f)}
    with open(HAND, encoding="utf-8") as f:
        hand = [r for r in csv.DictReader(f) if r["id"] in ids]
    with open(tmp_path / "hand.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["id", "focus", "round"])
        w.writeheader()
        w.writerows(hand)
    round_1 = sum(r["round"] == "1" for r in hand)
    assert 0 < round_1 < len(hand)
    args = ["--config", str(cdir), "train", "--focus", "--data", str(tmp_path / "train.csv")]
    args += ["--hand-labels", str(tmp_path / "hand.csv"), "--out", str(tmp_path / "f.joblib")]
    proc = run_cli(*args, "--label-rounds", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    meta = load_focus_model(tmp_path / "f.joblib").metadata
    assert meta["hand_labelled_rows"] == round_1 and meta["hand_labels"]["rounds"] == [1]
    assert f", {round_1} hand-labelled" in proc.stdout
    bad = run_cli(*args, "--label-rounds", "one")
    assert bad.returncode == 2 and "round numbers separated by commas" in bad.stderr
