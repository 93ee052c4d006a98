"""NLP throughput and memory benchmark.

1. posts/s of bare ``jieba.lcut`` and of the whole per-post stage (normalize → segment →
   classify → focus → sentiment → keywords → near-dup → event assignment), on the same texts
   in one run, and their ratio (target ≥ 0.5);
2. RSS and in-memory state sizes at intervals over a long stream (default 100k posts built by
   cycling the teddy data with variations and an advancing clock) to show memory stays flat.

Usage: .venv/bin/python bench/nlp.py [--n 2000] [--stream 100000] [--every 10000]
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="posts for the throughput comparison")
    ap.add_argument("--stream", type=int, default=100_000, help="posts in the memory stream")
    ap.add_argument("--every", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()

    import jieba

    from nlp.pipeline import NLPStage
    from yuqing.config import load_config

    jieba.setLogLevel(logging.WARNING)
    rows = load_rows()
    rnd = random.Random(0)
    t0 = datetime(2020, 1, 1, tzinfo=TZ)
    posts = [make_post(i, rows[i % len(rows)], t0, rnd) for i in range(args.n)]
    texts = [f"{p.title}\n{p.text}" for p in posts]
    jieba.initialize()
    stage = NLPStage.from_config(load_config(ROOT / "config"))
    stage.analyzer.segmenter.warm()
    stage.process(make_post(10**9, rows[0], t0 - timedelta(days=30), rnd))  # warm-up

    t = time.perf_counter()
    for x in texts:
        jieba.lcut(x)
    bare = len(texts) / (time.perf_counter() - t)

    t = time.perf_counter()
    for p in posts:
        stage.process(p)
    whole = len(posts) / (time.perf_counter() - t)
    posts_b = [make_post(i + args.n, rows[i % len(rows)], t0 + timedelta(days=400), rnd)
               for i in range(args.n)]
    for p, x in zip(posts_b, texts, strict=True):   # same texts as above, new ids
        p.title, p.text = x.split("\n", 1)
    t = time.perf_counter()
    for i in range(0, len(posts_b), args.batch):
        stage.process_many(posts_b[i:i + args.batch])
    batched = len(posts_b) / (time.perf_counter() - t)
    chars = sum(map(len, texts)) / len(texts)
    print(f"texts: {len(texts)} (mean {chars:.0f} chars)")
    print(f"bare jieba.lcut:        {bare:8.1f} posts/s")
    print(f"whole NLP stage:        {whole:8.1f} posts/s  (per post, process())")
    print(f"whole NLP stage:        {batched:8.1f} posts/s  (process_many, batch {args.batch})")
    print(f"ratio whole/bare:       {whole / bare:8.2f}  per post; "
          f"{batched / bare:.2f} batched  (target >= 0.50)")

    if args.stream <= 0:
        return
    print(f"\nstream of {args.stream} posts (30 s apart, batches of {args.batch}):")
    print(f"{'posts':>8} {'rss MB':>8} {'posts/s':>8} {'dedup':>7} {'events':>7} "
          f"{'terms':>7} {'tracked':>8} {'sink':>7}")
    stage = NLPStage.from_config(load_config(ROOT / "config"))
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
