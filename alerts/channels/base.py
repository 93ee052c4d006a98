"""The delivery-channel plug-in shape: ``targets(department)`` lists recipients, ``send``
delivers one rendered message or raises :class:`DeliveryError`.

A channel reached through entries of a department's ``webhooks`` list (a group robot)
declares the keys of such an entry as its ``Options`` (:mod:`yuqing.config.plugins`); the
entry's ``kind`` is the channel's ``name``. E-mail has no such entries: its recipients are the
department's ``emails``, so its ``Options`` is None.
"""

from __future__ import annotations

from typing import ClassVar

from yuqing.config.plugins import Options
from yuqing.errors import YuqingError


class DeliveryError(YuqingError):
    """The message was not delivered (the outbox retries with backoff)."""

    what = "delivery"


class ChannelOptions(Options):
    """The keys of one ``webhooks`` entry of a department, besides ``kind``."""


class Channel:
    name: ClassVar[str] = ""
    Options: ClassVar[type[ChannelOptions] | None] = None

    def __init__(self, cfg, settings):
        self.cfg, self.settings = cfg, settings

    @classmethod
    def targets(cls, department) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def send(self, message, department) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        """Release connections held between sends of one delivery pass."""
