"""Alert levels, the one definition: 红 / 橙 / 黄 / 蓝 (特别重大 / 重大 / 较大 / 一般).

The config models (``rules.yaml`` ``level``, the ``alerts:`` per-level settings), the alerts
stage (escalation, subject tags), the digest (names, colours) and the demo read them here.
"""

from __future__ import annotations

from typing import Literal, get_args

Level = Literal["blue", "yellow", "orange", "red"]
#: lowest to highest
LEVELS: tuple[Level, ...] = get_args(Level)
#: the subject tag of an alert message (DESIGN.md's e-mail contract)
TAGS: dict[str, str] = {
    "red": "【红色预警】",
    "orange": "【橙色预警】",
    "yellow": "【黄色预警】",
    "blue": "【蓝色提示】",
}
NAMES: dict[str, str] = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}
#: the level as people say it (级别：黄色预警): the tag without its brackets
LABELS: dict[str, str] = {level: tag.strip("【】") for level, tag in TAGS.items()}
COLORS: dict[str, str] = {
    "red": "#c62828",
    "orange": "#ef6c00",
    "yellow": "#f9a825",
    "blue": "#1565c0",
}
#: for error hints: "red, orange, yellow, blue"
CHOICES = ", ".join(reversed(LEVELS))


def rank(level: str) -> int:
    return LEVELS.index(level)


def raise_level(level: str, steps: int = 1) -> str:
    """One level up (``yellow`` -> ``orange``), never above red."""
    return LEVELS[min(rank(level) + steps, len(LEVELS) - 1)]


def max_level(*levels: str) -> str:
    return max(levels, key=rank)
