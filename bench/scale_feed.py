"""Messages for the scale benchmark and the paged loopback JSON API that serves them.

Messages are generated deterministically from the real citizen messages of
``data/teddy2020`` (train + dev): message ``i`` takes about half the sentences of one message,
one or two sentences of other messages with the same label and a place prefix, so two
messages built on the same original share little (they are not near-duplicates); 6 % of the
messages are reposts of a recent message (same text, a source footer added), so the
near-duplicate index has real work. Message ``i`` is published at ``start + i * spacing``;
a topic stays mostly on one source (7 in 10 messages on the board), reposts appear on others.

The API serves, per source, the messages published so far (``Feed.served``), newest first,
in pages: ``GET /api/<source>?page=N`` → ``{"data": [...], "hasMore": bool}``.
"""

from __future__ import annotations

import csv
import json
import random
import re
import threading
from array import array
from bisect import bisect_left
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).resolve().parent.parent / "data" / "teddy2020"
SOURCES = (  # (id, channel): a board, two new-media accounts, a news site
    ("board", "message_board"),
    ("weibo", "weibo"),
    ("wechat", "wechat"),
    ("news", "news"),
)
PAGE_SIZE = 100
#: post URLs do not name the loopback port, so a resumed run (new port) sees the same posts
POST_BASE = "https://board.example.gov.cn/msg"
REPOST_SHARE = 0.06
DISTRICTS = ["A1区", "A2区", "A3区", "B1县", "B2县", "C3县", "E6县", "H4县", "K8市", "L2县"]
PLACES = ["小区", "社区", "村", "花园", "路", "街道", "工业园", "学校", "菜市场", "大道"]
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")


class Corpus:
    """Deterministic message generator: ``message(i)`` is the same in every run."""

    def __init__(self, start: datetime, spacing: float, seed: int = 14):
        self.start, self.spacing, self.seed = start, spacing, seed
        self.rows: list[tuple[str, list[str], str]] = []  # (title, sentences, label)
        for name in ("train.csv", "dev.csv"):
            with (DATA / name).open(encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    sents = [s.strip() for s in _SENTENCE.findall(r["body"]) if s.strip()]
                    title = r["title"].strip() or (sents.pop(0)[:30] if len(sents) > 1 else "")
                    if title and sents:
                        self.rows.append((title, sents, r["label"]))
        self.by_label: dict[str, list[int]] = {}
        for i, (_, _, label) in enumerate(self.rows):
            self.by_label.setdefault(label, []).append(i)

    def published(self, i: int) -> datetime:
        return self.start + timedelta(seconds=i * self.spacing)

    def index_at(self, t: datetime) -> int:
        """How many messages are published at or before ``t``."""
        return max(0, int((t - self.start).total_seconds() // self.spacing) + 1)

    def _origin(self, i: int) -> tuple[random.Random, int | None, int]:
        """(generator, the message it reposts or None, its original row)."""
        rnd = random.Random(i * 1_000_003 + self.seed)
        if i > 50 and rnd.random() < REPOST_SHARE:
            return rnd, i - rnd.randint(1, min(i, 3000)), -1
        return rnd, None, rnd.randrange(len(self.rows))

    def source_of(self, i: int, n: int) -> int:
        """Which of ``n`` sources publishes message ``i``: a topic stays mostly on one site
        (7 in 10 on the first, the board), a repost appears on another."""
        _, of, row = self._origin(i)
        if of is not None:
            return (self.source_of(of, n) + 1 + i % (n - 1)) % n
        return 0 if row % 10 < 7 else 1 + row % (n - 1)

    def _text(self, i: int) -> tuple[str, str]:
        rnd, of, row = self._origin(i)
        if of is not None:  # a repost of a recent message
            title, body = self._text(of)
            return title, body + f"\n（转载自{rnd.choice(DISTRICTS)}融媒体中心）"
        title, sents, label = self.rows[row]
        keep = [s for s in sents if rnd.random() < 0.5] or sents[:1]
        for _ in range(rnd.randint(1, 2)):
            other = self.rows[rnd.choice(self.by_label[label])][1]
            keep.insert(rnd.randrange(len(keep) + 1), rnd.choice(other))
        if rnd.random() < 0.5:
            place = f"{rnd.choice(DISTRICTS)}{rnd.randint(1, 400)}号{rnd.choice(PLACES)}"
            keep.insert(0, f"我是{place}的居民。")
        return title, "".join(keep)

    def message(self, i: int) -> dict:
        rnd = random.Random(i * 7_919 + self.seed)
        title, body = self._text(i)
        return {
            "msgId": i,
            "subject": title,
            "content": body,
            "createTime": f"{self.published(i):%Y-%m-%d %H:%M:%S}",
            "author": f"U{rnd.randrange(200_000):06d}",
            "likes": int(rnd.paretovariate(1.5)) - 1,
            "comments": rnd.randrange(5),
        }


class Feed:
    """The paged API over a :class:`Corpus`; ``served`` messages are published so far."""

    def __init__(self, corpus: Corpus, total: int, sources=SOURCES, page_size: int = PAGE_SIZE):
        self.corpus, self.sources, self.page_size = corpus, [s for s, _ in sources], page_size
        self.served = 0
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        n = len(self.sources)
        self._of: list[array] = [array("l") for _ in range(n)]  # each source's messages
        for i in range(total):
            self._of[corpus.source_of(i, n)].append(i)

    def page(self, source: str, page: int) -> dict:
        mine = self._of[self.sources.index(source)]
        count = bisect_left(mine, self.served)  # this source's messages published so far
        hi = count - (page - 1) * self.page_size
        lo = max(0, hi - self.page_size)
        items = [self.corpus.message(mine[m]) for m in range(hi - 1, lo - 1, -1)]
        return {"data": items, "hasMore": lo > 0}

    def start(self, port: int = 0) -> str:
        """Serve on 127.0.0.1:``port`` (0: any free port); the base URL."""
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                feed.requests += 1
                parts = urlsplit(self.path)
                source = parts.path.rsplit("/", 1)[-1]
                if parts.path == "/robots.txt" or source not in feed.sources:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                page = int(parse_qs(parts.query).get("page", ["1"])[0])
                body = json.dumps(feed.page(source, page), ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def sources_yaml(base: str, interval: str = "1h") -> str:
    """sources.yaml for the feed's sources (json kind, newest-first pages)."""
    out = ["sources:"]
    for sid, channel in SOURCES:
        out.append(
            f"  - {{id: {sid}, kind: json, channel: {channel}, interval: {interval}, "
            f"urls: ['{base}/api/{sid}'], max_pages: 100000,\n"
            "     fields: {items: data, id: msgId, title: subject, text: content, "
            "published_at: createTime, author: author, likes: likes, comments: comments,\n"
            f"              page_param: page, has_more: hasMore, "
            f"url_template: '{POST_BASE}/{sid}/{{msgId}}'}}}}"
        )
    return "\n".join(out) + "\n"
