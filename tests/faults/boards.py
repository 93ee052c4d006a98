"""A flaky, paged message board on loopback: the server of the crawl-completeness faults.

One server holds named boards; each is served newest first, both as a JSON API and as HTML
list pages leading to detail pages::

    /<board>/api?page=K            {"data": [...], "hasMore": bool}
    /<board>/list/K.html           <ul class="list"> links, <a class="next"> when more
    /<board>/post/<id>.html        <h1>, <span class="time">, <div class="content">

``add(board, n)`` puts n new messages on top (pages shift down, as on a real board);
``fail_page(board, K)`` makes list page K (both forms) answer HTTP 500 until ``heal()``;
``delay`` slows every list page (to interrupt a crawl half-way).
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs, urlsplit

from tests.faults.loopback import LoopbackServer

TOPICS = ["小区噪音扰民", "道路积水严重", "工资被拖欠", "学校食堂卫生", "公交线路调整", "路灯不亮"]


def message(n: int) -> dict:
    topic = TOPICS[n % len(TOPICS)]
    return {
        "id": n,
        "title": f"关于{topic}的第{n}号留言",
        "content": f"第{n}号留言：我们这里{topic}已经持续{n % 9 + 2}天，请有关部门尽快处理，编号{n * 7919}。",
        "time": f"2026-{1 + n % 12:02d}-{1 + n % 27:02d} {n % 24:02d}:{n % 60:02d}",
    }


class Board:
    def __init__(self, size: int, page_size: int = 10):
        self.page_size = page_size
        self.messages = [message(n) for n in range(size, 0, -1)]  # newest first
        self.failing: dict[int, int] = {}  # page -> status

    def add(self, n: int) -> None:
        top = self.messages[0]["id"] if self.messages else 0
        self.messages[:0] = [message(i) for i in range(top + n, top, -1)]

    def page(self, k: int) -> tuple[list[dict], bool]:
        chunk = self.messages[(k - 1) * self.page_size : k * self.page_size]
        return chunk, k * self.page_size < len(self.messages)


class BoardServer(LoopbackServer):
    def __init__(self, **boards: Board):
        super().__init__()
        self.boards = boards
        self.delay = 0.0
        self.lock = threading.Lock()
        self.requests: list[tuple[str, int]] = []
        self.active = 0  # requests being answered
        self.last_answer = time.monotonic()
        self.idle = threading.Condition(self.lock)

    def handle(self, path: str) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(path)
        with self.lock:
            self.active += 1
        try:
            if self.delay and "/post/" not in split.path:
                time.sleep(self.delay)
            with self.lock:
                status, ctype, body = self.respond(split.path, parse_qs(split.query))
                self.requests.append((path, status))
        finally:
            with self.lock:
                self.active -= 1
                self.last_answer = time.monotonic()
                self.idle.notify_all()
        return status, {"Content-Type": ctype}, body

    def wait_quiet(self, quiet: float = 0.3, timeout: float = 60) -> None:
        """Until no request is being answered and none came for ``quiet`` seconds (the
        requests of a killed client still queued or sleeping in ``delay``)."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                now = time.monotonic()
                if self.active == 0 and now - self.last_answer >= quiet:
                    return
                if now >= deadline:
                    raise AssertionError(f"{self.active} request(s) still being answered")
                self.idle.wait(quiet)

    def add(self, board: str, n: int) -> None:
        with self.lock:
            self.boards[board].add(n)

    def fail_page(self, board: str, k: int, status: int = 500) -> None:
        with self.lock:
            self.boards[board].failing[k] = status

    def heal(self) -> None:
        with self.lock:
            for b in self.boards.values():
                b.failing.clear()

    def list_pages(self, board: str) -> list[str]:
        """Paths of the list pages requested so far (both forms)."""
        with self.lock:
            return [p for p, _ in self.requests if p.startswith(f"/{board}/") and "/post/" not in p]

    def items(self, board: str) -> dict[str, dict]:
        """Every message on the board now, by the URL of its page."""
        with self.lock:
            return {
                f"{self.url}/{board}/post/{m['id']}.html": m for m in self.boards[board].messages
            }

    def respond(self, path: str, query: dict) -> tuple[int, str, bytes]:
        parts = path.strip("/").split("/")
        board = self.boards.get(parts[0]) if parts else None
        if board is None or len(parts) < 2:
            return 404, "text/html", b"<h1>404</h1>"
        if parts[1] == "post":
            ident = int(parts[2].split(".")[0])
            m = next((m for m in board.messages if m["id"] == ident), None)
            if m is None:
                return 404, "text/html", b"<h1>404</h1>"
            return 200, "text/html; charset=utf-8", detail_html(m).encode()
        k = int(query.get("page", ["1"])[0]) if parts[1] == "api" else int(parts[2].split(".")[0])
        if k in board.failing:
            return board.failing[k], "text/plain", b"server error"
        chunk, more = board.page(k)
        if parts[1] == "api":
            body = json.dumps({"code": 0, "data": chunk, "hasMore": more}, ensure_ascii=False)
            return 200, "application/json; charset=utf-8", body.encode()
        return 200, "text/html; charset=utf-8", list_html(parts[0], chunk, k, more).encode()


def list_html(board: str, chunk: list[dict], k: int, more: bool) -> str:
    links = "".join(
        f'<li><a href="/{board}/post/{m["id"]}.html">{m["title"]}</a></li>' for m in chunk
    )
    nxt = f'<a class="next" href="/{board}/list/{k + 1}.html">下一页</a>' if more else ""
    return f"<html><head><meta charset='utf-8'><title>留言板</title></head><body><ul class='list'>{links}</ul>{nxt}</body></html>"


def detail_html(m: dict) -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{m['title']}</title></head><body>"
        f"<h1>{m['title']}</h1><span class='time'>{m['time']}</span>"
        f"<div class='content'><p>{m['content']}</p></div></body></html>"
    )
