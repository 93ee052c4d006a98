"""``focus_risk``: any post of a focus topic carrying a risk flag (e.g. work_safety +
``casualties``) — one is enough."""

from __future__ import annotations

import json
from collections import defaultdict

from pydantic import Field

from yuqing.alerts.rules.base import Match, Options, RuleType, focus_ids, unknown
from yuqing.alerts.rules.grouping import routing_fields


class FocusRiskOptions(Options):
    focus: str = Field(description="focus topic id, e.g. work_safety")
    risk_flags: list[str] = Field(min_length=1, description="any of these Post.risk_flags")
    min_posts: int = Field(default=1, ge=1, description="posts needed per event")


class FocusRiskRule(RuleType[FocusRiskOptions]):
    name = "focus_risk"
    Options = FocusRiskOptions

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        wanted = set(o.risk_flags)

        def test(post) -> dict | None:  # run once per new post (alerts/matches.py)
            return {} if o.focus in post.focus and wanted & set(post.risk_flags) else None

        groups: dict[str, list] = defaultdict(list)
        fingerprint = json.dumps([o.focus, sorted(wanted)])
        for post, _ in snap.matching(self.rule.id, fingerprint, test, self.window):
            key = f"event:{post.event_id}" if post.event_id else f"post:{post.id}"
            groups[key].append(post)
        out = []
        for key, posts in sorted(groups.items()):
            if len(posts) < o.min_posts:
                continue
            by, ident = key.split(":", 1)
            fields = routing_fields(by if by == "event" else "all", ident, posts)
            fields["focus"] = [o.focus] + [f for f in fields["focus"] if f != o.focus]
            if by == "post":
                fields["source_id"] = posts[0].source_id
            flags = sorted({f for p in posts for f in p.risk_flags} & wanted)
            out.append(
                Match(
                    subject=key,
                    title=posts[0].title,
                    summary=f"重点领域 {o.focus} 出现风险标记：{'、'.join(flags)}",
                    size=float(len(posts)),
                    evidence={
                        "risk_flags": flags,
                        "count": len(posts),
                        "size": len(posts),
                        "url": posts[0].url,
                    },
                    **fields,
                )
            )
        return out

    def check_config(self, cfg):
        return unknown(
            [self.options.focus],
            focus_ids(cfg),
            "options.focus",
            "focus topic",
        )
