"""Real servers on loopback shared by the test packages: an SMTP server (aiosmtpd) that
collects messages and can be stopped and restarted to simulate an outage."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading

import pytest
from aiosmtpd.controller import Controller

from yuqing.demo.mailsink import free_port

__all__ = ["SmtpSink", "free_port", "smtp_sink"]


class _Collect:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self.sink.lock:
            self.sink.messages.append((envelope.rcpt_tos, msg))
        return "250 OK"


class SmtpSink:
    """A real SMTP server on 127.0.0.1; ``messages`` holds (recipients, message) pairs;
    ``stop()``/``start()`` simulate an outage, ``delay`` a slow server."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list = []
        self.delay = 0.0
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for _, m in self.messages]

    def alert_ids(self) -> list[str]:
        with self.lock:
            return [m["X-Yuqing-Alert-Id"] for _, m in self.messages]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink(free_port())
    sink.start()
    yield sink
    sink.stop()
    asyncio.set_event_loop(None)
