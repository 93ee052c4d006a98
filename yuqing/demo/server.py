"""A loopback HTTP server for the bundled demo/fixture sites (``yuqing/demo/sites``).

One server serves every site under its path prefix (``/portal/``, ``/tw/``, ``/board/``,
``/media/``, ``/news/``, ``/errors/``) plus special routes for crawler edge cases::

    with SiteServer() as srv:
        urllib.request.urlopen(srv.url + "/portal/xwdt/index.html")

Run by hand: ``python -m yuqing.demo.server [--port N]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import threading
import time
from datetime import datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

SITES_ROOT = Path(__file__).resolve().parent / "sites"
PORT_PLACEHOLDER = b"{{PORT}}"
BOARD_PAGE_SIZE = 10
MAX_SLOW_SECONDS = 60.0
HUGE_BYTES = 6 * 1024 * 1024

ROBOTS_TXT = b"User-agent: *\nDisallow: /portal/private/\n"

# sites whose HTML is served without a charset in the Content-Type header
NO_HEADER_CHARSET = ("portal", "tw")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".shtml": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
TEXT_SUFFIXES = {".html", ".shtml", ".htm", ".xml", ".atom", ".json", ".css", ".txt"}


class _Response:
    __slots__ = ("status", "body", "content_type", "headers")

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # a client hanging up (crawler timeouts, cancelled huge downloads) is not an error
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class SiteServer:
    """Serve the fixture sites on ``host:port`` (0 = a free port) from a background thread."""

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root) if root else SITES_ROOT
        self.started = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0, tzinfo=None)
        self.host = host
        self._want_port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str, int]] = []
        self._arrivals: list[float] = []  # time.monotonic() when each request arrived
        self._overrides: dict[str, tuple[bytes, str | None, float]] = {}
        self._fail_next: dict[str, list[int]] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SiteServer:
        if self._httpd is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"site": self})
        self._httpd = _QuietServer((self.host, self._want_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=f"SiteServer:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("SiteServer is not started; call start() first")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- test helpers ------------------------------------------------------------------------
    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """A snapshot of (method, path, status) for every request served so far."""
        with self._lock:
            return list(self._requests)

    @property
    def arrivals(self) -> list[tuple[float, str]]:
        """(time.monotonic() on arrival, path) for every request served so far, in order."""
        with self._lock:
            return sorted(zip(self._arrivals, (p for _, p, _ in self._requests), strict=True))

    def count(self, path: str | None = None, method: str | None = None) -> int:
        """How many requests were served (for ``path`` — with or without query — if given)."""
        with self._lock:
            return sum(
                1
                for m, p, _ in self._requests
                if (path is None or p == path or p.split("?", 1)[0] == path)
                and (method is None or m == method)
            )

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()
            self._arrivals.clear()

    def set_override(self, path: str, body: bytes, content_type: str | None = None) -> None:
        """Serve ``body`` at ``path`` instead of the file (new ETag/Last-Modified)."""
        with self._lock:
            self._overrides[path] = (body, content_type, time.time())

    def clear_overrides(self) -> None:
        with self._lock:
            self._overrides.clear()

    def fail_next(self, path: str, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` requests for ``path`` with ``status``."""
        with self._lock:
            self._fail_next.setdefault(path, []).extend([status] * times)

    # -- internals used by the handler -------------------------------------------------------
    def _record(self, method: str, path: str, status: int, arrived: float) -> None:
        with self._lock:
            self._requests.append((method, path, status))
            self._arrivals.append(arrived)

    def _take_failure(self, path: str) -> int | None:
        with self._lock:
            queue = self._fail_next.get(path)
            if queue:
                status = queue.pop(0)
                if not queue:
                    del self._fail_next[path]
                return status
        return None

    def _override(self, path: str) -> tuple[bytes, str | None, float] | None:
        with self._lock:
            return self._overrides.get(path)


class _Handler(BaseHTTPRequestHandler):
    site: SiteServer  # set on the bound subclass
    protocol_version = "HTTP/1.1"
    server_version = "YuqingDemo/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        self._serve(head=True)

    # -------------------------------------------------------------------------------------
    def _serve(self, head: bool) -> None:
        arrived = time.monotonic()
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        failure = self.site._take_failure(path)
        if failure is not None:
            resp = _Response(failure, f"forced {failure}".encode(), "text/plain; charset=utf-8")
        else:
            try:
                resp = self._route(path, query)
            except Exception as exc:  # a fixture server must answer, never hang up
                resp = _Response(500, f"server error: {exc}".encode(), "text/plain")
        self.site._record(self.command, self.path, resp.status, arrived)
        self._send(resp, head)

    def _send(self, resp: _Response, head: bool) -> None:
        try:
            self.send_response(resp.status)
            if resp.content_type:
                self.send_header("Content-Type", resp.content_type)
            for k, v in resp.headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if not head and resp.status not in (204, 304):
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, path: str, query: dict[str, list[str]]) -> _Response:
        port = str(self.site.port)
        special = {
            "/robots.txt": lambda: _Response(200, ROBOTS_TXT, "text/plain; charset=utf-8"),
            "/redirect/once": lambda: _redirect(301, first_portal_article(self.site.root)),
            "/redirect/loop": lambda: _redirect(302, f"/redirect/loop?n={_int(query, 'n', 0) + 1}"),
            "/redirect/offsite": lambda: _redirect(
                302, f"http://localhost:{port}/portal/xwdt/index.html"
            ),
            "/error/404": lambda: _Response(404, b"<h1>404 Not Found</h1>", CONTENT_TYPES[".html"]),
            "/error/500": lambda: _Response(
                500, b"<h1>500 Internal Server Error</h1>", CONTENT_TYPES[".html"]
            ),
            "/slow": lambda: self._slow(query),
            "/huge": _huge,
            "/badjson": lambda: _Response(
                200, b'{"data": [{"msgId": 1, "subject": "unterminated', "application/json"
            ),
            "/empty": lambda: _Response(200, b"", CONTENT_TYPES[".html"]),
            "/board/api/messages": lambda: self._board_api(query),
            "/board/api/live": self._live_api,
        }
        if path in special:
            return special[path]()
        override = self.site._override(path)
        if override is not None:
            body, ctype, mtime = override
            return self._conditional(
                body.replace(PORT_PLACEHOLDER, port.encode()),
                ctype or content_type_for(path),
                mtime,
            )
        file = self._resolve(path)
        if file is None:
            return _Response(404, b"<h1>404 Not Found</h1>", CONTENT_TYPES[".html"])
        body = file.read_bytes()
        if file.suffix in TEXT_SUFFIXES:
            body = body.replace(PORT_PLACEHOLDER, port.encode())
        return self._conditional(body, content_type_for(path), file.stat().st_mtime)

    def _resolve(self, path: str) -> Path | None:
        rel = path.lstrip("/")
        if not rel or "/" not in rel.rstrip("/") and not path.endswith("/"):
            return None  # only files inside a site folder are served (not golden.json)
        target = (self.site.root / rel).resolve()
        root = self.site.root.resolve()
        if root not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def _conditional(self, body: bytes, ctype: str, mtime: float) -> _Response:
        etag = '"' + hashlib.md5(body).hexdigest() + '"'
        mtime = int(mtime)
        headers = {
            "ETag": etag,
            "Last-Modified": formatdate(mtime, usegmt=True),
            "Cache-Control": "no-cache",
        }
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            if etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                return _Response(304, b"", None, headers)
        elif ims:
            try:
                if int(parsedate_to_datetime(ims).timestamp()) >= mtime:
                    return _Response(304, b"", None, headers)
            except (TypeError, ValueError):
                pass
        return _Response(200, body, ctype, headers)

    def _slow(self, query: dict[str, list[str]]) -> _Response:
        try:
            seconds = float(query.get("seconds", ["2"])[0])
        except ValueError:
            seconds = 2.0
        time.sleep(max(0.0, min(seconds, MAX_SLOW_SECONDS)))
        body = f"<html><head><meta charset='utf-8'><title>慢速页面</title></head><body><p>等待了{seconds:g}秒。</p></body></html>"
        return _Response(200, body.encode(), CONTENT_TYPES[".html"])

    def _board_api(self, query: dict[str, list[str]]) -> _Response:
        msgs = json.loads((self.site.root / "board/api/messages.json").read_text("utf-8"))
        page = max(1, _int(query, "page", 1))
        size = max(1, min(50, _int(query, "pageSize", BOARD_PAGE_SIZE)))
        chunk = msgs[(page - 1) * size : page * size]
        payload = {
            "code": 0,
            "msg": "success",
            "page": page,
            "pageSize": size,
            "total": len(msgs),
            "hasMore": page * size < len(msgs),
            "data": chunk,
        }
        return _Response(
            200, json.dumps(payload, ensure_ascii=False).encode(), CONTENT_TYPES[".json"]
        )

    def _live_api(self) -> _Response:
        """The live board: messages dated ``ageMinutes`` before the server started (so a
        re-crawl sees identical items), newest first."""
        msgs = json.loads((self.site.root / "board/api/live.json").read_text("utf-8"))
        started = self.site.started
        for m in msgs:
            m["createTime"] = (
                f"{started - timedelta(minutes=m.pop('ageMinutes')):%Y-%m-%d %H:%M:%S}"
            )
        payload = {"code": 0, "msg": "success", "total": len(msgs), "hasMore": False, "data": msgs}
        return _Response(
            200, json.dumps(payload, ensure_ascii=False).encode(), CONTENT_TYPES[".json"]
        )


def _int(query: dict[str, list[str]], key: str, default: int) -> int:
    try:
        return int(query.get(key, [default])[0])
    except (TypeError, ValueError):
        return default


def _redirect(status: int, location: str) -> _Response:
    return _Response(status, b"", "text/html; charset=utf-8", {"Location": location})


def _huge() -> _Response:
    para = "<p>" + "政府信息公开工作年度报告。" * 40 + "</p>\n"
    head = "<html><head><meta charset='utf-8'><title>超大页面</title></head><body>\n"
    reps = HUGE_BYTES // len(para.encode()) + 1
    return _Response(200, (head + para * reps + "</body></html>").encode(), CONTENT_TYPES[".html"])


def content_type_for(path: str) -> str:
    suffix = Path(path).suffix.lower() or ".html"
    ctype = CONTENT_TYPES.get(suffix, "application/octet-stream")
    site = path.lstrip("/").split("/", 1)[0]
    if site in NO_HEADER_CHARSET and ctype.startswith("text/html"):
        return "text/html"
    return ctype


def first_portal_article(root: Path) -> str:
    """Path of the first portal article in the golden file (the /redirect/once target)."""
    golden = json.loads((root / "golden.json").read_text("utf-8"))
    return next(g["path"] for g in golden if g["site"] == "portal")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Serve the Yuqing Sentinel demo sites.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--root", type=Path, default=None)
    args = ap.parse_args(argv)
    srv = SiteServer(args.root, args.host, args.port).start()
    print(
        f"serving demo sites at {srv.url}/  (portal: {srv.url}/portal/xwdt/index.html) — Ctrl-C stops"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
