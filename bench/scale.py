"""Scale: does the product stay as fast with 1 M posts stored as with 10 k?

Ingests ``--total`` posts (default 1,000,000) published over ``--days`` (30) into the embedded
store through the crawl path: four ``json`` sources (a board, Weibo, WeChat, a news site)
served newest-first by a paged API on 127.0.0.1 (``bench/scale_feed.py``, messages generated
from ``data/teddy2020``), crawled every ``--crawl-every`` of simulated time, each crawl a
fresh process (``crawl`` + ``load_nlp`` of ``yuqing.crawlers.runner``) whose clock is the
simulated one. At each checkpoint (10 k / 100 k / 1 M stored) it measures, each in a fresh
process:

* **warm-up** — a crawl when no source has anything new: process start to exit, and the NLP
  state load within it;
* **alerts check** — ``Engine.check`` with the shipped rules (``config/rules.yaml``), twice
  (after each check the duty office is simulated: alerts older than a day are resolved):
  the first catches up with the posts since the last check (checks also run every
  ``--check-every`` crawls while ingesting, as ``yuqing run`` would), the second is the
  steady cost reported;
* **digest** — the day's digest (``dashboards.digest.build``; ``gather`` alone beside it);
* **ingest** — a crawl of the next ``--probe`` posts: posts/min of crawl time and per CPU
  minute (the CPU figure is what a busy shared machine distorts least), peak RSS;
* **store size** — the SQLite file with its WAL.

Wall-clock figures are what an office sees on a quiet machine; on a shared one they swell with
the load, so each step's CPU time is reported beside it (the process's own CPU: the same
whatever else runs, up to cache effects).

Then the growth exponent of each figure (slope of log(value) over log(posts stored); 0 is
flat, 1 is linear). Runs are resumable: state lives in ``--dir`` (``state.json`` + the store),
and a second run goes on where the first stopped; ``--stop-at N`` ends after the checkpoint
N; ``--report`` prints what is measured so far. Run it niced in the background:

    nice .venv/bin/python bench/scale.py --stop-at 100000      # ~1 h on a quiet 2-core box
    nice .venv/bin/python bench/scale.py                       # resume up to 1 M
    .venv/bin/python bench/scale.py --report

Reaching 1 M through the crawl path takes about ten hours of a 2-core machine. ``--prefill N``
gets there faster: messages up to ``N`` are written straight to the store through its normal
write path with the NLP state kept (``bench/scale_prefill.py`` says exactly what that keeps
and skips), then the run crawls on and measures the next checkpoint as usual; checkpoints up
to ``N`` are skipped and the report says which checkpoint was reached so. For example, from a
fresh directory (one crawl first, then the prefill, then crawls from 990 k to 1 M):

    nice .venv/bin/python bench/scale.py --dir var/scale-1m --prefill 990000
    .venv/bin/python bench/scale.py --dir var/scale-1m --report --report-with var/scale
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_feed import Corpus, Feed, sources_yaml  # noqa: E402

TZ = "Asia/Shanghai"
START = datetime(2026, 3, 1, tzinfo=ZoneInfo(TZ))
CHECKPOINTS = (10_000, 100_000, 1_000_000)
CONFIG_FILES = ("topics.yaml", "departments.yaml", "rules.yaml", "userdict.txt", "stopwords.txt")

CHILD = r"""
import importlib, json, resource, sys, time
t0 = time.monotonic()
mode, cfg_dir, clock = sys.argv[1:4]
from datetime import datetime, timedelta
import yuqing.timeutil as tu
from yuqing.config import load_config
from yuqing.storage import open_store

sim0, real0, real_now = datetime.fromisoformat(clock), time.monotonic(), tu.now

def fake_now(tzname=None):
    t = sim0 + timedelta(seconds=time.monotonic() - real0)
    return t.astimezone(tu.tz(tzname)).replace(microsecond=0)

def set_clock():  # every module that bound timeutil.now reads the simulated clock
    for mod in list(sys.modules.values()):
        for name in ("now", "_now"):
            if getattr(mod, name, None) is real_now:
                setattr(mod, name, fake_now)
    tu.now = fake_now

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

cfg = load_config(cfg_dir)
now = fake_now(cfg.settings.timezone)
out = {}
if mode == "crawl":
    from yuqing.crawlers.pipelines import PIPELINES
    from yuqing.crawlers.runner import crawl, load_nlp
    for path in PIPELINES:
        importlib.import_module(path.rsplit(".", 1)[0])
    set_clock()
    out["import_s"] = time.monotonic() - t0
    with open_store(cfg) as store:
        t, c = time.monotonic(), cpu()
        stage = load_nlp(cfg, store, now)
        out["nlp_load_s"], out["nlp_load_cpu_s"] = time.monotonic() - t, cpu() - c
        out["restore_s"] = stage.warm_up["seconds"]
        out["replayed"] = stage.warm_up["replayed"]
        c = cpu()
        s = crawl(cfg, store, [src.id for src in cfg.sources.sources], nlp=stage)
        out["crawl_cpu_s"] = cpu() - c
        out["stored"] = store.count_posts()
    out.update(new=s.total("new"), updated=s.total("updated"), seconds=s.seconds,
               fetched=s.total("fetched"), failed=dict(s.failed_by_reason()))
elif mode == "alerts":
    from yuqing.app.jobs import runtime
    set_clock()
    with runtime(cfg) as rt:
        t, c = time.monotonic(), cpu()
        result = rt.engine.check(now)
        out["check_s"], out["check_cpu_s"] = time.monotonic() - t, cpu() - c
        out["created"] = len(result.created)
        out["problems"] = [str(p) for p in result.problems]
        t, out["resolved"] = time.monotonic(), 0  # the duty office closes alerts after a day
        for status in ("open", "acked", "escalated"):
            for a in list(rt.store.iter_alerts(since=now - timedelta(days=30), status=status)):
                if a.created_at <= now - timedelta(days=1):
                    out["resolved"] += rt.store.update_alert(
                        a.id, expect={"status": status}, status="resolved",
                        resolved_at=now, updated_at=now,
                    )
        out["office_s"] = time.monotonic() - t
elif mode == "digest":
    from yuqing.dashboards.digest import build
    from yuqing.dashboards.digest_data import gather
    from yuqing.dashboards.period import daily
    set_clock()
    period = daily((now - timedelta(hours=6)).date(), cfg.settings.timezone)
    with open_store(cfg) as store:
        t = time.monotonic()
        data = gather(cfg, store, period, now)
        out["gather_s"] = time.monotonic() - t
        t, c = time.monotonic(), cpu()
        build(cfg, store, period, now)
        out["build_s"], out["build_cpu_s"] = time.monotonic() - t, cpu() - c
        out["day"] = period.label
        out["day_posts"] = data.headlines[0].value
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["process_s"] = time.monotonic() - t0
out["process_cpu_s"] = cpu()  # this process's CPU from its start (imports included)
print(json.dumps(out))
"""


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.dir = Path(args.dir).resolve()
        self.state_file = self.dir / "state.json"
        if self.state_file.exists():
            self.state = json.loads(self.state_file.read_text())
        else:
            self.state = {
                "total": args.total,
                "days": args.days,
                "served": 0,
                "batches": [],
                "checkpoints": {},
            }
        self.spacing = self.state["days"] * 86400 / self.state["total"]
        self.corpus = Corpus(START, self.spacing)
        self.feed = Feed(self.corpus, self.state["total"] + 2 * args.probe)
        self.feed.served = self.state["served"]
        self.every = args.crawl_every * 3600
        self.probe = args.probe
        self.profile = args.profile
        self.check_every = args.check_every
        self.prefill_to = args.prefill

    # -- setup -----------------------------------------------------------------------------
    def configure(self, base: str) -> Path:
        cfg = self.dir / "config"
        cfg.mkdir(parents=True, exist_ok=True)
        for name in CONFIG_FILES:
            if (ROOT / "config" / name).exists():
                shutil.copy(ROOT / "config" / name, cfg / name)
        (cfg / "settings.yaml").write_text(
            f"timezone: {TZ}\nvar_dir: var\n"
            "storage: {backend: sqlite, path: store.db}\n"
            "crawl: {obey_robots: false, download_delay: 0, autothrottle: false, timeout: 120,\n"
            "        concurrent_requests: 8, concurrent_requests_per_domain: 8,\n"
            "        max_list_pages: 100000, progress: never, nlp_workers: 0}\n"
            "digest: {out_dir: var/digests}\n",
            encoding="utf-8",
        )
        (cfg / "sources.yaml").write_text(sources_yaml(base), encoding="utf-8")
        return cfg

    def save(self) -> None:
        self.state["served"] = self.feed.served
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state, indent=1))
        tmp.replace(self.state_file)

    def clock(self) -> datetime:
        """Simulated now: five minutes after the newest served message."""
        return self.corpus.published(max(self.feed.served - 1, 0)) + timedelta(minutes=5)

    def child(self, mode: str) -> dict:
        t = time.monotonic()
        script = self.dir / "child.py"
        script.write_text(CHILD, encoding="utf-8")
        name = self.profile if self.profile == "warmup" else mode
        prof = ["-m", "cProfile", "-o", str(self.dir / f"{name}.prof")] if self.profile else []
        proc = subprocess.run(
            [sys.executable, *prof, str(script), mode, str(self.cfg), self.clock().isoformat()],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
            env=os.environ | {"PYTHONPATH": str(ROOT)},  # this checkout's code (a copy can run)
        )
        if proc.returncode != 0:
            sys.exit(f"{mode} child failed:\n{proc.stderr[-3000:]}")
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["wall_s"] = time.monotonic() - t
        return out

    # -- stages ----------------------------------------------------------------------------
    def crawl_to(self, served: int) -> dict:
        before = self.feed.served
        self.feed.served = served
        out = self.child("crawl")
        if out["new"] != served - before:
            sys.exit(f"crawl stored {out['new']} new posts, expected {served - before}: {out}")
        out["rate"] = 60 * out["new"] / max(out["seconds"], 1e-9)
        out["cpu_rate"] = 60 * out["new"] / max(out["crawl_cpu_s"], 1e-9)
        return out

    def ingest_to(self, target: int) -> None:
        step = max(1, int(self.every / self.spacing))
        while self.feed.served < target:
            out = self.crawl_to(min(target, self.feed.served + step))
            batch = {k: out[k] for k in ("stored", "new", "seconds", "rate", "cpu_rate", "rss_mb")}
            batch |= {"nlp_load_s": round(out["nlp_load_s"], 2), "wall_s": round(out["wall_s"], 1)}
            line = (
                f"  {out['stored']:>9,} stored  +{out['new']:,} in {out['seconds']:.0f}s "
                f"({out['rate']:,.0f}/min, {out['cpu_rate']:,.0f}/CPU-min)  "
                f"load {out['nlp_load_s']:.1f}s  rss {out['rss_mb']:.0f} MB"
            )
            if len(self.state["batches"]) % self.check_every == 0:  # `yuqing run` checks alerts
                check = self.child("alerts")
                batch |= {
                    "alerts_s": round(check["check_s"], 2),
                    "alerts_created": check["created"],
                }
                line += f"  alerts {check['check_s']:.1f}s (+{check['created']})"
            self.state["batches"].append(batch)
            self.save()
            print(line, flush=True)

    def measure(self, n: int) -> dict:
        print(f"measuring at {n:,} posts", flush=True)
        m: dict = {"clock": self.clock().isoformat()}
        if "prefilled" in self.state:  # reached by --prefill, not by crawling all the way
            m["prefilled"] = self.state["prefilled"]
        warm = self.crawl_to(self.feed.served)
        m["warmup_s"], m["warmup_nlp_s"] = warm["wall_s"], warm["nlp_load_s"]
        m["warmup_cpu_s"], m["warmup_nlp_cpu_s"] = warm["process_cpu_s"], warm["nlp_load_cpu_s"]
        m["warmup_restore_s"], m["warmup_replayed"] = warm["restore_s"], warm["replayed"]
        m["warmup_import_s"] = warm["import_s"]
        first = self.child("alerts")  # catches up with what came since the last check
        m["alerts_first_s"], m["alerts_created"] = first["check_s"], first["created"]
        alerts = self.child("alerts")  # the next check: the steady cost
        m["alerts_s"], m["alerts_wall_s"] = alerts["check_s"], alerts["wall_s"]
        m["alerts_cpu_s"] = alerts["check_cpu_s"]
        digest = self.child("digest")
        m["digest_s"], m["digest_gather_s"] = digest["build_s"], digest["gather_s"]
        m["digest_cpu_s"] = digest["build_cpu_s"]
        m["digest_day"], m["digest_day_posts"] = digest["day"], digest["day_posts"]
        m["store_mb"] = sum(p.stat().st_size for p in self.dir.glob("store.db*") if p.is_file()) / (
            1 << 20
        )
        probe = self.crawl_to(self.feed.served + self.probe)
        m["ingest_rate"], m["ingest_cpu_rate"] = probe["rate"], probe["cpu_rate"]
        m["rss_mb"] = probe["rss_mb"]
        self.state["checkpoints"][str(n)] = m
        self.save()
        print("  " + json.dumps({k: _round(v) for k, v in m.items()}), flush=True)
        return m

    def prefill(self, target: int) -> None:
        """Write messages up to ``target`` through the store's write path, not the crawl
        (bench/scale_prefill.py says what that keeps and what it skips)."""
        from scale_prefill import prefill

        if target >= self.state["total"]:
            sys.exit(f"--prefill {target:,}: must stay below --total {self.state['total']:,}")
        step = max(1, int(self.every / self.spacing))
        if self.feed.served == 0:  # one crawl first: the lists get walked and their head kept
            self.ingest_to(step)
        print(f"prefilling {self.feed.served:,} -> {target:,}", flush=True)
        began = self.state.get("prefill_began", self.feed.served)
        self.state["prefill_began"] = began

        def saved(n: int) -> None:
            self.feed.served = n
            self.save()

        done = prefill(self.cfg, self.corpus, self.feed.served, target, step, saved)
        self.state["prefilled"] = done | {"from": began}
        self.save()
        print("  " + json.dumps(done), flush=True)

    def profile_step(self, what: str) -> dict:
        """One step under cProfile, written to ``<dir>/<what>.prof``."""
        if what not in ("crawl", "warmup"):
            return self.child(what)
        out = self.crawl_to(self.feed.served + (self.probe if what == "crawl" else 0))
        self.save()
        return out

    def serve(self) -> str:
        """Start the feed; a resumed run serves on the port of the first one. The start URLs
        name the port, and a list whose start URL changed has never been walked: the next
        crawl would walk all of it (every page of a million posts, not the new ones)."""
        port = self.state.get("port", 0)
        try:
            base = self.feed.start(port)
        except OSError as exc:
            sys.exit(
                f"feed: cannot serve on 127.0.0.1:{port} again ({exc}); the run's lists "
                "are keyed by that port — free it and resume"
            )
        self.state["port"] = int(base.rsplit(":", 1)[1])
        return base

    def run(self, stop_at: int) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        base = self.serve()
        try:
            self.cfg = self.configure(base)
            if self.profile:
                print(json.dumps(self.profile_step(self.profile)))
                return
            if self.prefill_to and self.prefill_to > self.feed.served:
                self.prefill(self.prefill_to)
            skipped = self.state.get("prefilled", {}).get("to", 0)
            for n in CHECKPOINTS:
                if n > min(stop_at, self.state["total"]):
                    break
                if str(n) in self.state["checkpoints"] or n <= skipped:
                    continue
                self.ingest_to(n)
                self.measure(n)
        finally:
            self.feed.stop()


METRICS = (  # key, label, unit, goal
    ("ingest_rate", "ingest", "posts/min", "within 20 % of 10 k"),
    ("ingest_cpu_rate", "ingest per CPU", "posts/CPU-min", "within 20 % of 10 k"),
    ("warmup_s", "crawl warm-up (process)", "s", "< 5 s"),
    ("warmup_cpu_s", "  its CPU time", "s", ""),
    ("warmup_nlp_cpu_s", "  CPU of the NLP load", "s", ""),
    ("warmup_nlp_s", "  of which NLP load", "s", ""),
    ("warmup_restore_s", "  of which state restore", "s", ""),
    ("alerts_s", "alerts check", "s", "< 1 s"),
    ("alerts_cpu_s", "  its CPU time", "s", ""),
    ("alerts_first_s", "  first after the crawl", "s", ""),
    ("digest_s", "a day's digest", "s", "< 1 s"),
    ("digest_cpu_s", "  its CPU time", "s", ""),
    ("digest_gather_s", "  of which gather", "s", ""),
    ("store_mb", "store size", "MB", ""),
    ("rss_mb", "peak RSS (ingest)", "MB", "flat"),
)


def _round(v):
    return round(v, 3) if isinstance(v, float) else v


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(value) against log(posts)."""
    pts = [(math.log(n), math.log(v)) for n, v in points if v > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def report(state: dict) -> str:
    cps = sorted((int(k), v) for k, v in state["checkpoints"].items())
    if not cps:
        return "nothing measured yet"
    head = f"{'':28}" + "".join(f"{n:>12,}" for n, _ in cps) + f"{'exponent':>10}  goal"
    lines = [
        f"scale: {state['total']:,} posts over {state['days']} days (stored so far: "
        f"{state['served']:,})",
        head,
    ]
    for key, label, unit, goal in METRICS:
        pts = [(n, m[key]) for n, m in cps if key in m]
        k = exponent(pts)
        cells = "".join(f"{m.get(key, float('nan')):>12,.2f}" for _, m in cps)
        ks = f"{k:>10.2f}" if k is not None else f"{'':>10}"
        lines.append(f"{label + ' (' + unit + ')':28}{cells}{ks}  {goal}")
    for n, m in cps:
        if "prefilled" in m:
            p = m["prefilled"]
            lines.append(
                f"{n:,}: messages {p['from']:,}-{p['to']:,} prefilled (bench/scale_prefill.py: "
                "store write path + NLP state, no HTTP/Scrapy, cheaper analysis), the rest "
                "crawled; every figure at this checkpoint measured as at the others"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=str(ROOT / "var" / "scale"), help="state + store")
    ap.add_argument("--total", type=int, default=1_000_000)
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--crawl-every", type=float, default=6.0, help="simulated hours")
    ap.add_argument("--probe", type=int, default=5000, help="posts in the ingest probe")
    ap.add_argument("--check-every", type=int, default=4, help="alerts check every N crawls")
    ap.add_argument("--stop-at", type=int, default=1_000_000)
    ap.add_argument("--report", action="store_true", help="print the figures so far")
    ap.add_argument(
        "--prefill",
        type=int,
        default=0,
        metavar="N",
        help="write messages up to N straight to the store (bench/scale_prefill.py), then "
        "go on crawling; checkpoints up to N are not measured",
    )
    ap.add_argument(
        "--report-with",
        metavar="DIR",
        help="report also the checkpoints of the run in DIR (same corpus) this one lacks",
    )
    ap.add_argument(
        "--profile",
        choices=["crawl", "warmup", "alerts", "digest"],
        help="run one step under cProfile (<dir>/<mode>.prof) and stop",
    )
    args = ap.parse_args()
    bench = Bench(args)
    if not args.report:
        bench.run(args.stop_at)
    state = bench.state
    if args.report_with:
        other = json.loads((Path(args.report_with) / "state.json").read_text())
        state = {**state, "checkpoints": other["checkpoints"] | state["checkpoints"]}
    print(report(state))


if __name__ == "__main__":
    main()
