"""NLP throughput and memory benchmark.

1. posts/s of bare ``jieba.lcut`` and of the whole per-post stage (normalize → segment →
   classify → focus → sentiment → keywords → near-dup → event assignment), on the same texts
   in one run, and their ratio (target ≥ 0.5);
2. RSS and in-memory state sizes at intervals over a long stream (default 100k posts built by
   cycling the teddy data with variations and an advancing clock) to show memory stays flat.

Usage: .venv/bin/python bench/nlp.py [--n 2000] [--rounds 3] [--stream 100000] [--every 10000]
(``--n 0``: memory stream only; ``--stream 0``: throughput only)
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
DATA = Path("/work/shared/data/teddy2020")
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
    return Post(id=f"p{i}", source_id=f"s{i % 13}", channel=("portal", "weibo", "news")[i % 3],
                url=f"http://bench/{i}", title=row["title"], text=body, published_at=t,
                crawled_at=t + timedelta(minutes=5),
                engagement={"likes": i % 50, "comments": i % 7, "reposts": i % 3})


def throughput(args, rows, t0, rnd) -> None:
    """bare jieba.lcut vs process() one post at a time vs process_many(), same texts, in
    interleaved rounds (the box is shared: load changes during a run)."""
    import statistics

    import jieba

    from nlp.pipeline import NLPStage
    from yuqing.config import load_config

    posts = [make_post(i, rows[i % len(rows)], t0, rnd) for i in range(args.n)]
    texts = [f"{p.title}\n{p.text}" for p in posts]
    jieba.initialize()
    stage = NLPStage.from_config(load_config(ROOT / "config"))
    stage.analyzer.segmenter.warm()
    stage.process(make_post(10**9, rows[0], t0 - timedelta(days=30), rnd))  # warm-up

    def fresh(k: int):   # the same texts as new posts (new ids, later clock)
        out = [make_post(k * args.n + i, rows[i % len(rows)], t0 + timedelta(days=400 * k),
                         rnd) for i in range(args.n)]
        for p, x in zip(out, texts, strict=True):
            p.title, p.text = x.split("\n", 1)
        return out

    print(f"texts: {len(texts)} (mean {sum(map(len, texts)) / len(texts):.0f} chars), "
          f"{args.rounds} rounds; each round alternates the three in slices of {args.batch} "
          "posts; rates per CPU second of this process (time.process_time: the box is shared, "
          "wall-clock rates in brackets)")
    print(f"{'round':>5} {'jieba/s':>9} {'process/s':>10} {'ratio':>6} {'many/s':>8} "
          f"{'ratio':>6}  {'(wall ratios)':>14}")
    clocks = (time.process_time, time.perf_counter)
    memo = stage.analyzer.segmenter._memo
    res = []
    for r in range(args.rounds):
        one, many = fresh(2 * r + 1), fresh(2 * r + 2)
        spent = [[0.0, 0.0] for _ in range(3)]   # [cpu, wall] for bare, process, many
        for i in range(0, len(texts), args.batch):
            sl = slice(i, i + args.batch)
            t = [c() for c in clocks]
            for x in texts[sl]:
                jieba.lcut(x)
            u = [c() for c in clocks]
            for p in one[sl]:
                stage.process(p)
            memo.clear()   # same texts next: no segmentation memo hits across the phases
            v = [c() for c in clocks]
            stage.process_many(many[sl])
            w = [c() for c in clocks]
            memo.clear()
            for k, (a, b) in enumerate(((t, u), (u, v), (v, w))):
                spent[k][0] += b[0] - a[0]
                spent[k][1] += b[1] - a[1]
        n = len(texts)
        bare, whole, batched = (n / s[0] for s in spent)
        wall = [n / s[1] for s in spent]
        res.append((bare, whole, whole / bare, batched, batched / bare))
        print(f"{r + 1:5d} {bare:9.1f} {whole:10.1f} {whole / bare:6.2f} {batched:8.1f} "
              f"{batched / bare:6.2f}  ({wall[1] / wall[0]:.2f}, {wall[2] / wall[0]:.2f})",
              flush=True)
    med = [statistics.median(col) for col in zip(*res, strict=True)]
    print(f"median: bare jieba.lcut {med[0]:.1f} posts/s; process() one at a time "
          f"{med[1]:.1f} posts/s (ratio {med[2]:.2f}); process_many batch {args.batch} "
          f"{med[3]:.1f} posts/s (ratio {med[4]:.2f}); target >= 0.50")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="posts for the throughput comparison")
    ap.add_argument("--stream", type=int, default=100_000, help="posts in the memory stream")
    ap.add_argument("--every", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds of the throughput comparison (median reported)")
    args = ap.parse_args()

    import jieba

    from nlp.pipeline import NLPStage
    from yuqing.config import load_config

    jieba.setLogLevel(logging.WARNING)
    rows = load_rows()
    rnd = random.Random(0)
    t0 = datetime(2020, 1, 1, tzinfo=TZ)
    if args.n > 0:
        throughput(args, rows, t0, rnd)
    if args.stream <= 0:
        return
    print(f"\nstream of {args.stream} posts (30 s apart, batches of {args.batch}):")
    print(f"{'posts':>8} {'rss MB':>8} {'posts/s':>8} {'dedup':>7} {'events':>7} "
          f"{'terms':>7} {'tracked':>8} {'sink':>7}")
    stage = NLPStage.from_config(load_config(ROOT / "config"))
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
            print(f"{i + 1:8d} {rss_mb():8.1f} {(i + 1 - last_i) / (now - last_t):8.1f} "
                  f"{s['entries']:7d} {s['events']:7d} {s['index_terms']:7d} "
                  f"{s['tracked_posts']:8d} {len(stage.sink.events):7d}", flush=True)
            last_t, last_i = now, i + 1


if __name__ == "__main__":
    main()
