"""Compare category-classifier variants by 5-fold cross-validation on train+dev.

    .venv/bin/python tools/cv_category.py [--variants base,c05,...] [--seeds 0] [--dev]

Every fold fits the whole pipeline (vectorizers included) on its training part only, the way
``yuqing train`` does; the texts are segmented once (cached), nothing else is shared between
folds (a fitted feature block, and a fitted head on the same blocks, is reused by variants that
share it; run variants that need other blocks in a second process to keep memory down).
``--dev`` also fits on train.csv and scores dev.csv. Prints macro-F1 per variant (mean over
seeds; per seed the predictions of the 5 folds are scored together). A development tool, not
installed; the figures are tabled in docs/nlp.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "data" / "teddy2020"

#: variant name -> build_pipeline parameters (DEFAULT_PARAMS for the rest)
VARIANTS: dict[str, dict] = {
    "base": {},
    "no_anchors": {"anchors": 0},
    "anchors_1": {"anchors": 1.0},
    "c05": {"C": 0.5},
    "c2": {"C": 2.0},
    "balanced": {"class_weight": "balanced"},
    "second_level": {"anchor_level": 2},
    "second_level_1": {"anchor_level": 2, "anchors": 1.0},
    "body_chars": {"chars_part": "body"},
    "chars12": {"char_ngram_max": 2},
    # ensembles with a different learner: the base pipeline's calibrated probabilities
    # averaged with a second learner's on the same features (weight of the second)
    "blend_lr": {"_blend": ("lr", 0.3)},
    "blend_cnb": {"_blend": ("cnb", 0.2)},
    "c2_anchors_1": {"C": 2.0, "anchors": 1.0},
    # fifth round
    # per-class decision offsets (prior correction) added to the log-probabilities, tuned for
    # macro-F1 on the training part's own out-of-fold probabilities (nested: the held-out fold
    # is never seen)
    "offsets": {"_offsets": True},
    "offsets_03": {"_offsets": 0.3},  # the same, offsets within ±0.3 (steps of 0.05)
    "blend_sgd": {"_blend": ("sgd", 0.3)},
    "blend_sgd5": {"_blend": ("sgd", 0.5)},
    "blend_ridge": {"_blend": ("ridge", 0.3)},
    "bigrams_df3": {"word_ngrams": 2, "word_min_df": 3},
    "bigrams_df5": {"word_ngrams": 2, "word_min_df": 5},
    "chars_maxdf05": {"char_max_df": 0.5},
    "chars_maxdf08": {"char_max_df": 0.8},
    "anchors_level3": {"anchor_level": 3},
}


class CachedSegmenter:
    """The training segmenter's content tokens, computed once per text."""

    def __init__(self, seg):
        self.seg, self.cache = seg, {}

    def __call__(self, text):
        out = self.cache.get(text)
        if out is None:
            out = self.cache[text] = self.seg(text)
        return out


def main(argv: list[str] | None = None) -> None:
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    from yuqing.nlp.classifier import DEFAULT_PARAMS, build_pipeline, evaluate_predictions
    from yuqing.nlp.data import load_labelled
    from yuqing.nlp.normalize import normalize
    from yuqing.nlp.segment import get_segmenter

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="base")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--dev", action="store_true", help="also fit on train, score dev")
    args = ap.parse_args(argv)

    train, dev = load_labelled(DATA / "train.csv"), load_labelled(DATA / "dev.csv")
    texts = [normalize(t) for t in [*train.texts, *dev.texts]]
    labels = np.array([*train.labels, *dev.labels])
    n_train = len(train)
    seg = CachedSegmenter(get_segmenter())
    for t in texts:
        seg(t)
    cache: dict = {}

    def second_learner(kind):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
        from sklearn.naive_bayes import ComplementNB

        if kind == "lr":
            return LogisticRegression(C=20, max_iter=3000)
        if kind == "sgd":
            return SGDClassifier(loss="modified_huber", alpha=1e-4, random_state=0)
        if kind == "ridge":
            return CalibratedClassifierCV(RidgeClassifier(alpha=1.0), method="sigmoid", cv=5)
        return ComplementNB(alpha=0.3)

    heads: dict = {}

    def fit_head(head, key, x_tr, x_te, y_tr, need_oof):
        # ``key``: the split and the feature blocks with their weights
        """The calibrated head's probabilities on ``x_te`` and, if asked, on the training part
        out of fold (the head's own calibration folds: the SVM's out-of-fold decisions through
        the fitted sigmoid calibrators), cached per split and head."""
        sig = (key, repr(head.get_params()))
        got = heads.get(sig)
        if got is None or (need_oof and got[2] is None):
            clf = clone(head).fit(x_tr, y_tr)
            oof = None
            if need_oof:
                from scipy.special import expit
                from sklearn.model_selection import cross_val_predict

                svc = clf.calibrated_classifiers_[0].estimator
                d = cross_val_predict(
                    clone(svc), x_tr, y_tr, cv=head.cv, method="decision_function"
                )
                cals = clf.calibrated_classifiers_[0].calibrators
                oof = np.column_stack([expit(-(c.a_ * d[:, k] + c.b_)) for k, c in enumerate(cals)])
                oof /= oof.sum(axis=1, keepdims=True)
            got = heads[sig] = (clf.classes_, clf.predict_proba(x_te), oof)
        return got

    def tune_offsets(proba, y, classes, limit):
        """Per-class additive offsets of the log-probabilities maximising macro-F1 on
        (``proba``, ``y``): coordinate ascent over a grid, at most four passes."""
        from sklearn.metrics import f1_score

        lp = np.log(np.clip(proba, 1e-12, None))
        yi = np.searchsorted(classes, y)

        def score(b):
            return f1_score(yi, (lp + b).argmax(axis=1), average="macro")

        grid = np.arange(-1.0, 1.0001, 0.1) if limit is True else np.linspace(-limit, limit, 13)
        b = np.zeros(len(classes))
        best = score(b)
        for _ in range(4):
            moved = False
            for c in range(len(classes)):
                for g in grid:
                    t = b.copy()
                    t[c] = g
                    s_ = score(t)
                    if s_ > best + 1e-9:
                        best, b, moved = s_, t, True
            if not moved:
                break
        return b

    def fit_predict(params, key, tr, te):
        """Fit the variant on rows ``tr``, predict rows ``te``; feature blocks are cached per
        (split, block, block parameters)."""
        blend, offsets = params.get("_blend"), params.get("_offsets", False)
        params = {k: v for k, v in params.items() if not k.startswith("_")}
        pipe = build_pipeline(seg, **params)
        union, head = pipe.steps[0][1], pipe.steps[1][1]
        weights = union.transformer_weights or {}
        xs_tr, xs_te, sigs = [], [], []
        for name, block in union.transformer_list:
            sig = (key, name, repr(block.get_params()))
            sigs.append((sig, weights.get(name, 1.0)))
            if sig not in cache:
                b = clone(block)
                cache[sig] = (
                    b.fit_transform([texts[i] for i in tr], labels[tr]),
                    b.transform([texts[i] for i in te]),
                )
            a, b_ = cache[sig]
            w = weights.get(name, 1.0)
            xs_tr.append(a * w if w != 1.0 else a)
            xs_te.append(b_ * w if w != 1.0 else b_)
        x_tr, x_te = hstack(xs_tr).tocsr(), hstack(xs_te).tocsr()
        classes, proba, oof = fit_head(head, tuple(sigs), x_tr, x_te, labels[tr], bool(offsets))
        if offsets:
            b = tune_offsets(oof, labels[tr], classes, offsets)
            proba = np.exp(np.log(np.clip(proba, 1e-12, None)) + b)
        if blend is not None:
            kind, w = blend
            other = second_learner(kind).fit(x_tr, labels[tr])
            proba = (1 - w) * proba + w * other.predict_proba(x_te)
        return classes[proba.argmax(axis=1)]

    for name in args.variants.split(","):
        params = VARIANTS[name]
        unknown = {k for k in params if not k.startswith("_")} - set(DEFAULT_PARAMS)
        if unknown:
            raise SystemExit(f"{name}: unknown parameters {unknown}")
        t0 = time.perf_counter()
        scores = []
        for seed in (int(s) for s in args.seeds.split(",")):
            pred = np.empty(len(texts), dtype=object)
            skf = StratifiedKFold(args.folds, shuffle=True, random_state=seed)
            for k, (tr, te) in enumerate(skf.split(texts, labels)):
                pred[te] = fit_predict(params, (seed, k), tr, te)
            scores.append(evaluate_predictions(list(labels), list(pred))["macro_f1"])
        line = f"{name:16s} CV macro-F1 {np.mean(scores):.4f} (seeds {scores})"
        if args.dev:
            tr, te = np.arange(n_train), np.arange(n_train, len(texts))
            m = evaluate_predictions(list(labels[te]), list(fit_predict(params, "dev", tr, te)))
            line += f"  dev macro-F1 {m['macro_f1']:.4f} acc {m['accuracy']:.4f}"
        print(f"{line}  [{time.perf_counter() - t0:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
