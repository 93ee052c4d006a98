"""``python -m tests.cluster.observe_frontier ARGS``: ``yuqing ARGS`` with every push onto
the frontier and every acknowledgement recorded, in the order they reach Redis, as JSON lines
in the file named by ``FRONTIER_EVENTS`` (test_ack_order.py). It only observes: each call
goes on to the real queue."""

from __future__ import annotations

import json
import os

from yuqing.cli import main
from yuqing.crawlers.frontier import queue

_push, _ack = queue.FrontierQueue.push, queue.FrontierQueue.ack
_out = open(os.environ["FRONTIER_EVENTS"], "a", encoding="utf-8")  # noqa: SIM115 - process-long


def _record(kind: str, request) -> None:
    meta = request.meta
    _out.write(json.dumps([kind, meta.get("crawl"), meta.get(queue.TOKEN, ""), request.url]))
    _out.write("\n")
    _out.flush()


def push(self, request) -> None:
    _record("push", request)
    _push(self, request)


def ack(self, request, *args, **kwargs) -> None:
    if request.meta.get(queue.TOKEN):
        _record("ack", request)
    _ack(self, request, *args, **kwargs)


queue.FrontierQueue.push, queue.FrontierQueue.ack = push, ack  # type: ignore[method-assign]
main()
