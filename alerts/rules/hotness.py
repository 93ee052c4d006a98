"""``hotness``: an event's hotness (from nlp/) at or over a threshold."""

from __future__ import annotations

from pydantic import Field

from yuqing.alerts.rules.base import Match, Options, RuleType, event_match, focus_ids, unknown


class HotnessOptions(Options):
    threshold: float = Field(gt=0, description="alert when Event.hotness >= threshold")
    min_size: int = Field(default=1, ge=1, description="ignore events with fewer posts")
    focus: list[str] | None = Field(default=None, description="only events in these focus topics")
    levels: dict[str, float] = Field(
        default_factory=dict, description="higher thresholds per level, e.g. {red: 200}"
    )


class HotnessRule(RuleType[HotnessOptions]):
    """Events whose hotness reached ``threshold`` within the rule window."""

    name = "hotness"
    Options = HotnessOptions

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        out = []
        for event in snap.events(self.window, min_hotness=o.threshold):
            if event.hotness < o.threshold or event.size < o.min_size:
                continue
            if o.focus and not set(o.focus) & set(event.focus):
                continue
            level = None
            for lvl, limit in sorted(o.levels.items(), key=lambda kv: kv[1]):
                if event.hotness >= limit:
                    level = lvl
            out.append(
                event_match(
                    event,
                    level=level,
                    summary=f"事件热度 {event.hotness:.1f}（阈值 {o.threshold:g}），"
                    f"相关信息 {event.size} 条",
                    evidence={
                        "hotness": event.hotness,
                        "size": event.size,
                        "burst": event.burst,
                        "threshold": o.threshold,
                    },
                )
            )
        return out

    def check_config(self, cfg):
        from yuqing.levels import CHOICES, LEVELS

        bad = [
            (f"options.levels.{k}", f"unknown level {k!r}", f"use {CHOICES}")
            for k in self.options.levels
            if k not in LEVELS
        ]
        return bad + unknown(
            self.options.focus,
            focus_ids(cfg),
            "options.focus",
            "focus topic",
        )
