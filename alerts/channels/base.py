"""The delivery-channel plug-in shape: ``targets(department)`` lists recipients, ``send``
delivers one rendered message or raises :class:`DeliveryError`."""

from __future__ import annotations

from typing import ClassVar


class DeliveryError(Exception):
    """The message was not delivered (the outbox retries with backoff)."""


class Channel:
    name: ClassVar[str] = ""

    def __init__(self, cfg, settings):
        self.cfg, self.settings = cfg, settings

    @staticmethod
    def targets(department) -> list[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def send(self, message, department) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        """Release connections held between sends of one delivery pass."""
