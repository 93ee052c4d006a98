"""信息检索 at scale: how long the console's search (``Store.find_posts`` with words, filters
and a page) takes as the embedded store grows from 10 k to 1 M posts.

Writes ``--total`` posts (default 1,000,000; checkpoints at 10 k, 100 k and 1 M) published
evenly over ``--days`` (30) into a fresh SQLite store through its normal write path
(``upsert_posts``: hourly counts kept; no NLP — titles and bodies are the shared messages of
``data/teddy2020``, each written many times under other ids and times, with a category and a
source taken round-robin). At each checkpoint it times, best of ``--repeat`` (5), a first page
of 50 (the console's ``PAGE + 1``) for:

* a common word (工作, in most messages) and a rare one (塔吊), over the last 1, 7 and 30 days;
* two words at once (拖欠 工资), and one word with a source and a category filter (7 days).

The cost of a search grows with the posts in its window, not with the store: so the figures
at 100 k and 1 M differ by the window's density (10 × the posts a day), which this benchmark
makes visible by printing the posts in each window beside its time. Run it niced:

    nice .venv/bin/python bench/search.py --total 100000

Figures (2026-11-30, 1 M: 25 min to write on a loaded box): docs/console.md, *How fast
信息检索 is*.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from yuqing.models import Post, post_id_for  # noqa: E402
from yuqing.storage.sqlite import SQLiteStore  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=TZ)
SOURCES = ("board", "weibo", "wechat", "news")
QUERIES = (
    ("common word, 1 day", "工作", 1, {}),
    ("common word, 7 days", "工作", 7, {}),
    ("common word, 30 days", "工作", 30, {}),
    ("rare word, 7 days", "塔吊", 7, {}),
    ("rare word, 30 days", "塔吊", 30, {}),
    ("two words, 7 days", "拖欠 工资", 7, {}),
    ("word + source + category, 7 days", "小区", 7, {"source": "board", "category": "城乡建设"}),
)


def messages() -> list[tuple[str, str, str]]:
    with open(ROOT / "data/teddy2020/train.csv", encoding="utf-8") as fh:
        return [(r["title"], r["body"], r["label"]) for r in csv.DictReader(fh)]


def posts(start: int, stop: int, total: int, days: int, texts) -> list[Post]:
    step = timedelta(days=days) / total
    out = []
    for i in range(start, stop):
        title, body, label = texts[i % len(texts)]
        when = NOW - step * (total - i)
        url = f"http://127.0.0.1/m/{i}"
        out.append(
            Post(
                id=post_id_for(url),
                source_id=SOURCES[i % len(SOURCES)],
                channel="board" if i % 4 == 0 else "news",
                url=url,
                title=title or body[:20],
                text=body,
                published_at=when,
                crawled_at=when,
                category=label,
                sentiment=-0.5 if i % 3 == 0 else 0.2,
            )
        )
    return out


def measure(store: SQLiteStore, repeat: int) -> list[tuple[str, int, float]]:
    rows = []
    for name, words, days, where in QUERIES:
        start = NOW - timedelta(days=days)
        in_window = store.tally("all", start, NOW)
        n = in_window["all"].posts if in_window else 0
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            store.find_posts(start, NOW, text=words, where=where, limit=51)
            best = min(best, time.perf_counter() - t0)
        rows.append((name, n, best * 1000))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--total", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", help="where the store goes (default: a temporary folder)")
    args = ap.parse_args()
    texts = messages()
    checkpoints = [n for n in (10_000, 100_000, 1_000_000) if n < args.total] + [args.total]
    folder = Path(args.dir or tempfile.mkdtemp(prefix="yuqing-search-"))
    own = not args.dir
    results = {}
    for n in checkpoints:  # a store of its own per checkpoint: the same 30 days, denser
        path = folder / f"search-{n}.db"
        path.unlink(missing_ok=True)
        store = SQLiteStore(path, tzname="Asia/Shanghai")
        t0 = time.perf_counter()
        for at in range(0, n, 5000):
            with store.writes():
                store.upsert_posts(posts(at, min(at + 5000, n), n, args.days, texts))
        print(f"{n:,} posts written in {time.perf_counter() - t0:.0f} s", flush=True)
        results[n] = measure(store, args.repeat)
        store.close()
        path.unlink(missing_ok=True)
    if own:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        "\n| search | " + " | ".join(f"{n:,} stored: posts in window, ms" for n in results) + " |"
    )
    print("|---|" + "---|" * len(results))
    for i, (name, *_rest) in enumerate(QUERIES):
        cells = [f"{results[n][i][1]:,}, **{results[n][i][2]:.0f}**" for n in results]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
