"""A local mail sink for the demo: a real SMTP server (aiosmtpd) on loopback that keeps every
message it receives as an ``.eml`` file."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keeper:
    def __init__(self, folder: Path):
        self.folder = folder
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
            n = len(self.messages)
        (self.folder / f"{n:04d}.eml").write_bytes(envelope.content)
        return "250 OK"


class MailSink:
    """``with MailSink(folder) as sink: ... sink.port, sink.messages``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.keeper = _Keeper(folder)
        self.port = free_port()
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        with self.keeper.lock:
            return list(self.keeper.messages)

    def __enter__(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
