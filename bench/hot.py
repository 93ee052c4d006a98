"""Hot issues on a synthetic message-board archive: recall, purity, rank, order invariance, speed.

The archive is built from the shared labelled messages (data/teddy2020, train + dev):

* **background** — every message once, spread over ``--months`` (36) months, one resident
  each (a few residents write twice), likes drawn from a heavy-tailed distribution; a few
  single messages get 1,500–2,500 likes (the "viral single message");
* **planted issues** — ``--issues`` (6) issues of 9–94 messages over 6–30 months, each about
  one invented place (estate, company, college, village; one city-policy issue without a
  place) and one problem: every message is written by one of several residents (some write
  twice) and mixes one or two sentences of the issue's seed complaint (place names replaced,
  words swapped for synonyms, sentences reordered) with sentences of other messages of the
  same category, under varied titles — the residents share the place and the problem, not
  the wording;
* **themes** — the same complaint text at other invented places (must *not* join the issue);
* **templated spam** — one account, ``--spam`` (32) messages with one sentence frame and a
  different project and problem each.

Planted posts are processed by the NLP stage (per-post assignment) in arrival order, then
consolidated (nlp/consolidate.py); the 热点问题表 of the whole period is taken as
``yuqing hot`` builds it (dashboards/hot_table.py). Reported: issue recall / purity /
recovered (event with ≥ 50 % of the issue's messages and purity ≥ 0.8), rank of each planted
issue, the spam account's and the viral messages' best ranks, order invariance (same archive
shuffled and reversed: identical partition and top 10), and the consolidation time for
``--scale`` (100,000) posts (tokens recombined from the analysed messages, see below).

    .venv/bin/python bench/hot.py [--seeds 1 2 3] [--scale 100000] [--old main]

``--old REV`` runs the same seeds (and scale) with the code of git revision ``REV`` too (its
tree exported to a temporary directory and imported instead of this checkout's, this bench's
archive and scoring unchanged) and prints old and new summaries side by side.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
#: the tree whose code is imported: this checkout, or another revision's (``--old``'s child)
CODE = Path(sys.argv[sys.argv.index("--code") + 1]).resolve() if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))

from yuqing.models import Post  # noqa: E402

DATA = ROOT / "data" / "teddy2020"
TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2017, 1, 1, 8, 0, tzinfo=TZ)
SIZES = (9, 14, 22, 35, 60, 94)
SPANS = (6, 9, 12, 18, 24, 30)  # months
SYN = {
    "严重": "十分", "问题": "情况", "希望": "恳请", "尽快": "早日", "解决": "处理",
    "业主": "住户", "反映": "投诉", "领导": "政府", "现在": "目前", "已经": "早已",
    "非常": "特别", "影响": "干扰", "要求": "请求", "没有": "未曾", "多次": "反复",
}  # fmt: skip
OPENERS = ("尊敬的领导：您好！", "领导您好，", "", "我是一名普通市民。", "您好！", "市长您好：")
CLOSERS = ("望尽快解决！", "谢谢！", "", "恳请有关部门重视。", "盼复。", "望领导关注此事。")
NAME_A = "金银翠碧锦绣华丽欣悦泰康盛雅景润德福瑞祥嘉禾鸿运星辰春晖秋实"
NAME_B = "桂兰荷枫松竹梅柳湖江河溪山岭峰湾岸洲堤泉林苑"
PLACE_KINDS = (
    ("{a}{b}苑", "业主"),
    ("{a}{b}花园", "业主"),
    ("{a}{b}科技有限公司", "员工"),
    ("{a}{b}职业技术学院", "学生"),
    ("{a}{b}村", "村民"),
    ("{a}{b}家园", "业主"),
)
POLICY = ("人才购房补贴", "人才")  # a city policy: no place
POLICY_ISSUE = f"issue2:{POLICY[0]}"  # its name in the truth (k == 2 below)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？!?；;])", text.replace("\n", "")) if len(s) > 4]


def load_rows() -> list[dict]:
    rows = []
    for split in ("train", "dev"):
        with (DATA / f"{split}.csv").open(encoding="utf-8") as fh:
            rows += list(csv.DictReader(fh))
    return rows


def new_place(rnd: random.Random, used: set[str], kind: int) -> str:
    while True:
        fmt = PLACE_KINDS[kind % len(PLACE_KINDS)][0]
        name = fmt.format(a="".join(rnd.sample(NAME_A, 2)), b=rnd.choice(NAME_B))
        if name not in used:
            used.add(name)
            return name


def paraphrase(sent: str, rnd: random.Random) -> str:
    for a, b in SYN.items():
        if a in sent and rnd.random() < 0.5:
            sent = sent.replace(a, b)
    return sent


_PLACE_RE = re.compile(
    r"[\u4e00-\u9fa5A-Za-z0-9]{2,8}?(?:小区|花园|苑|公司|学院|学校|村|社区|中学|小学|医院|厂)"
)


def build_archive(rows: list[dict], seed: int, months: int, n_spam: int):
    """(posts, truth) — truth: planted issue name -> set of post ids; plus 'spam', 'viral'."""
    rnd = random.Random(seed)
    span_s = months * 30 * 86400
    by_cat: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_cat[r["label"]].append(r)
    posts: list[Post] = []
    truth: dict[str, set[str]] = {}
    n = 0

    def add(title, text, t, author, likes, dislikes=0) -> str:
        nonlocal n
        n += 1
        pid = f"m{seed}-{n:06d}"
        posts.append(
            Post(
                id=pid,
                source_id="board",
                channel="message_board",
                url=f"http://board.example/{pid}",
                title=title,
                text=text,
                published_at=t,
                crawled_at=START + timedelta(seconds=span_s + 86400),
                author=author,
                engagement={"likes": likes, "dislikes": dislikes},
            )
        )
        return pid

    # background
    viral = set()
    for i, r in enumerate(rows):
        t = START + timedelta(seconds=rnd.uniform(0, span_s))
        likes = int(rnd.paretovariate(1.6)) - 1
        author = f"u{rnd.randrange(len(rows) * 2)}"
        pid = add(r["title"] or "", r["body"] or r["text"], t, author, min(likes, 400))
        if i % 500 == 7:
            posts[-1].engagement["likes"] = rnd.randint(1500, 2500)
            viral.add(pid)
    truth["viral"] = viral
    # planted issues
    used: set[str] = set()
    seeds = [r for r in rows if len(sentences(r["body"] or r["text"])) >= 4]
    rnd.shuffle(seeds)
    for k, (size, span) in enumerate(zip(SIZES, SPANS, strict=False)):
        seed_row = seeds[k]
        policy = k == 2  # one issue without a place: a city policy
        if policy:
            place, group = POLICY
        else:
            place, group = new_place(rnd, used, k), PLACE_KINDS[k % len(PLACE_KINDS)][1]
        problem = [
            _PLACE_RE.sub(place if not policy else "", s)
            for s in sentences(seed_row["body"] or seed_row["text"])
        ]
        topic = re.sub(r"[A-Z]\d*[市区县]|西地省", "", seed_row["title"] or problem[0])[:18]
        fillers = [s for r in by_cat[seed_row["label"]] for s in sentences(r["body"])[:6]]
        start = rnd.uniform(0, span_s - span * 30 * 86400)
        n_res = max(3, int(size * 0.8))
        residents = [f"r{seed}-{k}-{j}" for j in range(n_res)]
        ids = set()
        # residents shorten a name by dropping its type word (嘉康堤家园 → 嘉康堤)
        short = (
            re.sub(r"(花园|家园|苑|科技有限公司|职业技术学院)$", "", place) if not policy else place
        )
        short = short if len(short) >= 2 else place
        lead = problem[0]
        for j in range(size):
            t = START + timedelta(seconds=start + rnd.uniform(0, span * 30 * 86400))
            author = residents[j] if j < n_res else rnd.choice(residents)
            # every resident states the problem (the seed's opening sentence or its title), then
            # some of its details in their own order
            opening = lead if rnd.random() < 0.5 else f"{topic}。"
            details = rnd.sample(problem[1:], min(len(problem) - 1, rnd.choice((0, 1, 2))))
            core = [paraphrase(s, rnd) for s in [opening, *details]]
            filler = rnd.sample(fillers, rnd.choice((1, 2, 3)))
            body_s = core + filler
            rnd.shuffle(body_s)
            where = place if rnd.random() < 0.7 else short
            intro = f"我是{where}的{group}。" if rnd.random() < 0.6 and not policy else ""
            body = rnd.choice(OPENERS) + intro + "".join(body_s) + rnd.choice(CLOSERS)
            if where not in body and not policy:
                body = f"关于{where}的情况：" + body
            title = rnd.choice(
                (
                    f"{where}{topic}",
                    f"关于{where}的问题",
                    f"{topic}",
                    f"{where}{group}再次反映{topic}",
                    f"请求解决{where}{topic[:8]}",
                )
            )
            likes = int(rnd.paretovariate(1.3)) - 1
            ids.add(add(title, body, t, author, min(likes, 300), rnd.randrange(3)))
        truth[f"issue{k}:{place}"] = ids
        if k in (1, 4):  # another problem at the same place: another issue
            other_row = seeds[len(SIZES) + k]
            other = [
                _PLACE_RE.sub(place, x) for x in sentences(other_row["body"] or other_row["text"])
            ]
            other_topic = re.sub(r"[A-Z]\d*[市区县]|西地省", "", other_row["title"] or other[0])[
                :18
            ]
            for j in range(6):
                t = START + timedelta(seconds=start + rnd.uniform(0, span * 30 * 86400))
                body = f"我是{place}的{group}。" + "".join(rnd.sample(other, min(3, len(other))))
                sid = add(f"{place}{other_topic}", body, t, f"p{seed}-{k}-{j}", rnd.randrange(20))
                truth.setdefault(f"sameplace{k}", set()).add(sid)
        if k in (0, 3):  # the same complaint at other places (themes): must stay apart
            for j in range(8):
                other = new_place(rnd, used, k)
                t = START + timedelta(seconds=start + rnd.uniform(0, span * 30 * 86400))
                core = [
                    paraphrase(s.replace(place, other), rnd)
                    for s in rnd.sample(problem, min(len(problem), 2))
                ]
                body = rnd.choice(OPENERS) + f"我是{other}的{group}。" + "".join(core)
                tid = add(f"{other}{topic}", body, t, f"t{seed}-{k}-{j}", rnd.randrange(20))
                truth.setdefault(f"theme{k}", set()).add(tid)
    # templated spam: one account, one frame, different projects and problems
    projects = [new_place(rnd, used, 0) for _ in range(n_spam)]
    spam = set()
    for proj in projects:
        r = rnd.choice(rows)
        prob = (r["title"] or sentences(r["text"])[0])[:15]
        t = START + timedelta(seconds=rnd.uniform(0, span_s))
        text = (
            f"尊敬的领导：关于{proj}项目{prob}的问题，本人建议如下：{prob}，"
            f"请相关部门对{proj}项目加强监管，切实维护群众利益。此致敬礼！"
        )
        spam.add(add(f"关于{proj}项目{prob}的建议", text, t, "spammer-1", rnd.randrange(5)))
    truth["spam"] = spam
    return posts, truth


def analyse(posts: list[Post], stage) -> None:
    a = stage.analyzer.analyze_texts([p.title for p in posts], [p.text for p in posts])
    for p, x in zip(posts, a, strict=True):
        stage.analyzer.apply(p, x)
        p._kw = x.keyword_weights  # type: ignore[attr-defined]


def incremental(posts: list[Post], settings, order: list[int]) -> dict[str, str]:
    from yuqing.nlp.dedup import NearDuplicateIndex
    from yuqing.nlp.events import EventTracker, InMemoryEventSink

    tracker = EventTracker(settings, InMemoryEventSink())
    dedup = NearDuplicateIndex(num_perm=64, threshold=0.6, window_seconds=10**9)
    out = {}
    for i in order:
        p = posts[i]
        d = dedup.add(p.id, p.tokens, published_at=p.published_at, crawled_at=p.crawled_at)
        p.duplicate_of = d.duplicate_of
        copies = [c for c in d.repointed if c != p.id]  # as NLPStage.process_many passes them
        ev = tracker.assign(p, p._kw, flush=False, copies=copies)  # type: ignore[attr-defined]
        p.event_id = ev.id
        out[p.id] = ev.id
    tracker.flush()
    return out


def score(truth, post_event: dict[str, str]):
    members: dict[str, set[str]] = defaultdict(set)
    for pid, eid in post_event.items():
        members[eid].add(pid)
    out = {}
    for name, ids in truth.items():
        if not name.startswith("issue"):
            continue
        best = Counter(post_event[i] for i in ids).most_common(1)[0]
        eid, hit = best
        out[name] = {
            "event": eid,
            "recall": hit / len(ids),
            "purity": hit / len(members[eid]),
            "size": len(ids),
        }
        out[name]["recovered"] = out[name]["recall"] >= 0.5 and out[name]["purity"] >= 0.8
    return out


def consolidate(posts, settings, order):
    from yuqing.nlp.consolidate import Consolidator
    from yuqing.nlp.segment import read_userdict

    c = Consolidator.from_settings(settings, userdict=read_userdict(), tz=TZ)
    shuffled = [posts[i] for i in order]
    t0, cpu0 = time.perf_counter(), time.process_time()
    res = c.run(shuffled)
    return res, time.perf_counter() - t0, time.process_time() - cpu0


def table(res, posts, top=10):
    from yuqing.dashboards.hot_table import hot_rows

    for p in posts:
        p.event_id = res.post_event[p.id]
    return hot_rows(res.events, posts, top=top)


def ranks(rows_all, truth, post_event):
    rank_of = {r.issue_id: r.rank for r in rows_all}
    out = {}
    for name, ids in truth.items():
        if name in ("viral", "spam") or name.startswith(("theme", "sameplace")):
            best = min((rank_of.get(post_event[i], 10**6) for i in ids), default=10**6)
            out[name] = best
        else:
            eid = Counter(post_event[i] for i in ids).most_common(1)[0][0]
            out[name] = rank_of.get(eid, 10**6)
    return out


def partition(post_event: dict[str, str]) -> frozenset:
    groups = defaultdict(set)
    for pid, eid in post_event.items():
        groups[eid].add(pid)
    return frozenset(frozenset(g) for g in groups.values())


def run_seed(seed: int, args, stage, rows) -> dict:
    posts, truth = build_archive(rows, seed, args.months, args.spam)
    t0 = time.perf_counter()
    analyse(posts, stage)
    t_an = time.perf_counter() - t0
    rnd = random.Random(seed + 1000)
    arrival = sorted(
        range(len(posts)), key=lambda i: posts[i].published_at
    )  # a crawl, oldest first
    inc = incremental(posts, stage.settings, arrival)
    inc_score = score(truth, inc)
    res, secs, cpu = consolidate(posts, stage.settings, arrival)
    cons = score(truth, res.post_event)
    rows_all = table(res, posts, top=10**6)
    rk = ranks(rows_all, truth, res.post_event)
    # another problem at the same place: how many of its posts its place's issue took
    sameplace = {}
    for name, ids in truth.items():
        if name.startswith("sameplace"):
            issue = next(n for n in cons if n.startswith(f"issue{name[len('sameplace') :]}:"))
            sameplace[name] = sum(res.post_event[i] == cons[issue]["event"] for i in ids)
    top10 = [(r.issue_id, r.hot_index) for r in rows_all[:10]]
    # order invariance: shuffled and newest-first arrivals, incremental ids kept on the posts
    same = []
    for order in (rnd.sample(range(len(posts)), len(posts)), arrival[::-1]):
        incremental(posts, stage.settings, order)
        res2, _, _ = consolidate(posts, stage.settings, order)
        rows2 = table(res2, posts, top=10)
        same.append(
            partition(res2.post_event) == partition(res.post_event)
            and [(r.issue_id, r.hot_index) for r in rows2] == top10
        )
    return {
        "seed": seed,
        "posts": len(posts),
        "analyse_s": t_an,
        "consolidate_s": secs,
        "consolidate_cpu_s": cpu,
        "incremental": inc_score,
        "consolidated": cons,
        "ranks": rk,
        "sameplace": sameplace,
        "order_invariant": all(same),
        "events": res.stats,
        "top10": [
            (r.rank, r.hot_index, r.authors, r.messages, r.likes, r.place, r.description[:24])
            for r in rows_all[:10]
        ],
    }


def scale(n: int, stage, rows, seed=7) -> dict:
    """Consolidation time for n posts: token lists recombined from analysed messages (two
    messages of one category each), anchors of the first, times over three years."""
    rnd = random.Random(seed)
    base, _ = build_archive(rows, seed, 36, 32)
    analyse(base, stage)
    by_cat = defaultdict(list)
    for p in base:
        by_cat[p.category].append(p)
    cats = sorted(by_cat)
    posts = []
    for i in range(n):
        c = by_cat[cats[i % len(cats)]]
        a, b = rnd.choice(c), rnd.choice(c)
        ta, tb = a.tokens, b.tokens
        p = Post(
            id=f"s{i:07d}",
            source_id="board",
            channel="message_board",
            url="",
            title=a.title,
            text="",
            published_at=START + timedelta(seconds=rnd.uniform(0, 36 * 30 * 86400)),
            crawled_at=START + timedelta(days=1200),
            author=f"u{rnd.randrange(n)}",
            tokens=ta[: len(ta) // 2] + tb[len(tb) // 2 :],
            anchors=list(a.anchors or []),
            keywords=a.keywords,
            category=a.category,
        )
        posts.append(p)
    from yuqing.nlp.consolidate import Consolidator
    from yuqing.nlp.segment import read_userdict

    c = Consolidator.from_settings(stage.settings, userdict=read_userdict(), tz=TZ)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    res = c.run(posts)
    return {
        "posts": n,
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(time.process_time() - cpu0, 1),
        **res.stats,
    }


def summary(results: list[dict], scaled: dict | None) -> dict:
    """The figures compared between revisions (``--old``)."""
    issues = [c for r in results for c in r["consolidated"].values()]
    policy = [
        c["recall"] for r in results for n, c in r["consolidated"].items() if n == POLICY_ISSUE
    ]
    return {
        "recovered": [sum(c["recovered"] for c in r["consolidated"].values()) for r in results],
        "incremental": [sum(c["recovered"] for c in r["incremental"].values()) for r in results],
        "top10": [sum(r["ranks"][k] <= 10 for k in r["consolidated"]) for r in results],
        "order_invariant": [r["order_invariant"] for r in results],
        "recall": statistics.mean(c["recall"] for c in issues),
        "purity": statistics.mean(c["purity"] for c in issues),
        "policy_recall": statistics.mean(policy) if policy else float("nan"),
        "sameplace_joined": [
            sum(r["sameplace"].values()) for r in results
        ],  # other-problem posts in their place's issue event
        "consolidate_cpu_s": sum(r["consolidate_cpu_s"] for r in results),
        "scale": scaled,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--spam", type=int, default=32)
    ap.add_argument("--scale", type=int, default=100_000, help="posts for the timing (0: skip)")
    ap.add_argument("--old", metavar="REV", help="also run the code of git revision REV")
    ap.add_argument("--code", help=argparse.SUPPRESS)  # the tree imported (--old's child)
    ap.add_argument("--json", help=argparse.SUPPRESS)  # where the child writes its summary
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    from yuqing.config import load_config
    from yuqing.nlp.pipeline import NLPStage

    stage = NLPStage.from_config(load_config(CODE / "config"))
    rows = load_rows()
    results = [run_seed(s, args, stage, rows) for s in args.seeds]
    for r in results:
        print(
            f"\nseed {r['seed']}: {r['posts']} posts, {r['events']['events']} events "
            f"({r['events']['multi_post_events']} with >1 post); analysis {r['analyse_s']:.1f} s, "
            f"consolidation {r['consolidate_s']:.1f} s ({r['consolidate_cpu_s']:.1f} s CPU); "
            f"order invariant: {r['order_invariant']}"
        )
        print(f"  {'issue':34} {'n':>3}  incremental rec/pur  consolidated rec/pur  rank")
        for name, c in r["consolidated"].items():
            i = r["incremental"][name]
            print(
                f"  {name:34} {c['size']:>3}  {i['recall']:.2f}/{i['purity']:.2f} "
                f"{'ok' if i['recovered'] else '--'}       {c['recall']:.2f}/{c['purity']:.2f} "
                f"{'ok' if c['recovered'] else '--'}           {r['ranks'][name]}"
            )
        for name in ("spam", "viral", "theme0", "theme3", "sameplace1", "sameplace4"):
            print(f"  best rank of {name}: {r['ranks'].get(name)}")
        print(f"  other-problem posts in their place's issue: {r['sameplace']}")
        if args.verbose:
            for row in r["top10"]:
                print("   ", row)
    scaled = scale(args.scale, stage, rows) if args.scale else None
    new = summary(results, scaled)
    print_summary(new)
    if args.json:
        Path(args.json).write_text(json.dumps(new), encoding="utf-8")
    if args.old:
        old = run_old(args.old)
        print(f"\n{'':28}{'old (' + args.old + ')':>34}  new")
        for key in [k for k in new if k != "scale"] + ["scale"]:
            print(f"{key:28}{json.dumps(old[key]):>34}  {json.dumps(new[key])}")


def print_summary(s: dict) -> None:
    print(
        f"\nrecovered (of 6): consolidated {s['recovered']}, incremental only "
        f"{s['incremental']}; planted issues in the top 10: {s['top10']}; order invariant: "
        f"{s['order_invariant']}"
    )
    print(
        f"mean recall {s['recall']:.3f}, mean purity {s['purity']:.3f}; city policy's mean "
        f"recall {s['policy_recall']:.3f}; consolidation {s['consolidate_cpu_s']:.1f} s CPU"
    )
    if s["scale"]:
        c = s["scale"]
        print(
            f"\nconsolidation of {c['posts']} posts: {c['wall_s']} s wall, {c['cpu_s']} s CPU, "
            f"{c['events']} events ({c['multi_post_events']} with >1 post)"
        )


def run_old(rev: str) -> dict:
    """The summary of this bench, same arguments, with the code of git revision ``rev``."""
    from rebuild import export_code  # bench/rebuild.py

    argv = [a for a in sys.argv[1:]]
    k = argv.index("--old")
    del argv[k : k + 2]
    with tempfile.TemporaryDirectory() as tmp:
        code = export_code(rev, Path(tmp) / "code")
        out = Path(tmp) / "old.json"
        cmd = [sys.executable, __file__, *argv, "--code", str(code), "--json", str(out)]
        print(f"\n--- old: {rev} ---", flush=True)
        subprocess.run(cmd, check=True)
        return json.loads(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
