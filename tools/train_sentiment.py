"""Rebuild the shipped base sentiment model, ``nlp/models/sentiment.joblib``.

    .venv/bin/python tools/train_sentiment.py [--data data/sentiment/waimai_10k.csv] [--out PATH]

Needs the ``train`` extra (``pip install -e '.[train]'``): JioNLP's polarity lexicon is copied
into the model file (docs/nlp.md). A development tool, not part of the installed package (the
library function it calls, ``yuqing.nlp.sentiment.train_sentiment``, is). An operator retrains
with ``yuqing train --sentiment``, which takes the lexicon from the model in use instead and,
without label feedback, writes the same model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> None:
    from yuqing.nlp import model_file
    from yuqing.nlp.lexicon import load_jionlp_lexicon
    from yuqing.nlp.segment import get_segmenter
    from yuqing.nlp.sentiment import train_sentiment

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT / "data" / "sentiment" / "waimai_10k.csv"))
    ap.add_argument("--out", default=str(ROOT / "nlp" / "models" / "sentiment.joblib"))
    args = ap.parse_args(argv)
    model = train_sentiment(args.data, get_segmenter().lcut, lexicon=load_jionlp_lexicon())
    path = model_file.save(model, args.out, kind="sentiment", metadata=model.metadata)
    print(f"wrote {path}: {model.metadata['metrics']}")


if __name__ == "__main__":
    main()
