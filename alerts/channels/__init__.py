"""Delivery channels: an explicit registry (one channel per file).

Adding a channel is one file here (a :class:`Channel` subclass with its ``name`` and, for a
robot reached through a department's ``webhooks``, its ``Options``) plus its line in
``CHANNELS`` and one test file (docs/plugins.md).
"""

from __future__ import annotations

from yuqing.alerts.channels.base import Channel, ChannelOptions, DeliveryError
from yuqing.alerts.channels.dingtalk import DingTalkChannel
from yuqing.alerts.channels.email import EmailChannel
from yuqing.alerts.channels.wecom import WeComChannel
from yuqing.config.loader import Problem
from yuqing.config.plugins import Registry

CHANNELS: Registry[Channel] = Registry(
    "delivery channel", "departments.yaml", "name", [EmailChannel, DingTalkChannel, WeComChannel]
)


def robots() -> list[str]:
    """The channels reached through ``webhooks`` entries (those with ``Options``)."""
    return [name for name, cls in CHANNELS.items() if cls.Options is not None]


def check_department(i: int, dept, cfg=None) -> list[Problem]:
    """The problems of the ``webhooks`` entries of ``departments[i]`` (kind, options)."""
    problems: list[Problem] = []
    kinds = robots()
    for j, hook in enumerate(dept.webhooks):
        key = f"departments[{i}].webhooks[{j}]"
        if hook.kind not in kinds:
            hint = f"use one of: {', '.join(kinds)}"
            problems.append(
                Problem(CHANNELS.file, f"{key}.kind", f"unknown robot kind {hook.kind!r}", hint)
            )
            continue
        CHANNELS.options(hook.kind, hook.model_extra, key, problems)
    return problems


def validate(cfg) -> list[Problem]:
    """Every problem with the ``webhooks`` entries of departments.yaml."""
    return [
        p for i, dept in enumerate(cfg.departments.departments) for p in check_department(i, dept)
    ]


__all__ = [
    "CHANNELS",
    "Channel",
    "ChannelOptions",
    "DeliveryError",
    "check_department",
    "robots",
    "validate",
]
