"""How the crawl feeds the NLP stage: a polite crawl (the shipped crawl settings: download
delay, per-domain concurrency, autothrottle) of K sources, each on its own loopback host
(127.0.0.1, 127.0.0.2, …: Scrapy's politeness is per host) serving bench/crawl.py's portal
of real citizen messages; prints the sizes of the batches the stage got (each
``NLPStage.process_many`` call) and the stage's CPU time per post.

    .venv/bin/python bench/crawl_batches.py [--sources 4] [--pages 60]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/crawl.py's site and config (loaded by path, as bench/nlp_outputs.py loads nlp.py)
_spec = importlib.util.spec_from_file_location("bench_crawl", Path(__file__).parent / "crawl.py")
assert _spec is not None and _spec.loader is not None
C = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(C)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=int, default=4)
    ap.add_argument("--pages", type=int, default=60, help="articles per source")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from yuqing.config import load_config
    from yuqing.crawlers.runner import crawl
    from yuqing.demo.server import SiteServer
    from yuqing.nlp.pipeline import NLPStage
    from yuqing.storage import open_store

    sizes: list[int] = []
    cpu = [0.0]
    real = NLPStage.process_many

    def recording(self, posts, analyses=None):
        posts = list(posts)
        sizes.append(len(posts))
        t = time.process_time()
        try:
            return real(self, posts, analyses)
        finally:
            cpu[0] += time.process_time() - t

    NLPStage.process_many = recording  # type: ignore[method-assign]
    n = args.pages
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        C.build_site(base / "site", n)
        servers = [
            SiteServer(root=base / "site", host=f"127.0.0.{k + 1}") for k in range(args.sources)
        ]
        for server in servers:
            server.start()
        try:
            cfg_dir = C.write_config(base / "full", servers[0].url, n, base / "store.db")
            (cfg_dir / "settings.yaml").write_text(
                f"storage: {{backend: sqlite, path: {base / 'store.db'}}}\n"
                f"crawl: {{max_list_pages: {n // C.PAGE + 2}, progress: never, nlp_workers: 0}}\n",
                encoding="utf-8",
            )
            (cfg_dir / "sources.yaml").write_text(
                "sources:\n"
                + "".join(
                    f"  - {{id: s{k}, kind: html, urls: ['{s.url}/b/index.html']}}\n"
                    for k, s in enumerate(servers)
                ),
                encoding="utf-8",
            )
            cfg = load_config(cfg_dir)
            with open_store(cfg) as store:
                summary = crawl(cfg, store, [f"s{k}" for k in range(args.sources)])
        finally:
            for server in servers:
                server.stop()
    posts = sum(sizes)
    print(
        json.dumps(
            {
                "new": summary.total("new"),
                "seconds": round(summary.seconds, 1),
                "batches": len(sizes),
                "mean_batch": round(posts / max(len(sizes), 1), 2),
                "batch_sizes": sorted(collections.Counter(sizes).items()),
                "nlp_cpu_ms_per_post": round(1000 * cpu[0] / max(posts, 1), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
