"""``volume``: at least ``threshold`` posts in the rule window (overall or per group)."""

from __future__ import annotations

from pydantic import Field

from yuqing.alerts.lexicon import Lexicon
from yuqing.alerts.rules.base import Match, Options, RuleType, focus_ids, unknown
from yuqing.alerts.rules.grouping import (
    GroupBy,
    deferred_fields,
    group,
    label,
    routing_fields,
    subject,
)


class VolumeOptions(Options):
    threshold: int = Field(ge=1, description="alert when a group has >= threshold posts")
    group_by: GroupBy = Field(
        default="focus", description="all|focus|category|source|region|place|event"
    )
    focus: list[str] | None = Field(
        default=None,
        description="only posts in these focus topics (group_by focus: only these groups)",
    )
    keywords: list[str] | None = Field(default=None, description="only posts with these terms")


class VolumeRule(RuleType[VolumeOptions]):
    """Many posts about one thing in a short window (e.g. 30 posts on 欠薪 in 1h)."""

    name = "volume"
    Options = VolumeOptions

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        out = []
        for key, (n, items) in sorted(self._counts(snap).items()):
            if n < o.threshold:
                continue
            fields = (
                routing_fields(o.group_by, key, items)
                if items is not None
                else deferred_fields(snap, o.group_by, key, self.window)
            )
            out.append(
                Match(
                    subject=subject(o.group_by, key),
                    title=f"{label(snap.cfg, o.group_by, key)}：{n} 条相关信息（{self.rule.window} 内）",
                    summary=f"{self.rule.window} 内 {n} 条，阈值 {o.threshold}",
                    size=float(n),
                    evidence={"count": n, "threshold": o.threshold, "size": n, "group": key},
                    **fields,
                )
            )
        return out

    def _counts(self, snap) -> dict[str, tuple[int, list | None]]:
        """Posts per group: from the store's counts, or — when ``keywords`` filter the text or
        ``focus`` filters another grouping — from the window's posts."""
        o = self.options
        if not o.keywords and (not o.focus or o.group_by == "focus"):
            counts = snap.tally(o.group_by, self.window, keys=o.focus, min_posts=o.threshold)
            return {k: (t.posts, None) for k, t in counts.items()}
        lex = Lexicon(o.keywords or [])
        posts = [
            p
            for p in snap.posts(self.window)
            if (not o.focus or set(o.focus) & set(p.focus))
            and (not lex or lex.find(p.title + "\n" + p.text))
        ]
        return {k: (len(v), v) for k, v in group(posts, o.group_by).items()}

    def check_config(self, cfg):
        return unknown(
            self.options.focus,
            focus_ids(cfg),
            "options.focus",
            "focus topic",
        )
