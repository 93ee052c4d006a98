"""Delivery channels: a name -> class registry (one channel per file)."""

from __future__ import annotations

from alerts.channels.base import Channel, DeliveryError
from alerts.channels.dingtalk import DingTalkChannel
from alerts.channels.email import EmailChannel
from alerts.channels.wecom import WeComChannel

CHANNELS: dict[str, type[Channel]] = {c.name: c for c in (EmailChannel, DingTalkChannel,
                                                           WeComChannel)}

__all__ = ["CHANNELS", "Channel", "DeliveryError"]
