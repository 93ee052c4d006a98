"""Compare focus-model variants out of fold on the hand-labelled training messages.

    .venv/bin/python tools/cv_focus.py [--variants base,hand_thresholds] [--cache PATH]

The rows are those ``tools/train_focus.py`` learns from (train.csv without the held-out focus
test set), with the same out-of-fold category probabilities (cached in ``--cache``: five fits of
the category pipeline). Five outer folds: each fits the whole focus model — weak labels, word
model, thresholds, pattern layer, all with their own inner folds — on four fifths and tags the
fifth with :class:`~yuqing.nlp.focus_model.ModelFocusTagger`, as at inference. Scored against
the **hand labels** of the outer folds' hand-labelled rows (``train_focus.csv``; drawn by
keywords, so harder than a random sample: near misses on purpose). Variants are chosen on
these figures, never on dev.csv, the focus test set or the surge stand-in. A development
tool, not installed; the figures are tabled in docs/nlp.md.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.train_focus import (  # noqa: E402
    HAND_LABELS,
    HELD_OUT,
    hand_labels,
    held_out_ids,
    oof_category,
    prepare,
    training_mask,
)

#: variant name -> train_focus_model parameters
VARIANTS: dict[str, dict] = {
    "base": {},
    "hand_thresholds": {"thresholds_on": "hand"},
    "target90": {"target_precision": 0.9},
    "hand_thresholds_90": {"thresholds_on": "hand", "target_precision": 0.9},
    "no_layer": {"evidence_layer": False},
    "floor85": {"precision_floor": 0.85},
    "floor88": {"precision_floor": 0.88},
    "floor90": {"precision_floor": 0.9},
    "floor88_no_food": {"precision_floor": 0.88, "untagged": ("food_drug",)},
    "floor88_no_food_hardship": {"precision_floor": 0.88, "untagged": ("food_drug", "hardship")},
    "floor88_goal_no_food": {
        "precision_floor": 0.88,
        "untagged": ("food_drug",),
        "floor_keeps_goal": True,
    },
    "floor88_parts_no_food": {
        "precision_floor": 0.88,
        "untagged": ("food_drug",),
        "floor_parts": True,
    },
    "floor88_scope": {"precision_floor": 0.88, "scope_required": ("real_estate_finance",)},
    "floor88_scope_no_food": {
        "precision_floor": 0.88,
        "scope_required": ("real_estate_finance",),
        "untagged": ("food_drug",),
    },
}


def main(argv: list[str] | None = None) -> None:
    import numpy as np
    from sklearn.model_selection import KFold

    from yuqing.config import load_config
    from yuqing.nlp.evaluation import focus_metrics
    from yuqing.nlp.focus import FocusTagger
    from yuqing.nlp.focus_model import ModelFocusTagger, train_focus_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT / "data" / "teddy2020" / "train.csv"))
    ap.add_argument("--variants", default="base")
    ap.add_argument("--cache", default="", help="pickle of the prepared rows (made if absent)")
    ap.add_argument(
        "--label-rounds",
        default="",
        help="learn only these rounds' hand labels, e.g. 1,2,3 ('' = all); the other rows "
        "keep their weak labels and are not scored",
    )
    ap.add_argument(
        "--score-rounds",
        default="",
        help="score only the rows hand-labelled in these rounds ('' = all learned from): to "
        "compare label sets on the same rows",
    )
    ap.add_argument(
        "--score-unlearned",
        action="store_true",
        help="with --label-rounds: score the rows hand-labelled in the other rounds too (they "
        "keep their weak labels in training; out of fold, so an estimate on them as well)",
    )
    ap.add_argument(
        "--dump",
        default="",
        help="write each scored row's out-of-fold evidence (pickle: per row the word model's "
        "probabilities, the pattern layer's, the tags, the hand labels, the round) for the "
        "last variant",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--errors",
        default="",
        help="write the hand-labelled rows' out-of-fold disagreements (CSV) to this file "
        "(with several variants: the last one's)",
    )
    args = ap.parse_args(argv)

    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.exists():
        rows = pickle.loads(cache.read_bytes())
    else:
        rows = prepare(args.train, str(HAND_LABELS), str(HELD_OUT))
        rows["proba"], rows["labels"] = oof_category(rows["texts"], rows["categories"])
        rows.pop("data")
        if cache is not None:
            cache.write_bytes(pickle.dumps(rows))
    cfg = load_config(ROOT / "config")
    lexicon = FocusTagger.from_topics(cfg.topics.focus)
    topics = [t.id for t in cfg.topics.focus]
    # the hand labels are read afresh (the cache holds texts, tokens and category probabilities)
    keep = training_mask(args.train, held_out_ids(HELD_OUT))
    learn = _rounds(args.label_rounds)
    gold = [g for g, k in zip(hand_labels(args.train, HAND_LABELS, learn), keep, strict=True) if k]
    score = _rounds(args.score_rounds)
    scored_labels = [
        g for g, k in zip(hand_labels(args.train, HAND_LABELS, score), keep, strict=True) if k
    ]
    scored = [g is not None for g in scored_labels]
    # the labels rows are scored against: the learned ones, or (--score-unlearned) any round's
    truth = [
        g if g is not None or not args.score_unlearned else s
        for g, s in zip(gold, scored_labels, strict=True)
    ]
    rounds_of = _round_of(args.train, keep)
    texts, tokens = rows["texts"], rows["tokens"]
    if len(gold) != len(texts):
        raise SystemExit(f"{cache}: made for other held-out rows; delete it")
    proba, labels = rows["proba"], rows["labels"]
    hand = [k for k, g in enumerate(truth) if g is not None and scored[k]]
    results = {}
    for name in args.variants.split(","):
        t0 = time.perf_counter()
        pred: dict[int, list[str]] = {}
        detail: dict[int, dict] = {}
        for tr, te in KFold(5, shuffle=True, random_state=0).split(texts):
            model = train_focus_model(
                [texts[k] for k in tr],
                [rows["categories"][k] for k in tr],
                [tokens[k] for k in tr],
                proba[tr],
                labels,
                lexicon,
                gold=[gold[k] for k in tr],
                **VARIANTS[name],
            )
            tagger = ModelFocusTagger(model, lexicon)
            for k in te:
                if truth[k] is not None:
                    pred[k] = tagger.tag(texts[k], tokens[k], labels, proba[k]).topics
                    if args.dump:
                        detail[k] = _detail(model, tagger, texts[k], tokens[k], labels, proba[k])
        every = [k for k, g in enumerate(truth) if g is not None]
        if args.errors:
            _write_errors(args.errors, texts, rows["categories"], truth, pred, every)
        if args.dump:
            dump = [
                {
                    "row": k,
                    "round": rounds_of[k],
                    "learned": gold[k] is not None,
                    "category": rows["categories"][k],
                    "gold": truth[k],
                    "pred": pred[k],
                    "text": texts[k],
                    **detail[k],
                }
                for k in every
            ]
            Path(args.dump).write_bytes(pickle.dumps(dump))
        sets = [("", hand)] if len(hand) == len(every) else [("", hand), (" all", every)]
        if args.score_unlearned:  # the learned rounds' rows, then with the others' too
            sets = [("", [k for k in hand if gold[k] is not None]), (" +unlearned", hand)]
        for suffix, ks in sets:
            m = focus_metrics([truth[k] for k in ks], [pred[k] for k in ks], topics)
            results[name + suffix] = m
            print(
                f"{name}{suffix} ({len(ks)} hand-labelled rows, {time.perf_counter() - t0:.0f} s):"
            )
            for t, v in [*m["per_topic"].items(), ("micro", m["micro"])]:
                print(
                    f"  {t:<22}P {_f(v['precision'])} {_ci(v)}  R {_f(v['recall'])}  "
                    f"labelled {v['support']:>3}  tagged {v['predicted']:>3}"
                )
    if args.json:
        import json

        print(json.dumps(results, ensure_ascii=False))
    del np


def _round_of(train: str, keep: list[bool]) -> list[int | None]:
    """Per learned-from row: the round its hand label came from (None: not hand-labelled)."""
    import csv

    with open(HAND_LABELS, encoding="utf-8") as fh:
        rnd = {r["id"]: int(r.get("round") or 1) for r in csv.DictReader(fh)}
    with open(train, encoding="utf-8") as fh:
        ids = [r["id"] for r in csv.DictReader(fh)]
    return [rnd.get(i) for i, k in zip(ids, keep, strict=True) if k]


def _detail(model, tagger, text, tokens, labels, proba) -> dict:
    """One row's evidence as the tagger weighs it: per topic the word model's probability, the
    pattern layer's (None: layer off), the thresholds."""
    import math

    import numpy as np

    from yuqing.nlp.focus_model import _COMPATIBLE, _OPENING, _strong, evidence_features

    p = model.proba(tokens, labels, proba)
    terms, opening = tagger.lexicon.terms(text), tagger.lexicon.terms(text[:_OPENING])
    category = labels[int(np.argmax(proba))]
    out: dict = {"p": {}, "q": {}, "word_th": {}, "layer_th": {}, "predicted_category": category}
    for i, t in enumerate(model.topics):
        out["p"][t] = float(p[i])
        out["word_th"][t] = model.thresholds[i]
        w = model.evidence_coef[i]
        if w is None:
            out["q"][t], out["layer_th"][t] = None, None
            continue
        strong = _strong(tagger.lexicon, t, terms, opening) and category in _COMPATIBLE.get(t, ())
        f = evidence_features(text, t, float(p[i]), strong)
        z = float(np.dot(w[:-1], f) + w[-1])
        out["q"][t], out["layer_th"][t] = 1.0 / (1.0 + math.exp(-z)), model.evidence_thresholds[i]
    return out


def _ci(v: dict) -> str:
    """90 % Wilson interval of the precision (as bench/eval_nlp.py prints it)."""
    from yuqing.nlp.evaluation import wilson_interval

    n = v["predicted"]
    if not n or v["precision"] is None:
        return " " * 11
    lo, hi = wilson_interval(round(v["precision"] * n), n) or (0.0, 0.0)
    return f"({lo:.2f}–{hi:.2f})"


def _rounds(arg: str) -> set[int] | None:
    return {int(x) for x in arg.split(",") if x.strip()} or None


def _write_errors(path, texts, categories, gold, pred, hand) -> None:
    """One row per hand-labelled training message whose out-of-fold tags differ from its
    hand labels: the missed and the wrongly tagged topics, the category, the opening."""
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["row", "category", "gold", "missed", "false", "opening"])
        for k in hand:
            missed = sorted(set(gold[k]) - set(pred[k]))
            false = sorted(set(pred[k]) - set(gold[k]))
            if missed or false:
                w.writerow(
                    [
                        k,
                        categories[k],
                        "|".join(gold[k]),
                        "|".join(missed),
                        "|".join(false),
                        texts[k][:160].replace("\n", " / "),
                    ]
                )


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


if __name__ == "__main__":
    main()
