"""What every request handler shares: the :class:`Console` (config, store, state, signer,
clock) of the running app, and the client's address. The app puts the console in ``g``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import g, request

from yuqing.alerts.links import LinkSigner
from yuqing.config.loader import Config
from yuqing.console.state import ConsoleState
from yuqing.errors import YuqingError
from yuqing.storage.base import Store


class ConsoleSetupError(YuqingError):
    """The console cannot start as configured (no secret, …)."""

    what = "console"


@dataclass
class Console:
    cfg: Config
    store: Store
    state: ConsoleState
    signer: LinkSigner
    secret: str
    clock: Callable[[], datetime]
    lock: threading.RLock = field(default_factory=threading.RLock)

    def now(self) -> datetime:
        return self.clock()

    @property
    def settings(self):
        return self.cfg.settings.console

    @property
    def dept_names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.cfg.departments.departments}


def console() -> Console:
    return g.console


def client_address() -> str:
    return request.remote_addr or "-"
