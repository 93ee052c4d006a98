"""``spike``: a topic's count in the window is ``factor`` times its own baseline."""

from __future__ import annotations

from pydantic import Field

from yuqing.alerts.rules.base import Match, Options, RuleType
from yuqing.alerts.rules.grouping import GroupBy, deferred_fields, label, subject
from yuqing.config.types import Duration, parse_duration


class SpikeOptions(Options):
    factor: float = Field(default=3.0, gt=1, description="current >= factor x baseline mean")
    baseline: Duration = Field(
        default=parse_duration("7d"), description="history before the window"
    )
    min_count: int = Field(default=5, ge=1, description="ignore groups smaller than this")
    group_by: GroupBy = Field(default="focus", description="all|focus|category|source|region|place")


class SpikeRule(RuleType[SpikeOptions]):
    """Compares the last window with the mean per window over ``baseline`` before it."""

    name = "spike"
    Options = SpikeOptions

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        current = snap.tally(o.group_by, self.window, min_posts=o.min_count)
        history = snap.tally(o.group_by, o.baseline, end=snap.now - self.window)
        periods = max(o.baseline / self.window, 1.0)
        out = []
        for key, counts in sorted(current.items()):
            n = counts.posts
            mean = (history[key].posts if key in history else 0) / periods
            # a topic with no history needs min_count; otherwise factor x (mean, at least 1)
            if n < o.min_count or n < o.factor * max(mean, 1.0):
                continue
            fields = deferred_fields(snap, o.group_by, key, self.window)
            out.append(
                Match(
                    subject=subject(o.group_by, key),
                    title=f"{label(snap.cfg, o.group_by, key)}：信息量激增（{n} 条，基线 {mean:.1f}）",
                    summary=f"{self.rule.window} 内 {n} 条，为基线 {mean:.1f} 的 "
                    f"{n / max(mean, 1e-9):.1f} 倍"
                    if mean
                    else f"{self.rule.window} 内 {n} 条，此前无相关信息",
                    size=float(n),
                    evidence={
                        "count": n,
                        "baseline_mean": round(mean, 2),
                        "factor": o.factor,
                        "size": n,
                        "group": key,
                    },
                    **fields,
                )
            )
        return out

    def check_config(self, cfg):
        if self.options.baseline < self.window:
            return [
                (
                    "options.baseline",
                    "baseline shorter than the rule window",
                    "use a baseline several windows long, e.g. 7d",
                )
            ]
        return []
