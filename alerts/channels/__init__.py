"""Delivery channels: a name -> class registry (one channel per file)."""

from __future__ import annotations

from yuqing.alerts.channels.base import Channel, DeliveryError
from yuqing.alerts.channels.dingtalk import DingTalkChannel
from yuqing.alerts.channels.email import EmailChannel
from yuqing.alerts.channels.wecom import WeComChannel

CHANNELS: dict[str, type[Channel]] = {
    c.name: c for c in (EmailChannel, DingTalkChannel, WeComChannel)
}

__all__ = ["CHANNELS", "Channel", "DeliveryError"]
