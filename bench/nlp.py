"""NLP throughput and memory benchmark.

1. posts/s of bare ``jieba.lcut`` and of the whole per-post stage (normalize → segment →
   classify → focus → sentiment → keywords → near-dup → event assignment), on the same texts
   in one run, and their ratio (target ≥ 0.9, issue 12);
2. RSS and in-memory state sizes at intervals over a long stream (default 100k posts built by
   cycling the teddy data with variations and an advancing clock) to show memory stays flat.

3. ``--compare``: the rjieba backend against jieba on dev.csv — token agreement (per document
   identical lists; F1 of token multisets, all tokens and content tokens) and dev macro-F1 of
   the shipped model (trained on jieba tokens) with each backend's tokens at inference.

Usage: .venv/bin/python bench/nlp.py [--n 2000] [--rounds 3] [--stream 100000] [--every 10000]
       [--segmenter jieba|rjieba] [--shared-stage] [--compare]
(``--n 0``: memory stream only; ``--stream 0``: throughput only; ``--segmenter``: the stage's
backend, the baseline stays bare ``jieba.lcut``. The batched phase runs on a stage of its own,
so its posts are new to the duplicate index and the events, as a crawl's mostly are;
``--shared-stage``: both phases on one stage, as before 2026-11-29 — each batched post then
finds the one-at-a-time copy of its text in the duplicate index and joins that copy's event
without an event search, which flatters the batched rate)
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "data" / "teddy2020"
TZ = ZoneInfo("Asia/Shanghai")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def load_rows() -> list[dict]:
    rows = []
    for split in ("train", "dev"):
        with open(DATA / f"{split}.csv", encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def make_post(i: int, row: dict, t0: datetime, rnd: random.Random, step: float = 30.0):
    from yuqing.models import Post

    body = row["body"]
    if i >= 2601:  # later cycles: vary the text so every post is new to every cache
        cut = rnd.randint(0, max(0, len(body) // 5))
        body = f"网友{rnd.randint(1, 99999)}反映：" + body[cut:]
    t = t0 + timedelta(seconds=i * step)
    return Post(
        id=f"p{i}",
        source_id=f"s{i % 13}",
        channel=("portal", "weibo", "news")[i % 3],
        url=f"http://bench/{i}",
        title=row["title"],
        text=body,
        published_at=t,
        crawled_at=t + timedelta(minutes=5),
        engagement={"likes": i % 50, "comments": i % 7, "reposts": i % 3},
    )


def load_config_with(segmenter: str):
    from yuqing.config import load_config

    cfg = load_config(ROOT / "config")
    cfg.settings.nlp = cfg.settings.nlp.model_copy(update={"segmenter": segmenter})
    return cfg


def _multiset_f1(a: list[str], b: list[str]) -> tuple[int, int, int]:
    """(common, len a, len b) of two token multisets."""
    from collections import Counter

    return sum((Counter(a) & Counter(b)).values()), len(a), len(b)


def compare(args) -> None:
    """rjieba vs jieba on dev.csv: token agreement and the shipped model's dev macro-F1."""
    from yuqing.nlp.classifier import evaluate_predictions
    from yuqing.nlp.normalize import normalize
    from yuqing.nlp.segment import get_segmenter
    from yuqing.nlp.train import load_model

    with open(DATA / "dev.csv", encoding="utf-8") as fh:
        dev = list(csv.DictReader(fh))
    texts = [normalize(r["text"]) for r in dev]
    labels = [r["label"] for r in dev]
    clf = load_model()
    model_seg = clf.segmenter
    segs = {b: get_segmenter(backend=b) for b in ("jieba", "rjieba")}
    assert segs["jieba"].fingerprint == model_seg.fingerprint, "dictionary differs from model's"
    words = {b: [s.lcut(t) for t in texts] for b, s in segs.items()}
    toks = {b: [s.tokens(t) for t in texts] for b, s in segs.items()}
    print(f"dev.csv: {len(texts)} texts (mean {sum(map(len, texts)) / len(texts):.0f} chars)")
    for name, d in (("all tokens", words), ("content tokens", toks)):
        same = sum(x == y for x, y in zip(d["jieba"], d["rjieba"], strict=True))
        c = n_j = n_r = 0
        for x, y in zip(d["jieba"], d["rjieba"], strict=True):
            k, a, b = _multiset_f1(x, y)
            c, n_j, n_r = c + k, n_j + a, n_r + b
        p, r = c / n_r, c / n_j
        print(
            f"{name}: identical docs {same}/{len(texts)} ({100 * same / len(texts):.1f} %); "
            f"tokens jieba {n_j}, rjieba {n_r}, common {c}: multiset P {p:.4f} R {r:.4f} "
            f"F1 {2 * p * r / (p + r):.4f}"
        )
    diff = _Counter_diff(words["jieba"], words["rjieba"])
    print(
        "most frequent differences (jieba-only | rjieba-only tokens):",
        "; ".join(f"{w}×{n}" for w, n in diff[0].most_common(12)),
        "|",
        "; ".join(f"{w}×{n}" for w, n in diff[1].most_common(12)),
    )
    ref = evaluate_predictions(labels, [lab for lab, _ in clf.predict(texts)])
    preds = {}
    for b in ("jieba", "rjieba"):
        preds[b] = [clf.predict_one(t, tk)[0] for t, tk in zip(texts, toks[b], strict=True)]
        m = evaluate_predictions(labels, preds[b])
        print(
            f"shipped model, inference tokens from {b}: macro-F1 {m['macro_f1']:.4f}, "
            f"accuracy {m['accuracy']:.4f} (n = {m['n']})"
        )
    flips = sum(x != y for x, y in zip(preds["jieba"], preds["rjieba"], strict=True))
    print(
        f"reference (model's own segmentation, `yuqing evaluate`): macro-F1 "
        f"{ref['macro_f1']:.4f}; predictions changed by rjieba: {flips}/{len(texts)}"
    )


def _Counter_diff(a_docs, b_docs):
    from collections import Counter

    only_a, only_b = Counter(), Counter()
    for x, y in zip(a_docs, b_docs, strict=True):
        ca, cb = Counter(x), Counter(y)
        only_a.update(ca - cb)
        only_b.update(cb - ca)
    return only_a, only_b


def throughput(args, rows, t0, rnd) -> None:
    """bare jieba.lcut vs process() one post at a time vs process_many(), same texts, in
    interleaved rounds (the box is shared: load changes during a run)."""
    import statistics

    import jieba

    from yuqing.crawlers.nlp_pool import warm_analyzer
    from yuqing.nlp.pipeline import NLPStage

    posts = [make_post(i, rows[i % len(rows)], t0, rnd) for i in range(args.n)]
    texts = [f"{p.title}\n{p.text}" for p in posts]
    jieba.initialize()
    stage = NLPStage.from_config(load_config_with(args.segmenter))
    warm_analyzer(stage.analyzer)  # as the crawl does (crawlers/runner.py load_nlp)
    assert stage.analyzer.segmenter.backend == args.segmenter
    # warm-up, dated before the measured posts (make_post dates post i at i · 30 s: an index
    # of 10**9 put it 950 years ahead, and the stage's clock with it — until 2026-11-29 the
    # one-at-a-time phase then dropped every event as soon as it was made and evicted nothing
    # from the duplicate index)
    warm = make_post(0, rows[0], t0 - timedelta(days=30), rnd)
    warm.id = "warm-up"
    stage.process(warm)
    # the batched phase gets a stage of its own (the same analyzer), so neither phase meets
    # the other's posts in the duplicate index and the events (--shared-stage: one stage)
    stage_many = (
        stage
        if args.shared_stage
        else NLPStage(stage.analyzer, stage.settings, source_weights=stage.events.source_weights)
    )

    def fresh(k: int):  # the same texts as new posts (new ids, later clock)
        out = [
            make_post(k * args.n + i, rows[i % len(rows)], t0 + timedelta(days=400 * k), rnd)
            for i in range(args.n)
        ]
        for p, x in zip(out, texts, strict=True):
            p.title, p.text = x.split("\n", 1)
        return out

    print(f"stage segmenter: {args.segmenter}; baseline: bare jieba.lcut")
    print(
        f"texts: {len(texts)} (mean {sum(map(len, texts)) / len(texts):.0f} chars), "
        f"{args.rounds} rounds; each round alternates the three in slices of {args.batch} "
        "posts; rates per CPU second of this process (time.process_time: the box is shared, "
        "wall-clock rates in brackets)"
    )
    print(
        f"{'round':>5} {'jieba/s':>9} {'process/s':>10} {'ratio':>6} {'many/s':>8} "
        f"{'ratio':>6}  {'(wall ratios)':>14}"
    )
    clocks = (time.process_time, time.perf_counter)
    memo = stage.analyzer.segmenter._memo
    res = []
    for r in range(args.rounds):
        one, many = fresh(2 * r + 1), fresh(2 * r + 2)
        spent = [[0.0, 0.0] for _ in range(3)]  # [cpu, wall] for bare, process, many
        for i in range(0, len(texts), args.batch):
            sl = slice(i, i + args.batch)
            t = [c() for c in clocks]
            for x in texts[sl]:
                jieba.lcut(x)
            u = [c() for c in clocks]
            for p in one[sl]:
                stage.process(p)
            memo.clear()  # same texts next: no segmentation memo hits across the phases
            v = [c() for c in clocks]
            stage_many.process_many(many[sl])
            w = [c() for c in clocks]
            memo.clear()
            for k, (a, b) in enumerate(((t, u), (u, v), (v, w))):
                spent[k][0] += b[0] - a[0]
                spent[k][1] += b[1] - a[1]
        n = len(texts)
        bare, whole, batched = (n / s[0] for s in spent)
        wall = [n / s[1] for s in spent]
        res.append((bare, whole, whole / bare, batched, batched / bare))
        print(
            f"{r + 1:5d} {bare:9.1f} {whole:10.1f} {whole / bare:6.2f} {batched:8.1f} "
            f"{batched / bare:6.2f}  ({wall[1] / wall[0]:.2f}, {wall[2] / wall[0]:.2f})",
            flush=True,
        )
    med = [statistics.median(col) for col in zip(*res, strict=True)]
    print(
        f"median: bare jieba.lcut {med[0]:.1f} posts/s; process() one at a time "
        f"{med[1]:.1f} posts/s (ratio {med[2]:.2f}); process_many batch {args.batch} "
        f"{med[3]:.1f} posts/s (ratio {med[4]:.2f}); target >= 0.90"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="posts for the throughput comparison")
    ap.add_argument("--stream", type=int, default=100_000, help="posts in the memory stream")
    ap.add_argument("--every", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument(
        "--shared-stage",
        action="store_true",
        help="both phases on one stage (by default the batched phase has its own): the "
        "batched posts then find the one-at-a-time copies of their texts as duplicates and "
        "join their events without an event search, which flatters the batched rate",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds of the throughput comparison (median reported)",
    )
    from yuqing.config.nlp_section import NLPSettings

    ap.add_argument(
        "--segmenter",
        choices=("jieba", "rjieba"),
        default=NLPSettings().segmenter,
        help="the stage's segmentation backend (default: the setting's default; "
        "the baseline stays bare jieba.lcut)",
    )
    ap.add_argument(
        "--compare",
        action="store_true",
        help="only: rjieba vs jieba agreement and dev macro-F1 on dev.csv",
    )
    args = ap.parse_args()

    import jieba

    from yuqing.nlp.pipeline import NLPStage

    jieba.setLogLevel(logging.WARNING)
    rows = load_rows()
    if args.compare:
        compare(args)
        return
    rnd = random.Random(0)
    t0 = datetime(2020, 1, 1, tzinfo=TZ)
    if args.n > 0:
        throughput(args, rows, t0, rnd)
    if args.stream <= 0:
        return
    print(f"\nstream of {args.stream} posts (30 s apart, batches of {args.batch}):")
    print(
        f"{'posts':>8} {'rss MB':>8} {'posts/s':>8} {'dedup':>7} {'events':>7} "
        f"{'terms':>7} {'tracked':>8} {'sink':>7}"
    )
    stage = NLPStage.from_config(load_config_with(args.segmenter))
    print(f"{0:8d} {rss_mb():8.1f}   (stage loaded)", flush=True)
    start = time.perf_counter()
    last_t, last_i = start, 0
    batch = []
    for i in range(args.stream):
        batch.append(make_post(i, rows[i % len(rows)], t0, rnd))
        if len(batch) == args.batch or i == args.stream - 1:
            stage.process_many(batch)
            batch = []
            # the sink is the store's job; keep the bench's in-memory sink from growing
            if len(stage.sink.events) > 10_000:
                stage.sink.events.clear()
        if (i + 1) % args.every == 0:
            now = time.perf_counter()
            s = stage.stats()
            print(
                f"{i + 1:8d} {rss_mb():8.1f} {(i + 1 - last_i) / (now - last_t):8.1f} "
                f"{s['entries']:7d} {s['events']:7d} {s['index_terms']:7d} "
                f"{s['tracked_posts']:8d} {len(stage.sink.events):7d}",
                flush=True,
            )
            last_t, last_i = now, i + 1


if __name__ == "__main__":
    main()
