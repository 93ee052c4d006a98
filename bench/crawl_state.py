"""A crawl that stores a few posts on a large store: its NLP state restore and save, old vs new.

What a scheduled crawl costs at its edges once the store is large: it restores the NLP state
the last crawl saved (``NLPStage.restore``), processes the few posts it fetched, stores them
and saves the state again (``NLPStage.save``). Runs that, each crawl in a fresh process, on
two copies of the store of a ``bench/scale.py`` run directory (``--dir``; copied with
``cp --reflink=auto``, the given one is never written): one with the code of ``--old`` (a git
revision, exported with ``git archive``), one with this checkout's, alternated ``--runs``
times. The posts are the scale feed's next messages after those the run served (the same
ones for both codes), made into posts as the ``json`` spider makes them and analysed in full.

The first crawl of each code rebuilds the state from the store when the saved one was made by
other code (its fingerprint): it primes the copy and is reported apart. Then per crawl:
process CPU and wall, the CPU of the restore and of the save, and the peak RSS.

    nice .venv/bin/python bench/crawl_state.py --dir var/scale-1m --old main --runs 3

Figures: bench/results/scale.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from rebuild import export_code  # noqa: E402


def child(store_dir: str, first: int, n: int, out: str) -> None:
    """One crawl on ``store_dir``: restore, ``n`` posts from message ``first``, save."""
    import resource
    import time

    c0, w0 = time.process_time(), time.monotonic()
    from scale import START
    from scale_feed import SOURCES, Corpus
    from scale_prefill import _post

    from yuqing.config import load_config
    from yuqing.crawlers.runner import load_nlp
    from yuqing.nlp.retro import apply_changes
    from yuqing.storage import open_store

    d = Path(store_dir)
    state = json.loads((d / "state.json").read_text())
    corpus = Corpus(START, state["days"] * 86400 / state["total"])
    cfg = load_config(d / "config")
    msgs = [corpus.message(i) for i in range(first, first + n)]
    with open_store(cfg) as store:
        crawled = corpus.published(first + n - 1) + timedelta(minutes=5)
        r0 = time.process_time()
        stage = load_nlp(cfg, store, crawled)
        restore = time.process_time() - r0
        posts = []
        for i, msg in zip(range(first, first + n), msgs, strict=True):
            sid, channel = SOURCES[corpus.source_of(i, len(SOURCES))]
            posts.append(_post(msg, sid, channel, crawled, cfg.settings.timezone))
        stage.process_many(posts)
        for p in posts:
            store.upsert_post(p)
        apply_changes(stage, store)
        store.flush()
        s0 = time.process_time()
        stage.save(store)
        save = time.process_time() - s0
    Path(out).write_text(
        json.dumps(
            {
                "cpu_s": time.process_time() - c0,
                "wall_s": time.monotonic() - w0,
                "load_nlp_cpu_s": restore,
                "save_cpu_s": save,
                "replayed": stage.warm_up.get("replayed"),
                "saved": getattr(stage, "last_save", None),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def crawl(code: Path, copy: Path, first: int, n: int, work: Path, label: str) -> dict:
    out = work / f"{label}.json"
    env = {**os.environ, "PYTHONPATH": str(code), "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(copy),
        str(first),
        str(n),
        str(out),
    ]
    subprocess.run(cmd, check=True, env=env, cwd=code)
    return json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", help="a bench/scale.py run directory (its store is copied)")
    ap.add_argument("--old", default="main", help="git revision of the old code")
    ap.add_argument("--runs", type=int, default=3, help="measured crawls of each code")
    ap.add_argument("--posts", type=int, default=5, help="posts a crawl stores")
    ap.add_argument("--work", help="where the copies go (default: a temporary directory)")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        d, first, n, out = args.child
        child(d, int(first), int(n), out)
        return
    if not args.dir:
        ap.error("--dir is required (a bench/scale.py run directory)")
    src = Path(args.dir).resolve()
    served = json.loads((src / "state.json").read_text())["served"]
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        old_code = export_code(args.old, work / "old-code")
        codes = {"old": old_code, "new": ROOT}
        copies = {}
        for label in codes:
            copies[label] = work / f"store-{label}"
            copies[label].mkdir()
            files = [
                p
                for p in src.iterdir()
                if p.name.startswith("store.") or p.name in ("config", "state.json")
            ]
            subprocess.run(
                ["cp", "-a", "--reflink=auto", *map(str, files), str(copies[label])], check=True
            )
        results: dict[str, list[dict]] = {"old": [], "new": []}
        for k in range(args.runs + 1):  # crawl 0 primes each copy
            first = served + k * args.posts
            for label, code in codes.items():
                r = crawl(code, copies[label], first, args.posts, work, f"{label}-{k}")
                results[label].append(r)
                print(f"  {label} crawl {k}: {json.dumps(r)}", flush=True)
    print(f"crawls of {args.posts} posts on {src.name} ({served:,} posts served)")
    for label in ("old", "new"):
        prime = results[label][0]
        print(
            f"  {label} priming crawl: {prime['cpu_s']:.1f} s CPU, replayed {prime['replayed']}, "
            f"peak RSS {prime['peak_rss_mb']:,.0f} MB"
        )
    print(f"{'median of ' + str(args.runs):24}{'old':>10}{'new':>10}{'new/old':>9}")
    for key, name in (
        ("cpu_s", "process CPU (s)"),
        ("wall_s", "process wall (s)"),
        ("load_nlp_cpu_s", "NLP load CPU (s)"),
        ("save_cpu_s", "state save CPU (s)"),
        ("peak_rss_mb", "peak RSS (MB)"),
    ):
        old = statistics.median(r[key] for r in results["old"][1:])
        new = statistics.median(r[key] for r in results["new"][1:])
        print(f"{name:24}{old:10,.2f}{new:10,.2f}{new / old:9.2f}")


if __name__ == "__main__":
    main()
