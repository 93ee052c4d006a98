"""The nightly event rebuild (``rebuild_events``, the ``events_rebuild`` job) old vs new.

Runs the rebuild over the last ``--days`` of a store made by ``bench/scale.py`` (its
``--dir``; e.g. ``bench/scale.py --dir D --total 120000 --prefill 100000 --stop-at 100000``)
twice, each in a fresh process on a fresh copy of the store (``cp --reflink=auto``; the
store given is never written): once with the code of ``--old`` (a git revision, exported with
``git archive`` and run from the export) and once with this checkout's. Each run reports CPU
seconds, wall seconds and peak RSS of the process, and the post → event map it left; the bench
prints both, the ratios new/old, and how far the two results agree: events, multi-post events,
adjusted Rand index of the two partitions of the store's posts (posts the window's issues
do not hold keep their event in both), and pairwise precision / recall of the
new partition against the old (pairs of posts put in one event).

    nice .venv/bin/python bench/rebuild.py --dir var/scale --old main --days 7

Absolute times on a shared machine swell with its load; the CPU figures and the ratios of
two runs made one after the other are what to compare. Figures: bench/results/scale.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(store_dir: str, days: float, out: str) -> None:
    """Run one rebuild on ``store_dir`` (a copy) with the code on sys.path; write figures."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from yuqing.config import load_config
    from yuqing.nlp.rebuild import consolidator_for, rebuild_events
    from yuqing.storage import open_store

    d = Path(store_dir)
    cfg = load_config(d / "config")
    with sqlite3.connect(d / "store.db") as db:
        newest = db.execute("SELECT max(post_ts) FROM posts").fetchone()[0]
    now = datetime.fromtimestamp(newest, ZoneInfo(cfg.settings.timezone))
    with open_store(cfg) as store:
        w0, c0 = time.monotonic(), time.process_time()
        stats = rebuild_events(store, consolidator_for(cfg), now - timedelta(days=days), now)
        wall, cpu = time.monotonic() - w0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with sqlite3.connect(d / "store.db") as db:
        rows = db.execute("SELECT id, event_id FROM posts").fetchall()
    with open(out, "w") as fh:
        json.dump(
            {
                "cpu_s": cpu,
                "wall_s": wall,
                "peak_rss_mb": rss,
                "stats": stats,
                "events": dict(rows),
            },
            fh,
        )


def agreement(old: dict[str, str], new: dict[str, str]) -> dict[str, float]:
    """Adjusted Rand index and pairwise precision / recall of ``new`` against ``old``."""
    from sklearn.metrics import adjusted_rand_score
    from sklearn.metrics.cluster import pair_confusion_matrix

    ids = sorted(set(old) & set(new))
    a = [old[i] or i for i in ids]
    b = [new[i] or i for i in ids]
    (_, fp), (fn, tp) = pair_confusion_matrix(a, b)
    return {
        "posts": len(ids),
        "ari": adjusted_rand_score(a, b),
        "pair_precision": tp / (tp + fp) if tp + fp else 1.0,
        "pair_recall": tp / (tp + fn) if tp + fn else 1.0,
        "identical": a == b,
    }


def export_code(rev: str, dest: Path) -> Path:
    """The tree of git revision ``rev`` of this repository, exported into ``dest``."""
    dest.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def run(code: Path, store: Path, days: float, work: Path, label: str) -> dict:
    copy = work / f"store-{label}"
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-a", "--reflink=auto", str(store), str(copy)], check=True)
    out = work / f"{label}.json"
    env = {**os.environ, "PYTHONPATH": str(code)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(copy), str(days), str(out)]
    subprocess.run(cmd, check=True, env=env, cwd=code)
    shutil.rmtree(copy, ignore_errors=True)
    return json.loads(out.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", help="a bench/scale.py run directory (its store is copied)")
    ap.add_argument("--days", type=float, default=7.0, help="the rebuild window (days)")
    ap.add_argument("--old", default="main", help="git revision of the old code")
    ap.add_argument("--work", help="where the copies go (default: a temporary directory)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child[:1], float(args.child[1]), args.child[2])
        return
    if not args.dir:
        ap.error("--dir is required (a bench/scale.py run directory)")
    store = Path(args.dir).resolve()
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        old_code = export_code(args.old, work / "old-code")
        old = run(old_code, store, args.days, work, "old")
        new = run(ROOT, store, args.days, work, "new")
    print(f"event rebuild over {args.days:g} days of {store.name}: {old['stats']['posts']:,} posts")
    print(f"{'':24}{'old':>12}{'new':>12}{'new/old':>10}")
    for key, name in (
        ("cpu_s", "CPU (s)"),
        ("wall_s", "wall (s)"),
        ("peak_rss_mb", "peak RSS (MB)"),
    ):
        print(f"{name:24}{old[key]:12,.1f}{new[key]:12,.1f}{new[key] / old[key]:10.2f}")
    for key in ("events", "multi_post_events", "merged_away", "posts_repointed"):
        print(f"{key:24}{old['stats'][key]:12,}{new['stats'][key]:12,}")
    agree = agreement(old["events"], new["events"])
    print(
        f"agreement over {agree['posts']:,} posts: "
        + ("identical partition" if agree["identical"] else "partitions differ")
        + f"; adjusted Rand {agree['ari']:.4f}, pairwise precision {agree['pair_precision']:.4f}"
        f", recall {agree['pair_recall']:.4f} (new against old)"
    )


if __name__ == "__main__":
    main()
