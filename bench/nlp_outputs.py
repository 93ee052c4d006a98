"""Dump every output of the NLP stage to JSON, to check that a speed change keeps them
byte-identical (compare two dumps with ``cmp``).

What it runs: 4,000 posts in batches of 64 (``process_many``), then 300 earlier copies of
every 13th post arriving after all of them (batches of 64: re-pointed duplicate groups), then
600 posts one at a time (``process``) on a fresh stage; it writes every field the stage sets
on each post, the re-pointed ids, all events of both stages and their counters.

Run both sides with the same string hash seed (``PYTHONHASHSEED=0``): the order of
same-length lexicon terms in ``focus_evidence`` follows it.

Usage: PYTHONHASHSEED=0 .venv/bin/python bench/nlp_outputs.py OUT.json [--segmenter rjieba]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

# bench/nlp.py's posts and config (loaded by path: a bare ``nlp`` import is the stage's name)
_spec = importlib.util.spec_from_file_location("bench_nlp", Path(__file__).parent / "nlp.py")
assert _spec is not None and _spec.loader is not None
B = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(B)
TZ, load_config_with, load_rows, make_post = B.TZ, B.load_config_with, B.load_rows, B.make_post

FIELDS = (
    "id category category_score category_uncertain focus focus_evidence sentiment risk_flags "
    "keywords regions_mentioned tokens anchors groups duplicate_of event_id"
).split()


def fields(post) -> list:
    return [getattr(post, f) for f in FIELDS]


def dump(segmenter: str, n: int = 4000, late: int = 300, one: int = 600) -> dict:
    from yuqing.nlp.pipeline import NLPStage

    rows = load_rows()
    rnd = random.Random(0)
    t0 = datetime(2020, 1, 1, tzinfo=TZ)
    stage = NLPStage.from_config(load_config_with(segmenter))
    posts = [make_post(i, rows[i % len(rows)], t0, rnd, step=600) for i in range(n)]
    many = []
    for i in range(0, n, 64):
        many += [fields(p) for p in stage.process_many(posts[i : i + 64])]
    copies = []
    for k in range(late):  # an earlier copy of post 13k, arriving after all of them
        src = posts[13 * k]
        p = make_post(10**6 + k, rows[(13 * k) % len(rows)], t0, rnd, step=600)
        p.title, p.text = src.title, src.text
        p.published_at = src.published_at - timedelta(hours=1)
        p.crawled_at = posts[-1].crawled_at + timedelta(minutes=k)
        copies.append(p)
    late_out = []
    for i in range(0, len(copies), 64):
        late_out += [fields(p) for p in stage.process_many(copies[i : i + 64])]
    repointed = stage.drain_repointed()
    stage.events.flush()
    single = NLPStage.from_config(load_config_with(segmenter))
    one_posts = [
        make_post(i, rows[i % len(rows)], t0, random.Random(1), step=600) for i in range(one)
    ]
    one_out = [fields(single.process(p)) for p in one_posts]
    single.events.flush()
    return {
        "many": many,
        "late": late_out,
        "repointed": repointed,
        "events": {k: e.to_dict() for k, e in stage.sink.events.items()},
        "stats": stage.stats(),
        "one": one_out,
        "events_one": {k: e.to_dict() for k, e in single.sink.events.items()},
        "stats_one": single.stats(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="the JSON file to write")
    ap.add_argument("--segmenter", choices=("jieba", "rjieba"), default="rjieba")
    args = ap.parse_args()
    out = dump(args.segmenter)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(out, fh, ensure_ascii=False, default=str, sort_keys=True)
    print(
        f"wrote {args.out}: {len(out['many'])} batched, {len(out['late'])} late copies "
        f"({len(out['repointed'])} re-pointed), {len(out['events'])} events; "
        f"{len(out['one'])} one at a time, {len(out['events_one'])} events"
    )


if __name__ == "__main__":
    main()
