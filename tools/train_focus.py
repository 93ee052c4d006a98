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

#: the shipped settings and the training steps live in the package (``yuqing train --focus``
#: uses them too); imported here under their old names for tools/cv_focus.py and the tests
from yuqing.nlp.focus_training import (  # noqa: E402
    FLOOR_PARTS,
    FOCUS_PROVENANCE,
    PRECISION_FLOOR,
    SCOPE_REQUIRED,
    UNTAGGED,
    hand_labels,
    held_out_ids,
    oof_category,
    prepare,
    training_mask,
)

#: the rounds of train_focus.csv's hand labels the shipped model learns from (round 4 is kept
#: for the next selection rule: with it the floor either cut recall or let precision fall —
#: docs/nlp-log.md, sixth round; round 5, the random rest of train.csv, did not hold on dev —
#: ninth round); the other rounds' rows keep their weak labels
HAND_ROUNDS: tuple[int, ...] = (1, 2, 3)
HAND_LABELS = ROOT / "data" / "focus_eval" / "train_focus.csv"
HELD_OUT = ROOT / "data" / "focus_eval" / "test_focus.csv"

__all__ = [
    "FLOOR_PARTS",
    "FOCUS_PROVENANCE",
    "HAND_LABELS",
    "HAND_ROUNDS",
    "HELD_OUT",
    "PRECISION_FLOOR",
    "SCOPE_REQUIRED",
    "UNTAGGED",
    "hand_labels",
    "held_out_ids",
    "main",
    "oof_category",
    "prepare",
    "training_mask",
]


def main(argv: list[str] | None = None) -> None:

    from yuqing.config import load_config
    from yuqing.nlp import model_file
    from yuqing.nlp.analyzer import DEFAULT_FOCUS_MODEL
    from yuqing.nlp.focus import FocusTagger
    from yuqing.nlp.focus_model import KIND
    from yuqing.nlp.focus_training import fit_focus_model

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
        "--floor-parts",
        action=argparse.BooleanOptionalAction,
        default=FLOOR_PARTS,
        help="train_focus_model(floor_parts=…): the floor holds for the tags each rule lowering "
        "the word model's bar adds",
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

        cached = pickle.loads(Path(args.cache).read_bytes())
        keep = training_mask(args.train, held_out_ids(args.held_out))
        if len(cached["texts"]) != sum(keep) or cached["n_held_out"] != sum(not k for k in keep):
            raise SystemExit(f"{args.cache}: made for other held-out rows; delete it")
        gold = hand_labels(args.train, args.hand_labels, rounds) if args.hand_labels else None
        rows = {
            **cached,
            "data": load_labelled(args.train),
            "gold": None if gold is None else [g for g, k in zip(gold, keep, strict=True) if k],
        }
        proba, labels = cached["proba"], cached["labels"]
    else:
        rows = prepare(args.train, args.hand_labels, args.held_out, rounds)
        proba, labels = oof_category(rows["texts"], rows["categories"])
    model = fit_focus_model(
        rows,
        proba,
        labels,
        lexicon,
        hand=args.hand_labels,
        rounds=rounds,
        held_out=args.held_out,
        started=t0,
        C=args.C,
        target_precision=args.target_precision,
        precision_floor=args.precision_floor or None,
        untagged=[t for t in args.untagged.split(",") if t],
        scope_required=[t for t in args.scope_required.split(",") if t],
        floor_keeps_goal=args.floor_keeps_goal,
        floor_parts=args.floor_parts,
    )
    meta = model.metadata
    path = model_file.save(model, args.out, kind=KIND, metadata=meta)
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): weak positives "
        f"{meta['weak_positives']}"
    )


if __name__ == "__main__":
    main()
