"""Alert levels (红 / 橙 / 黄 / 蓝 — 特别重大 / 重大 / 较大 / 一般) and their subject tags."""

from __future__ import annotations

LEVELS = ("blue", "yellow", "orange", "red")  # lowest to highest
TAGS = {
    "red": "【红色预警】",
    "orange": "【橙色预警】",
    "yellow": "【黄色预警】",
    "blue": "【蓝色提示】",
}
NAMES = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}


def rank(level: str) -> int:
    return LEVELS.index(level)


def raise_level(level: str, steps: int = 1) -> str:
    """One level up (``yellow`` -> ``orange``), never above red."""
    return LEVELS[min(rank(level) + steps, len(LEVELS) - 1)]


def max_level(*levels: str) -> str:
    return max(levels, key=rank)
