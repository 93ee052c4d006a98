"""Crawl throughput of the cluster frontier with 1, 2 and 4 worker processes.

One loopback site (the GBK portal of bench/crawl.py, N article pages), one Redis, one
Elasticsearch node (tools/es_server.py, 512 MB heap). For each worker count: a fresh index
prefix and frontier, the workers started and warmed (NLP loaded, heartbeat seen), then the
scheduler role's pass enqueues the source and the clock runs until its source crawl is closed
(every request acknowledged, every post stored). Pages/s = article pages stored / seconds.
A first, discarded run with one worker warms the Elasticsearch node; rounds alternate the
order of the worker counts (1 2 4, then 4 2 1) so that drift in the machine's load does not
favour one count.
``crawl.download_delay`` is 0 (the cluster politeness would cap one host at 1/delay).

    .venv/bin/python bench/cluster.py [--pages 600] [--workers 1 2 4] [--rounds 1]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crawl import PAGE, build_site  # noqa: E402
from tools.es_server import EsNode  # noqa: E402
from tools.redis_server import RedisServer  # noqa: E402


def write_config(base: Path, url: str, n: int, es_url: str, redis_url: str, prefix: str) -> Path:
    cfg = base / prefix
    cfg.mkdir(parents=True, exist_ok=True)
    for name in ("topics.yaml", "departments.yaml", "userdict.txt", "stopwords.txt"):
        src = ROOT / "config" / name
        if src.exists():
            (cfg / name).write_bytes(src.read_bytes())
    (cfg / "settings.yaml").write_text(
        f"var_dir: {base / prefix / 'var'}\n"
        f"storage: {{backend: elasticsearch, path: {base / prefix / 'var' / 'y.db'},\n"
        f"          elasticsearch: {{url: '{es_url}', index_prefix: {prefix}}}}}\n"
        "crawl: {download_delay: 0, autothrottle: false, concurrent_requests: 16,\n"
        f"        concurrent_requests_per_domain: 16, max_list_pages: {n // PAGE + 2},\n"
        "        progress: never, nlp_workers: 0}\n"
        f"cluster: {{redis_url: '{redis_url}', key_prefix: {prefix}}}\n",
        encoding="utf-8",
    )
    (cfg / "sources.yaml").write_text(
        f"sources:\n  - {{id: bench, kind: html, urls: ['{url}/b/index.html']}}\n", encoding="utf-8"
    )
    return cfg


def measure(cfg_dir: Path, workers: int, pages: int, logs: Path) -> dict:
    import redis

    from yuqing.config import load_config
    from yuqing.crawlers.frontier.enqueue import frontier_pass
    from yuqing.storage import open_store

    subprocess.run(
        [sys.executable, "-m", "yuqing", "--config", str(cfg_dir), "es", "setup"],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    cfg = load_config(cfg_dir)
    prefix = cfg.settings.cluster.key_prefix
    with open_store(cfg) as store:  # new indices serve searches once their shards are active
        store.es.cluster.health(index=f"{prefix}-*", wait_for_status="yellow", timeout="60s")
    r = redis.Redis.from_url(cfg.settings.cluster.redis_url)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "yuqing", "--config", str(cfg_dir), "worker"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(logs / f"{prefix}-w{i}.log", "wb"),
        )
        for i in range(workers)
    ]
    try:
        deadline = time.monotonic() + 300
        while r.zcard(f"{prefix}:frontier:workers") < workers:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start")
            time.sleep(0.2)
        with open_store(cfg) as store:
            t0 = time.monotonic()
            frontier_pass(cfg, store)
            cid = next(iter(r.smembers(f"{prefix}:crawls"))).decode()
            key = f"{prefix}:crawl:{cid}"
            while True:  # done = nothing pending: a callback's requests are on the frontier
                time.sleep(0.05)  # before it is acknowledged (frontier.scheduler.ScheduleAtOnce)
                if not int(r.hget(key, "pending") or 0):
                    seconds = time.monotonic() - t0
                    break
            fields = {k.decode(): v.decode() for k, v in r.hgetall(key).items()}
            store.es.indices.refresh(index=f"{prefix}-posts")  # counts are near-real-time
            stored = store.count_posts()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    if stored != pages:
        tail = (logs / f"{prefix}-w0.log").read_text(errors="replace").splitlines()[-15:]
        raise SystemExit(f"{stored} of {pages} pages stored; worker log:\n" + "\n".join(tail))
    return {"seconds": seconds, "rate": pages / seconds, "fetched": int(fields["fetched"])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=600)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from yuqing.demo.server import SiteServer

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        build_site(tmp_path / "site", args.pages)
        logs = tmp_path / "logs"
        logs.mkdir()
        redis_server = RedisServer().start()
        es = EsNode(heap="512m").start()
        rates: dict[int, list[float]] = {n: [] for n in args.workers}
        try:
            with SiteServer(root=tmp_path / "site") as site:
                warm = write_config(
                    tmp_path, site.url, args.pages, es.url, redis_server.url, "warm"
                )
                measure(warm, 1, args.pages, logs)
                for r in range(args.rounds):
                    for n in args.workers if r % 2 == 0 else args.workers[::-1]:
                        prefix = f"b{r}w{n}"
                        cfg = write_config(
                            tmp_path, site.url, args.pages, es.url, redis_server.url, prefix
                        )
                        got = measure(cfg, n, args.pages, logs)
                        rates[n].append(got["rate"])
                        print(
                            f"round {r + 1}: {n} worker(s): {got['rate']:6.1f} pages/s "
                            f"({args.pages} pages, {got['fetched']} responses, "
                            f"{got['seconds']:.1f} s)",
                            flush=True,
                        )
        finally:
            es.stop()
            redis_server.stop()
    one = statistics.median(rates[args.workers[0]])
    print(f"\npages: {args.pages}; median pages/s (speed-up vs {args.workers[0]} worker):")
    for n in args.workers:
        m = statistics.median(rates[n])
        print(f"  {n} worker(s): {m:6.1f}  ({m / one:.2f}x)")


if __name__ == "__main__":
    main()
