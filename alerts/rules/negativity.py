"""``negativity``: the share of negative posts in a group reaches ``share``."""

from __future__ import annotations

from pydantic import Field

from yuqing.alerts.rules.base import Match, Options, RuleType
from yuqing.alerts.rules.grouping import GroupBy, group, routing_fields, subject


class NegativityOptions(Options):
    share: float = Field(gt=0, le=1, description="alert when negative/total >= share")
    min_posts: int = Field(default=10, ge=1, description="groups smaller than this are ignored")
    below: float = Field(default=-0.2, ge=-1, le=1, description="sentiment < below = negative")
    group_by: GroupBy = Field(default="event", description="event|focus|category|source|region|all")


class NegativityRule(RuleType[NegativityOptions]):
    """Posts with a sentiment score (from nlp/); posts not yet scored are not counted."""

    name = "negativity"
    Options = NegativityOptions

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        scored = [p for p in snap.posts(self.window) if p.sentiment is not None]
        out = []
        for key, items in sorted(group(scored, o.group_by).items()):
            if len(items) < o.min_posts:
                continue
            neg = sum(p.sentiment < o.below for p in items if p.sentiment is not None)
            share = neg / len(items)
            if share < o.share:
                continue
            fields = routing_fields(o.group_by, key, items)
            title = items[0].title if o.group_by == "event" else key
            out.append(
                Match(
                    subject=subject(o.group_by, key),
                    title=title,
                    summary=f"负面信息占比 {share:.0%}（{neg}/{len(items)}）",
                    size=float(len(items)),
                    evidence={
                        "negative": neg,
                        "total": len(items),
                        "share": round(share, 3),
                        "size": len(items),
                    },
                    **fields,
                )
            )
        return out
