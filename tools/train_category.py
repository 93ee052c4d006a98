"""Rebuild the shipped category classifier, ``nlp/models/default.joblib``.

    .venv/bin/python tools/train_category.py [--train data/teddy2020/train.csv]
        [--dev data/teddy2020/dev.csv] [--out PATH]

A development tool, not part of the installed package (the library functions it calls,
``yuqing.nlp.train.train_model`` / ``save_model``, are). An operator trains a classifier on
their own data with ``yuqing train --data FILE --out MODEL``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEDDY_PROVENANCE = (
    "2020 TipDM (泰迪杯) data-mining challenge, problem C 智慧政务中的文本挖掘应用: citizen "
    "messages to a city leadership message board, first-level categories; competition data "
    "published without a licence, used for research and this product's default model"
)


def main(argv: list[str] | None = None) -> None:
    from yuqing.nlp.train import DEFAULT_MODEL, save_model, train_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", default=str(ROOT / "data" / "teddy2020" / "train.csv"))
    ap.add_argument("--dev", default=str(ROOT / "data" / "teddy2020" / "dev.csv"))
    ap.add_argument("--out", default=str(DEFAULT_MODEL))
    args = ap.parse_args(argv)
    clf = train_model(args.train, dev=args.dev, provenance=TEDDY_PROVENANCE)
    path = save_model(clf, args.out)
    m = clf.metadata["dev_metrics"]
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB); dev macro-F1 {m['macro_f1']}, "
        f"accuracy {m['accuracy']} (n={m['n']})"
    )


if __name__ == "__main__":
    main()
