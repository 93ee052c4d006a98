"""The loopback HTTP server the attack suite's sites share: a subclass answers ``handle``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer:
    """Serve ``handle(path) -> (status, headers, body)`` on 127.0.0.1 from a thread; ``body``
    is bytes, or an iterable of chunks streamed without a length (give Content-Length in
    ``headers`` to announce one)."""

    def __init__(self):
        handler = type("_Bound", (_Handler,), {"srv": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def handle(self, path: str) -> tuple[int, dict[str, str], Any]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a crawler hanging up (killed, or a download cut short) is part of the tests


class _Handler(BaseHTTPRequestHandler):
    srv: LoopbackServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        status, headers, body = self.srv.handle(self.path)
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if isinstance(body, bytes):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for chunk in [body] if isinstance(body, bytes) else body:  # chunks: streamed
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
