#!/usr/bin/env python3
"""Benchmark: bulk-index processed posts through ElasticStore into a real node, against a plain
``elasticsearch.helpers.bulk`` of the same prepared documents in the same run, and time the
digest's typical aggregations.

    .venv/bin/python bench/es.py [--posts 20000] [--url http://127.0.0.1:9200]

Without ``--url`` a throwaway node is started (tools/es_server.py). Target: store/bulk >= 0.8.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jieba  # noqa: E402
from elasticsearch import Elasticsearch, helpers  # noqa: E402

from tools.es_server import EsNode  # noqa: E402
from yuqing.models import Post, post_id_for  # noqa: E402
from yuqing.storage import es_schema  # noqa: E402
from yuqing.storage.elastic import ElasticStore  # noqa: E402
from yuqing.timeutil import tz  # noqa: E402

PHRASES = [
    "小区已经停水三天",
    "物业不回应业主诉求",
    "道路施工噪音扰民",
    "学校周边交通拥堵",
    "医保报销流程复杂",
    "河道出现大量死鱼",
    "工地夜间施工",
    "菜市场价格上涨",
    "公交线路调整不便",
    "老旧小区改造进度慢",
    "垃圾分类点清运不及时",
    "暴雨导致路面积水",
]
CATEGORIES = [
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "卫生计生",
    "商贸旅游",
    "劳动和社会保障",
]
CHANNELS = ["portal", "message_board", "weibo", "wechat", "news"]
REGIONS = ["临海市", "东城区", "西城区", "南湖县", "北山镇"]


def make_posts(n: int, seed: int = 7) -> list[Post]:
    rnd = random.Random(seed)
    t0 = datetime(2026, 11, 20, 0, 0, tzinfo=tz("Asia/Shanghai"))
    out = []
    for i in range(n):
        text = "，".join(rnd.sample(PHRASES, 4)) + f"。编号{i}。"
        url = f"http://127.0.0.1/board/{i}.html"
        published = t0 + timedelta(minutes=rnd.randrange(48 * 60))
        out.append(
            Post(
                id=post_id_for(url),
                source_id=f"src{i % 20}",
                channel=rnd.choice(CHANNELS),
                url=url,
                title=text[:12],
                text=text,
                published_at=published,
                crawled_at=published + timedelta(minutes=5),
                region=rnd.choice(REGIONS),
                category=rnd.choice(CATEGORIES),
                category_score=round(rnd.random(), 3),
                focus=rnd.sample(["water", "housing", "traffic", "ecology"], 2),
                sentiment=round(rnd.uniform(-1, 1), 3),
                keywords=jieba.lcut(text)[:5],
                tokens=jieba.lcut(text),
            )
        )
    return out


def run_store(es: Elasticsearch, url: str, posts: list[Post], spool: Path) -> tuple[float, str]:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    store = ElasticStore(es, prefix, spool, url=url)
    store.upsert_posts(posts[:1])  # templates and first index: not part of the timing
    start = time.perf_counter()
    counts = store.upsert_posts(posts[1:])
    store.flush()
    elapsed = time.perf_counter() - start
    assert counts["new"] == len(posts) - 1, counts
    assert store.count_posts() == len(posts)
    return elapsed, store.names.read("posts")


def run_plain(es: Elasticsearch, docs: list[dict]) -> float:
    names = es_schema.IndexNames(f"bench{uuid.uuid4().hex[:8]}")
    es_schema.setup(es, names)
    index = names.write("posts")
    start = time.perf_counter()
    helpers.bulk(
        es,
        ({"_index": index, "_id": d["id"], "_source": d} for d in docs),
        chunk_size=500,
        refresh=False,
    )
    es.indices.refresh(index=names.read("posts"))
    elapsed = time.perf_counter() - start
    assert es.count(index=names.read("posts"))["count"] == len(docs)
    return elapsed


def query_latency(es: Elasticsearch, index: str, repeat: int = 30) -> dict[str, dict]:
    queries = {
        "terms_category": {"cat": {"terms": {"field": "category", "size": 20}}},
        "terms_channel": {"ch": {"terms": {"field": "channel", "size": 20}}},
        "date_histogram_hour": {
            "h": {
                "date_histogram": {
                    "field": "published_at",
                    "fixed_interval": "1h",
                    "time_zone": "+08:00",
                }
            }
        },
        "digest_combo": {
            "cat": {
                "terms": {"field": "category"},
                "aggs": {"ch": {"terms": {"field": "channel"}}},
            },
            "h": {
                "date_histogram": {
                    "field": "published_at",
                    "calendar_interval": "hour",
                    "time_zone": "Asia/Shanghai",
                }
            },
        },
    }
    out = {}
    for name, aggs in queries.items():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            es.search(index=index, size=0, aggs=aggs, request_cache=False)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        out[name] = {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; best taken")
    parser.add_argument("--url", help="an existing node (default: start one)")
    args = parser.parse_args()
    node = None
    url = args.url
    if not url:
        node = EsNode(heap="1g").start()
        url = node.url
    try:
        es = Elasticsearch(url, request_timeout=120)
        print(f"preparing {args.posts} processed posts (jieba tokens) ...", file=sys.stderr)
        posts = make_posts(args.posts)
        docs = [p.to_dict() for p in posts]
        for d in docs:  # the store sets updated_at on new posts; give plain bulk the same doc
            d["updated_at"] = d["crawled_at"]
        run_plain(es, docs[:2000])  # warm-up (JIT, caches)
        store_t, plain_t = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(args.rounds):
                fresh = make_posts(args.posts)  # upsert mutates posts; give each round its own
                if r % 2:  # alternate which goes first (merges of the previous run linger)
                    plain_t.append(run_plain(es, docs))
                elapsed, index = run_store(es, url, fresh, Path(tmp) / f"spool{r}.db")
                store_t.append(elapsed)
                if not r % 2:
                    plain_t.append(run_plain(es, docs))
                print(
                    f"round {r + 1}: store {store_t[-1]:.2f}s, plain bulk {plain_t[-1]:.2f}s",
                    file=sys.stderr,
                )
        store_rate = (args.posts - 1) / min(store_t)
        plain_rate = args.posts / min(plain_t)
        result = {
            "posts": args.posts,
            "server": next(iter(es.nodes.info()["nodes"].values()))["version"],
            "store_docs_per_s": round(store_rate),
            "plain_bulk_docs_per_s": round(plain_rate),
            "ratio": round(store_rate / plain_rate, 3),
            "target_ratio": 0.8,
            "store_seconds": [round(t, 2) for t in store_t],
            "plain_seconds": [round(t, 2) for t in plain_t],
            "aggregation_latency": query_latency(es, index),
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
        for name in es.indices.get(index="bench*").body:
            es.indices.delete(index=name)
        for t in es.indices.get_index_template(name="bench*")["index_templates"]:
            es.indices.delete_index_template(name=t["name"])
        return 0
    finally:
        if node:
            node.stop()


if __name__ == "__main__":
    sys.exit(main())
