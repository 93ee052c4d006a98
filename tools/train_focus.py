"""Rebuild the shipped focus-topic model, ``nlp/models/focus.joblib``.

    .venv/bin/python tools/train_focus.py [--train data/teddy2020/train.csv] [--out PATH]

Weak supervision (``yuqing.nlp.focus_model``): labels from the lexicon of ``config/topics.yaml``,
the gold category and the labelling functions' patterns; features: content words and the
category model's probabilities — out of fold (5-fold ``cross_val_predict`` of the category
pipeline on the same rows), so the model learns how far to trust a *predicted* category.
Training messages an annotator labelled by ``data/focus_eval/RULES.md``
(``data/focus_eval/train_focus.csv``, joined on ``id``) take their hand labels instead of the
weak ones. dev.csv is never used: ``data/focus_eval/dev_focus.csv`` labels it by hand to measure
the model (``bench/eval_nlp.py --focus``). Nor are the train.csv messages of the held-out focus
test set ``data/focus_eval/test_focus.csv`` (``--held-out``): they are dropped before anything is
learned — their weak labels, their hand labels (60 of them were labelled in rounds 1–2), the
word vocabulary and the out-of-fold category probabilities. (The shipped *category* model does
train on all of train.csv, those messages included.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FOCUS_PROVENANCE = (
    "weak supervision on the 2020 TipDM (泰迪杯) problem C training messages (train.csv): "
    "labels from the topics.yaml focus lexicon agreeing with the gold first-level category, "
    "category 环境保护 -> ecology, and per-topic patterns (yuqing.nlp.focus_model.weak_labels); "
    "messages labelled by hand by data/focus_eval/RULES.md (train_focus.csv, by rounds) "
    "instead; the held-out focus test set's messages (test_focus.csv) left out entirely; "
    "features: content words + out-of-fold category probabilities; a pattern-evidence layer "
    "per topic fitted on the hand-labelled messages only; per-topic thresholds raised where the "
    "tags miss a precision floor out of fold on the hand-labelled messages"
)
#: the per-topic precision floor (train_focus_model's ``precision_floor``), chosen out of fold on
#: the hand-labelled training rows with tools/cv_focus.py (docs/nlp.md)
PRECISION_FLOOR = 0.88
#: topics left untagged (train_focus_model's ``untagged``): their tags miss the precision goal
#: out of fold whatever their settings (tools/cv_focus.py, docs/nlp.md)
UNTAGGED: tuple[str, ...] = ("food_drug",)
#: topics tagged only with in-scope evidence in the text (train_focus_model's ``scope_required``)
SCOPE_REQUIRED: tuple[str, ...] = ()
#: the rounds of train_focus.csv's hand labels the shipped model learns from (round 4 is kept
#: for the next selection rule: with it the floor either cut recall or let precision fall —
#: docs/nlp.md, sixth round); the other rounds' rows keep their weak labels
HAND_ROUNDS: tuple[int, ...] = (1, 2, 3)
HAND_LABELS = ROOT / "data" / "focus_eval" / "train_focus.csv"
HELD_OUT = ROOT / "data" / "focus_eval" / "test_focus.csv"


def held_out_ids(path: str | Path | None) -> set[str]:
    """The ids (``id`` column) of the held-out focus test set; none for ''/None."""
    import csv

    if not path:
        return set()
    with open(path, encoding="utf-8") as fh:
        return {r["id"] for r in csv.DictReader(fh)}


def training_mask(train: str | Path, held_out: set[str]) -> list[bool]:
    """Per row of ``train`` (its ``id`` column): may the focus model learn from it? Every id of
    ``held_out`` must be a row of ``train`` (a typo would silently leak the set)."""
    import csv

    with open(train, encoding="utf-8") as fh:
        ids = [r["id"] for r in csv.DictReader(fh)]
    missing = held_out - set(ids)
    if missing:
        raise SystemExit(f"held-out ids not in {train}: {len(missing)}, e.g. {min(missing)}")
    return [i not in held_out for i in ids]


def hand_labels(
    train: str | Path, path: str | Path, rounds: set[int] | None = None
) -> list[list[str] | None]:
    """Per row of ``train`` (its ``id`` column): the hand-labelled topics of ``path``
    (``id,focus[,round]``), None for a row nobody labelled (or, with ``rounds``, labelled in
    another round; a row without a ``round`` is round 1)."""
    import csv

    with open(path, encoding="utf-8") as fh:
        labelled = {
            r["id"]: [t for t in r["focus"].split("|") if t]
            for r in csv.DictReader(fh)
            if rounds is None or int(r.get("round") or 1) in rounds
        }
    with open(train, encoding="utf-8") as fh:
        ids = [r["id"] for r in csv.DictReader(fh)]
    missing = set(labelled) - set(ids)
    if missing:
        raise SystemExit(f"{path}: {len(missing)} ids not in {train}, e.g. {min(missing)}")
    return [labelled.get(i) for i in ids]


def prepare(
    train: str | Path, hand: str | None, held_out: str | None, rounds: set[int] | None = None
) -> dict:
    """The rows the focus model learns from: train.csv without the held-out ids, normalized,
    segmented, with their gold categories and hand labels (None where nobody labelled)."""
    from yuqing.nlp.data import load_labelled
    from yuqing.nlp.normalize import normalize
    from yuqing.nlp.segment import get_segmenter

    data = load_labelled(train)
    gold = hand_labels(train, hand, rounds) if hand else None
    if gold is not None and len(gold) != len(data):
        raise SystemExit(f"{train}: {len(data)} messages but {len(gold)} ids")
    out_ids = held_out_ids(held_out)
    keep = training_mask(train, out_ids)
    if len(keep) != len(data):
        raise SystemExit(f"{train}: {len(data)} messages but {len(keep)} ids")
    texts = [normalize(t) for t, k in zip(data.texts, keep, strict=True) if k]
    seg = get_segmenter()
    return {
        "data": data,
        "texts": texts,
        "categories": [c for c, k in zip(data.labels, keep, strict=True) if k],
        "tokens": [seg.tokens(t) for t in texts],
        "gold": None if gold is None else [g for g, k in zip(gold, keep, strict=True) if k],
        "n_held_out": len(out_ids),
    }


def oof_category(texts: list[str], categories: list[str]):
    """5-fold out-of-fold probabilities of the current category pipeline on the rows, and the
    category labels in their column order."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from yuqing.nlp.classifier import build_pipeline
    from yuqing.nlp.segment import get_segmenter

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    proba = cross_val_predict(
        build_pipeline(get_segmenter()), texts, categories, cv=folds, method="predict_proba"
    )
    return np.asarray(proba), sorted(set(categories))  # cross_val_predict's column order


def main(argv: list[str] | None = None) -> None:
    import numpy as np

    from yuqing.config import load_config
    from yuqing.nlp import model_file
    from yuqing.nlp.analyzer import DEFAULT_FOCUS_MODEL
    from yuqing.nlp.focus import FocusTagger
    from yuqing.nlp.focus_model import KIND, train_focus_model
    from yuqing.nlp.segment import get_segmenter

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT / "data" / "teddy2020" / "train.csv"))
    ap.add_argument("--config", default=str(ROOT / "config"))
    ap.add_argument("--out", default=str(DEFAULT_FOCUS_MODEL))
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument("--target-precision", type=float, default=0.85)
    ap.add_argument(
        "--precision-floor",
        type=float,
        default=PRECISION_FLOOR,
        help="per-topic precision floor on the hand-labelled rows out of fold (0 = none)",
    )
    ap.add_argument(
        "--untagged", default=",".join(UNTAGGED), help="topics never tagged (comma-separated)"
    )
    ap.add_argument(
        "--scope-required",
        default=",".join(SCOPE_REQUIRED),
        help="topics tagged only with in-scope evidence in the text (comma-separated)",
    )
    ap.add_argument(
        "--label-rounds",
        default=",".join(map(str, HAND_ROUNDS)),
        help="learn the hand labels of these rounds ('' = all)",
    )
    ap.add_argument(
        "--floor-keeps-goal",
        action="store_true",
        help="train_focus_model(floor_keeps_goal=True): the sixth round's variant, not shipped",
    )
    ap.add_argument(
        "--cache",
        default="",
        help="the prepared rows and out-of-fold category probabilities tools/cv_focus.py "
        "cached (--cache there; the same computation, to skip the five category fits)",
    )
    ap.add_argument("--hand-labels", default=str(HAND_LABELS), help="id,focus ('' = none)")
    ap.add_argument(
        "--held-out", default=str(HELD_OUT), help="id,… of rows never learned from ('' = none)"
    )
    args = ap.parse_args(argv)

    cfg = load_config(args.config)
    lexicon = FocusTagger.from_topics(cfg.topics.focus)
    t0 = time.perf_counter()
    rounds = {int(x) for x in args.label_rounds.split(",") if x.strip()} or None
    if args.cache:
        import pickle

        from yuqing.nlp.data import load_labelled

        rows = pickle.loads(Path(args.cache).read_bytes())
        data = load_labelled(args.train)
        keep = training_mask(args.train, held_out_ids(args.held_out))
        gold = hand_labels(args.train, args.hand_labels, rounds) if args.hand_labels else None
        gold = None if gold is None else [g for g, k in zip(gold, keep, strict=True) if k]
        if len(rows["texts"]) != sum(keep) or rows["n_held_out"] != sum(not k for k in keep):
            raise SystemExit(f"{args.cache}: made for other held-out rows; delete it")
        texts, categories, tokens = rows["texts"], rows["categories"], rows["tokens"]
        proba, labels = rows["proba"], rows["labels"]
    else:
        rows = prepare(args.train, args.hand_labels, args.held_out, rounds)
        data, texts, categories, tokens, gold = (
            rows["data"],
            rows["texts"],
            rows["categories"],
            rows["tokens"],
            rows["gold"],
        )
        proba, labels = oof_category(texts, categories)
    model = train_focus_model(
        texts,
        categories,
        tokens,
        np.asarray(proba),
        labels,
        lexicon,
        C=args.C,
        target_precision=args.target_precision,
        gold=gold,
        precision_floor=args.precision_floor or None,
        untagged=[t for t in args.untagged.split(",") if t],
        scope_required=[t for t in args.scope_required.split(",") if t],
        floor_keeps_goal=args.floor_keeps_goal,
    )
    meta = {
        **model.metadata,
        "topics": model.topics,
        "training_data": {
            "path": Path(data.path).name,
            "sha256": data.sha256,
            "n": len(data),
            "learned_from": len(texts),
        },
        "hand_labels": {
            **(_file_info(args.hand_labels) or {}),
            "rounds": sorted(rounds) if rounds else "all",
        }
        if args.hand_labels
        else None,
        "held_out": {**(_file_info(args.held_out) or {}), "n": rows["n_held_out"]}
        if args.held_out
        else None,
        "segmenter": {"fingerprint": get_segmenter().fingerprint},
        "thresholds": dict(zip(model.topics, model.thresholds, strict=True)),
        "provenance": FOCUS_PROVENANCE,
        "fit_seconds": round(time.perf_counter() - t0, 1),
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    model.metadata = meta
    path = model_file.save(model, args.out, kind=KIND, metadata=meta)
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): weak positives "
        f"{meta['weak_positives']}"
    )


def _file_info(path: str | None) -> dict | None:
    import hashlib

    if not path:
        return None
    raw = Path(path).read_bytes()
    return {"path": Path(path).name, "sha256": hashlib.sha256(raw).hexdigest()}


if __name__ == "__main__":
    main()
