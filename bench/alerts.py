"""Alert latency and noise benchmark (real SQLite store, real loopback SMTP server).

1. History: 8 days of background posts (Poisson, ``--rate`` posts per 10 minutes per focus
   topic, 8 topics) are stored.
2. Noise: on a copy of that store, the alert check runs every 10 minutes of simulated time
   over the last 24 hours of background only; every alert raised is a false alarm.
3. Latency: on the live store, with the background stream continuing in real time and the
   check + delivery running every ``--poll`` seconds, a surge (``--surge`` posts on one
   topic within 10 s) is planted ``--surges`` times; measured: time from the surge's first
   post to the alert's arrival at the SMTP server. Bar: poll interval + 60 s.

    python bench/alerts.py [--poll 15] [--rate 2] [--surge 30] [--surges 3]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.alerts.conftest import SmtpSink, free_port, load, write_config  # noqa: E402
from yuqing.alerts.delivery import Deliverer  # noqa: E402
from yuqing.alerts.engine import Engine  # noqa: E402
from yuqing.alerts.outbox import Outbox  # noqa: E402
from yuqing.alerts.settings import AlertSettings, RateLimit  # noqa: E402
from yuqing.models import Post, post_id_for  # noqa: E402
from yuqing.storage.sqlite import SQLiteStore  # noqa: E402
from yuqing.timeutil import now  # noqa: E402

TOPICS = [
    "business_env",
    "real_estate_finance",
    "wage_arrears",
    "ecology",
    "food_drug",
    "edu_med_elderly",
    "work_safety",
    "hardship",
]
RULES = [
    {
        "id": "surge",
        "type": "spike",
        "level": "orange",
        "window": "10m",
        "options": {"group_by": "focus", "factor": 3, "baseline": "7d", "min_count": 10},
    },
    {
        "id": "volume",
        "type": "volume",
        "level": "yellow",
        "window": "10m",
        "options": {"group_by": "focus", "threshold": 25},
    },
    {
        "id": "terms",
        "type": "keyword",
        "level": "orange",
        "window": "1h",
        "options": {"terms": ["跳楼", "群体性事件", "爆炸"]},
    },
]
_seq = iter(range(10**9))


def post(topic: str, when, tag: str = "bg") -> Post:
    n = next(_seq)
    url = f"http://127.0.0.1/{tag}/{n}"
    return Post(
        id=post_id_for(url),
        source_id="bench",
        channel="portal",
        url=url,
        title=f"{topic} 相关留言 {n}",
        text="群众反映的问题，请相关部门关注。",
        published_at=when,
        crawled_at=when,
        focus=[topic],
        sentiment=-0.1,
    )


def seed(store: SQLiteStore, t_end, days: int, rate: float, rng: random.Random) -> int:
    """Poisson background: ``rate`` posts per 10 minutes per topic."""
    count, t = 0, t_end - timedelta(days=days)
    step = timedelta(minutes=10)
    store.db.execute("BEGIN")
    while t < t_end:
        for topic in TOPICS:
            k = _poisson(rng, rate)
            for _ in range(k):
                p = post(topic, t + timedelta(seconds=rng.uniform(0, 600)))
                store._upsert_post(p)  # one transaction for the bulk seed
                count += 1
        t += step
    store.db.execute("COMMIT")
    return count


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, 2.718281828**-lam
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--poll", type=float, default=15.0)
    ap.add_argument("--rate", type=float, default=2.0)
    ap.add_argument("--surge", type=int, default=30)
    ap.add_argument("--surges", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="yuqing-bench-alerts-"))
    sink = SmtpSink(free_port())
    sink.start()
    cfg = load(write_config(tmp, RULES, smtp_port=sink.port))
    settings = AlertSettings(rate_limit=RateLimit(max_messages=1000))
    db = tmp / "bench.db"
    store = SQLiteStore(db)
    t_start = now()
    t0 = time.perf_counter()
    n_hist = seed(store, t_start, 8, args.rate, rng)
    store.close()
    seed_s = time.perf_counter() - t0

    # -- noise: 24 h of simulated checks every 10 minutes on background only --------------
    shutil.copy(db, tmp / "noise.db")
    noise_store = SQLiteStore(tmp / "noise.db")
    noise_outbox = Outbox(tmp / "noise-outbox.db")
    engine = Engine(cfg, noise_store, noise_outbox, settings)
    check_times = []
    false_alerts = []
    for i in range(144):
        at = t_start - timedelta(hours=24) + timedelta(minutes=10 * i)
        c0 = time.perf_counter()
        res = engine.check(at)
        check_times.append(time.perf_counter() - c0)
        false_alerts += [(a.rule, a.evidence.get("subject")) for a in res.created]
    noise_store.close()
    noise_outbox.close()

    # -- latency: live background + planted surges -----------------------------------------
    store = SQLiteStore(db)
    Outbox(tmp / "outbox.db").close()  # create the outbox file up front
    stop = threading.Event()
    lock = threading.Lock()

    def background() -> None:
        feeder = SQLiteStore(db)
        per_sec = args.rate * len(TOPICS) / 600
        while not stop.wait(rng.expovariate(per_sec)):
            with lock:
                feeder.upsert_post(post(rng.choice(TOPICS), now()))
        feeder.close()

    def poller() -> None:
        st = SQLiteStore(db)
        ob = Outbox(tmp / "outbox.db")
        eng, dl = Engine(cfg, st, ob, settings), Deliverer(cfg, st, ob, settings)
        while not stop.is_set():
            eng.check(now())
            dl.run_once(now())
            stop.wait(args.poll)
        st.close()
        ob.close()

    threads = [
        threading.Thread(target=background, daemon=True),
        threading.Thread(target=poller, daemon=True),
    ]
    for t in threads:
        t.start()
    time.sleep(min(args.poll, 10))
    baseline_msgs = len(sink.messages)
    latencies = []
    surge_topics = ["ecology", "food_drug", "wage_arrears", "hardship", "business_env"]
    for k in range(args.surges):
        topic = surge_topics[k % len(surge_topics)]
        before = len(sink.messages)
        first = time.time()
        for _ in range(args.surge):
            with lock:
                store.upsert_post(post(topic, now(), tag=f"surge{k}"))
            time.sleep(10 / args.surge)
        arrived = None
        deadline = first + args.poll + 120
        while time.time() < deadline and arrived is None:
            with sink.lock:
                for _, m in sink.messages[before:]:
                    if topic in m["Subject"]:
                        arrived = time.time()
                        break
            time.sleep(0.05)
        latencies.append(round(arrived - first, 2) if arrived else None)
    stop.set()
    for t in threads:
        t.join(timeout=args.poll + 30)
    sink.stop()
    ok = [x for x in latencies if x is not None]
    report = {
        "history_posts": n_hist,
        "seed_seconds": round(seed_s, 1),
        "noise": {
            "simulated_checks": 144,
            "span": "24h",
            "false_alerts": len(false_alerts),
            "which": false_alerts[:10],
            "check_seconds_median": round(statistics.median(check_times), 3),
        },
        "latency": {
            "poll_seconds": args.poll,
            "surge_posts": args.surge,
            "surges": args.surges,
            "seconds": latencies,
            "max": max(ok) if ok else None,
            "bar": args.poll + 60,
            "pass": len(ok) == args.surges and max(ok) <= args.poll + 60,
        },
        "live_background_messages_before_surges": baseline_msgs,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
