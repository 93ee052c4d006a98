"""Helpers for the Elasticsearch tests: a store on a prefix, and a TCP proxy that can cut the
connection to the node (an outage without a 40-second restart of the JVM)."""

from __future__ import annotations

import logging
import socket
import threading
from datetime import timedelta
from pathlib import Path

from elasticsearch import Elasticsearch

from tests.storage.contract import T0, make_post
from yuqing.storage.elastic import ElasticStore


def make_store(url: str, prefix: str, spool_path: Path, **kw) -> ElasticStore:
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)  # as es_client.connect
    es = Elasticsearch(url, request_timeout=10, max_retries=1, retry_on_timeout=False)
    return ElasticStore(es, prefix, spool_path, url=url, **kw)


def posts(n: int, start: int = 0, **kw):
    return [
        make_post(
            url=f"http://127.0.0.1/p/{i}.html",
            title=f"第{i}条 小区停水",
            crawled_at=T0 + timedelta(minutes=i),
            **kw,
        )
        for i in range(start, n)
    ]


class Proxy:
    """Forwards 127.0.0.1:<port> to the node; ``down()`` refuses and drops connections,
    ``up()`` listens on the same port again."""

    def __init__(self, target_url: str):
        host, port = target_url.rsplit("//", 1)[1].rsplit(":", 1)
        self.target = (host, int(port))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self.up()

    def up(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def down(self) -> None:
        server, self._server = self._server, None
        if server:
            try:
                server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            server.close()
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
            self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
