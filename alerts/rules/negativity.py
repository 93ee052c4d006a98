"""``negativity``: the share of negative posts in a group reaches ``share``."""

from __future__ import annotations

from pydantic import Field, field_validator

from yuqing.alerts.rules.base import Match, Options, RuleType
from yuqing.alerts.rules.grouping import GroupBy, deferred_fields, subject
from yuqing.storage.facets import below_index


class NegativityOptions(Options):
    share: float = Field(gt=0, le=1, description="alert when negative/total >= share")
    min_posts: int = Field(default=10, ge=1, description="groups smaller than this are ignored")
    below: float = Field(
        default=-0.2, ge=-1, le=1, description="sentiment < below = negative (a multiple of 0.1)"
    )
    group_by: GroupBy = Field(
        default="event", description="event|focus|category|source|region|place|all"
    )

    @field_validator("below")
    @classmethod
    def _tenths(cls, below: float) -> float:
        below_index(below)  # the store counts sentiment in tenths
        return below


class NegativityRule(RuleType[NegativityOptions]):
    """Posts with a sentiment score (from nlp/); posts not yet scored are not counted."""

    name = "negativity"
    Options = NegativityOptions

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        counts = snap.tally(o.group_by, self.window, below=o.below, min_posts=o.min_posts)
        out = []
        for key, c in sorted(counts.items()):
            if c.scored < o.min_posts:
                continue
            share = c.negative / c.scored
            if share < o.share:
                continue
            fields = deferred_fields(snap, o.group_by, key, self.window, only_scored=True)
            if o.group_by == "event":  # the event's title, read with the routing fields
                fill = fields["fill"]
                fields["fill"] = lambda fill=fill, key=key: fill() | _event_title(snap, key)
            out.append(
                Match(
                    subject=subject(o.group_by, key),
                    title=key,
                    summary=f"负面信息占比 {share:.0%}（{c.negative}/{c.scored}）",
                    size=float(c.scored),
                    evidence={
                        "negative": c.negative,
                        "total": c.scored,
                        "share": round(share, 3),
                        "size": c.scored,
                    },
                    **fields,
                )
            )
        return out


def _event_title(snap, event_id: str) -> dict:
    event = snap.store.get_event(event_id)
    return {"title": event.title} if event is not None else {}
