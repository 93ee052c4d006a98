"""``volume``: at least ``threshold`` posts in the rule window (overall or per group)."""

from __future__ import annotations

from pydantic import Field

from yuqing.alerts.lexicon import Lexicon
from yuqing.alerts.rules.base import Match, Options, RuleType, focus_ids, unknown
from yuqing.alerts.rules.grouping import GroupBy, group, label, routing_fields, subject


class VolumeOptions(Options):
    threshold: int = Field(ge=1, description="alert when a group has >= threshold posts")
    group_by: GroupBy = Field(default="focus", description="all|focus|category|source|region|event")
    focus: list[str] | None = Field(default=None, description="only posts in these focus topics")
    keywords: list[str] | None = Field(default=None, description="only posts with these terms")


class VolumeRule(RuleType[VolumeOptions]):
    """Many posts about one thing in a short window (e.g. 30 posts on 欠薪 in 1h)."""

    name = "volume"
    Options = VolumeOptions

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        lex = Lexicon(o.keywords or [])
        posts = [
            p
            for p in snap.posts(self.window)
            if (not o.focus or set(o.focus) & set(p.focus))
            and (not lex or lex.find(p.title + "\n" + p.text))
        ]
        out = []
        for key, items in sorted(group(posts, o.group_by).items()):
            if len(items) < o.threshold:
                continue
            fields = routing_fields(o.group_by, key, items)
            out.append(
                Match(
                    subject=subject(o.group_by, key),
                    title=f"{label(snap.cfg, o.group_by, key)}：{len(items)} 条相关信息（{self.rule.window} 内）",
                    summary=f"{self.rule.window} 内 {len(items)} 条，阈值 {o.threshold}",
                    size=float(len(items)),
                    evidence={
                        "count": len(items),
                        "threshold": o.threshold,
                        "size": len(items),
                        "group": key,
                    },
                    **fields,
                )
            )
        return out

    def check_config(self, cfg):
        return unknown(
            self.options.focus,
            focus_ids(cfg),
            "options.focus",
            "focus topic",
        )
