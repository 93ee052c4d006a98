"""The held-out focus test set (data/focus_eval/test_focus.csv): reproducible draw, valid labels,
and never learned from by tools/train_focus.py."""

import csv
from pathlib import Path

import pytest

from tools.focus_candidates import candidates, held_out_draw
from tools.train_focus import (
    HAND_LABELS,
    HAND_ROUNDS,
    HELD_OUT,
    PRECISION_FLOOR,
    UNTAGGED,
    held_out_ids,
    training_mask,
)
from yuqing.config import load_config
from yuqing.nlp.errors import TrainingDataError

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "data" / "teddy2020" / "train.csv"


def _rows(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_test_set_is_the_documented_draw_with_configured_topics():
    rows = _rows(HELD_OUT)
    assert [(r["id"], r["stratum"]) for r in rows] == held_out_draw(TRAIN)
    topics = {t.id for t in load_config(ROOT / "config").topics.focus}
    assert {t for r in rows for t in r["focus"].split("|") if t} <= topics
    strata = {r["stratum"] for r in rows}
    assert "random" in strata and all(s == "random" or s.split(":")[1] in topics for s in strata)
    assert sum(r["stratum"] == "random" for r in rows) == 200


def test_round_5_is_the_documented_draw_of_every_message_left():
    """Round 5 of train_focus.csv: the train.csv messages no other round and not the test set
    holds, in the seeded order they were labelled in (any prefix a random sample)."""
    rows = _rows(HAND_LABELS)
    topics = {t.id for t in load_config(ROOT / "config").topics.focus}
    assert {t for r in rows for t in r["focus"].split("|") if t} <= topics
    round_5 = [r["id"] for r in rows if r["round"] == "5"]
    assert round_5 == candidates(TRAIN, 5)
    earlier = {r["id"] for r in rows if r["round"] != "5"}
    test = {r["id"] for r in _rows(HELD_OUT)}
    assert not set(round_5) & (earlier | test) and len(set(round_5)) == len(round_5)
    # with the earlier rounds and the test set, every train.csv message is labelled once
    assert set(round_5) | earlier | test == {r["id"] for r in _rows(TRAIN)}


def test_training_leaves_out_every_held_out_row_and_only_those():
    out = held_out_ids(HELD_OUT)
    keep = training_mask(TRAIN, out)
    ids = [r["id"] for r in _rows(TRAIN)]
    assert len(keep) == len(ids) and sum(not k for k in keep) == len(out) == 527
    assert {i for i, k in zip(ids, keep, strict=True) if not k} == out
    # hand labels of rounds 1-2 that fall in the test set are not learned from either
    hand = {r["id"] for r in _rows(HAND_LABELS)}
    assert hand & out and all(k for i, k in zip(ids, keep, strict=True) if i in hand - out)
    assert training_mask(TRAIN, set()) == [True] * len(ids)


def test_a_held_out_id_missing_from_train_is_refused(tmp_path):
    with pytest.raises(TrainingDataError, match="held-out ids not in"):
        training_mask(TRAIN, {"m-not-there"})


def test_the_shipped_focus_model_never_learned_from_the_test_set():
    import hashlib

    from yuqing.nlp.analyzer import load_focus_model

    meta = load_focus_model().metadata
    digest = hashlib.sha256(HELD_OUT.read_bytes()).hexdigest()
    assert meta["held_out"] == {"path": HELD_OUT.name, "sha256": digest, "n": 527}
    assert meta["training_data"]["learned_from"] == meta["training_data"]["n"] - 527
    # trained with the hand labels committed beside it
    assert meta["hand_labels"]["sha256"] == hashlib.sha256(HAND_LABELS.read_bytes()).hexdigest()
    assert meta["hand_labels"]["rounds"] == list(HAND_ROUNDS)
    # with the precision floor the tool sets, checked on those hand labels alone: each topic
    # reaches it there, or (nothing stricter does) keeps its best-supported settings
    assert meta["precision_floor"] == PRECISION_FLOOR
    floor = meta["floor_hand_oof"]
    # every topic but those the tool leaves untagged (never tagged: no floor to check)
    assert meta["untagged"] == list(UNTAGGED)
    assert set(floor) == set(meta["topics"]) - set(UNTAGGED)
    assert all(v["precision"] >= min(PRECISION_FLOOR, v["before"][0]) for v in floor.values())
    assert floor["real_estate_finance"]["before"][0] < PRECISION_FLOOR
