"""Serving the console with waitress (a pure-Python production WSGI server): in the
foreground for ``yuqing serve``, or in a background thread for ``yuqing demo`` and tests."""

from __future__ import annotations

import logging
import threading

from waitress.server import create_server

from yuqing.console.app import create_app
from yuqing.console.context import ConsoleSetupError

log = logging.getLogger(__name__)


class ConsoleServer:
    """``with ConsoleServer(cfg, store, port=0) as srv: srv.url`` — the console on a thread."""

    def __init__(self, cfg, store, host: str | None = None, port: int | None = None, clock=None):
        settings = cfg.settings.console
        self.app = create_app(cfg, store, clock)
        host, port = host or settings.host, settings.port if port is None else port
        try:
            self.server = create_server(
                self.app, host=host, port=port, threads=4, ident="yuqing-console"
            )
        except OSError as exc:  # the port is taken, the address is not this machine's, …
            raise ConsoleSetupError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None
        self.host, self.port = self.server.effective_host, self.server.effective_port
        self.url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def serve_forever(self) -> None:
        """Serve until :meth:`close` (from another thread) or KeyboardInterrupt."""
        srv = self.server
        while not self._stop.is_set():  # waitress's own loop, a slice at a time
            srv.asyncore.loop(timeout=0.2, map=srv._map, count=1)

    def serve_until_interrupted(self) -> None:
        """Block the calling thread while the background thread serves (Ctrl-C ends it)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(3600)

    def stop(self) -> None:
        """Ask :meth:`serve_forever` to return (safe from a signal handler)."""
        self._stop.set()

    def __enter__(self) -> ConsoleServer:
        self._thread = threading.Thread(target=self.serve_forever, name="console", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving (the loop ends within 0.2 s), then close sockets and state."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.server.close()
        self.server.task_dispatcher.shutdown()
        self.app.extensions["yuqing"].state.close()

    def __exit__(self, *exc) -> None:
        self.close()
