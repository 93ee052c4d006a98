"""Crawl throughput: the full pipeline versus plain Scrapy fetching the same loopback pages.

Builds a GBK portal of N article pages (real citizen messages from data/teddy2020, laid out
like the bundled demo portal), serves it on 127.0.0.1, then in one run:

* plain  — a bare Scrapy spider GETs the N article URLs and does nothing with them;
* full   — ``yuqing crawl``'s machinery: list pages, fetch, decode, extract, t2s check,
           NLP stage (when available), store in SQLite.

Each runs in its own child process (Twisted's reactor starts once per process); timing
covers the crawl only, not interpreter start-up or model loading (the NLP worker, forked from
the crawl's loaded models, is ready inside it at once). Prints pages/s and the ratio (issue 2's
target: full >= 0.5 x plain; DESIGN.md's quality bar: >= 0.8 x, not met: 0.60 with an NLP
worker and 0.52 in-process on a quiet box on 2026-11-30 after the per-page cuts of that day;
with the worker forked instead of spawned, 0.50 against 0.49 for the old code alternated with
it at a load average of 6-8, where the rounds scatter more than the change; with the detail
pages extracted in the worker as well, 0.59 against 0.50 for the forked workers alone and 0.35
for the old code, alternated at a load average of 5-7), and the whole
pass's rate with the NLP models and state loaded inside the clock (the pass as the daemon runs
it, less interpreter start-up). docs/operations.md, *Benchmarks*, says where the time goes.

    .venv/bin/python bench/crawl.py [--pages 1000] [--rounds 3] [--nlp-workers 0]
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "teddy2020" / "train.csv"
PAGE = 20  # links per list page
WORKERS = 1  # crawl.nlp_workers for the full pipeline (--nlp-workers)

DETAIL = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{title}_A7县人民政府</title></head><body>
<div class="top"><a href="/">首页</a> <a href="/b/">新闻动态</a> <a href="/b/">政务公开</a></div>
<div class="crumb">当前位置：首页 &gt; 新闻动态</div>
<div class="article"><h1>{title}</h1>
<div class="info">发布日期：{date} 来源：县政府办公室</div>
<div class="content">{paras}</div>
<div class="share">分享到：微信 微博 【打印】【关闭】</div></div>
<div class="footer">版权所有 © A7县人民政府办公室 主办</div></body></html>"""

LIST = """<!DOCTYPE html><html><head><meta charset="gbk"><title>新闻动态</title></head><body>
<div class="top"><a href="/">首页</a></div><ul class="list">{items}</ul>
<div class="pages">{next}</div><div class="footer">版权所有 © A7县人民政府</div></body></html>"""


def build_site(root: Path, n: int) -> list[str]:
    rows = [r for r in csv.DictReader(DATA.open(encoding="utf-8")) if r["title"].strip()]
    site = root / "b"
    site.mkdir(parents=True)
    paths = []
    for i in range(n):
        row = rows[i % len(rows)]
        title = row["title"] + (f"（{i // len(rows)}）" if i >= len(rows) else "")
        date = row["published_at"].replace("/", "-")
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in row["body"].split("\n") if p.strip())
        page = DETAIL.format(title=html.escape(title), date=date, paras=paras)
        (site / f"t{i:05d}.html").write_bytes(page.encode("gb18030", "replace"))
        paths.append(f"/b/t{i:05d}.html")
    for p in range(0, n, PAGE):
        items = "".join(
            f'<li><a href="t{i:05d}.html">{html.escape(rows[i % len(rows)]["title"])}'
            f"</a><span>2020-01-01</span></li>"
            for i in range(p, min(p + PAGE, n))
        )
        nxt = f'<a href="index_{p // PAGE + 1}.html">下一页</a>' if p + PAGE < n else ""
        name = "index.html" if p == 0 else f"index_{p // PAGE}.html"
        (site / name).write_bytes(LIST.format(items=items, next=nxt).encode("gbk", "replace"))
    return paths


PLAIN = r"""
import json, sys, time, scrapy
from scrapy.crawler import CrawlerProcess
urls = json.loads(sys.argv[1])
class Plain(scrapy.Spider):
    name = "plain"
    async def start(self):
        for u in urls:
            yield scrapy.Request(u, callback=self.parse)
    def parse(self, response):
        self.crawler.stats.inc_value("pages")
p = CrawlerProcess({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": True,
                    "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
                    "TELNETCONSOLE_ENABLED": False})
crawler = p.create_crawler(Plain)
p.crawl(crawler)
t0 = time.monotonic(); p.start(); dt = time.monotonic() - t0
print(json.dumps({"pages": crawler.stats.get_value("pages", 0), "seconds": dt}))
"""

FULL = r"""
import json, sys, time
from yuqing.crawlers.runner import crawl
from yuqing.config import load_config
from yuqing.storage import open_store
cfg = load_config(sys.argv[1])
with open_store(cfg) as store:
    t0 = time.monotonic()
    s = crawl(cfg, store, ["bench"])
    whole = time.monotonic() - t0
print(json.dumps({"pages": s.total("new"), "seconds": s.seconds, "whole": whole,
                  "fetched": s.total("fetched"), "failed": dict(s.failed_by_reason())}))
"""


def write_config(base: Path, url: str, n: int, store: Path) -> Path:
    cfg = base / "config"
    cfg.mkdir(parents=True, exist_ok=True)
    for name in ("topics.yaml", "departments.yaml", "userdict.txt", "stopwords.txt"):
        src = ROOT / "config" / name
        if src.exists():
            (cfg / name).write_bytes(src.read_bytes())
    (cfg / "settings.yaml").write_text(
        f"storage: {{backend: sqlite, path: {store}}}\n"
        "crawl: {download_delay: 0, autothrottle: false, concurrent_requests: 16,\n"
        f"        concurrent_requests_per_domain: 16, max_list_pages: {n // PAGE + 2},\n"
        f"        progress: never, nlp_workers: {WORKERS}}}\n",
        encoding="utf-8",
    )
    (cfg / "sources.yaml").write_text(
        f"sources:\n  - {{id: bench, kind: html, urls: ['{url}/b/index.html']}}\n", encoding="utf-8"
    )
    return cfg


def run(code: str, arg: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code, arg], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        sys.exit(f"bench child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--nlp-workers",
        type=int,
        default=1,
        help="crawl.nlp_workers for the full pipeline (0 = NLP in-process)",
    )
    args = ap.parse_args()
    global WORKERS
    WORKERS = args.nlp_workers
    sys.path.insert(0, str(ROOT))
    from yuqing.demo.server import SiteServer

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        paths = build_site(tmp_path / "site", args.pages)
        with SiteServer(root=tmp_path / "site") as server:
            urls = json.dumps([server.url + p for p in paths])
            plain_rates, full_rates, pass_rates = [], [], []
            for r in range(args.rounds):
                plain = run(PLAIN, urls)
                cfg = write_config(
                    tmp_path / f"full{r}", server.url, args.pages, tmp_path / f"store{r}.db"
                )
                full = run(FULL, str(cfg))
                assert full["pages"] == args.pages, full
                plain_rates.append(plain["pages"] / plain["seconds"])
                full_rates.append(full["pages"] / full["seconds"])
                pass_rates.append(full["pages"] / full["whole"])
                print(
                    f"round {r + 1}: plain {plain_rates[-1]:7.1f} pages/s   "
                    f"full {full_rates[-1]:7.1f} pages/s   ({full['fetched']} responses; "
                    f"the pass with its NLP load {pass_rates[-1]:.1f} pages/s)"
                )
    ratios = sorted(f / p for f, p in zip(full_rates, plain_rates, strict=True))
    with_load = sorted(f / p for f, p in zip(pass_rates, plain_rates, strict=True))
    print(
        f"\npages: {args.pages}   plain Scrapy: {statistics.median(plain_rates):.1f} pages/s   "
        f"full pipeline: {statistics.median(full_rates):.1f} pages/s   "
        f"ratio (median of rounds): {statistics.median(ratios):.2f}   "
        f"range {ratios[0]:.2f}-{ratios[-1]:.2f}   (issue 2: >= 0.50; DESIGN.md: >= 0.80)\n"
        f"the whole pass, NLP models and state loaded inside the clock: "
        f"{statistics.median(pass_rates):.1f} pages/s, ratio {statistics.median(with_load):.2f} "
        f"(range {with_load[0]:.2f}-{with_load[-1]:.2f})"
    )


if __name__ == "__main__":
    main()
