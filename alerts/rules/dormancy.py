"""``dormancy``: a government new-media account (微博/微信) with no post for ``days`` —
a 睡眠号 warning (yellow); the (max_warnings+1)-th warning within ``period`` is red.

The options are the one definition of a dormant account: the digest's account report reads
them through :func:`dormancy_policy` (so changing ``days`` in rules.yaml changes both)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, ValidationError

from yuqing.alerts.rules.base import Match, Options, RuleType
from yuqing.config.types import Duration, parse_duration
from yuqing.levels import Level
from yuqing.models import NEW_MEDIA


class DormancyOptions(Options):
    channels: list[str] = Field(
        default_factory=lambda: list(NEW_MEDIA),
        description="source channels that must keep posting",
    )
    days: int = Field(default=7, ge=1, description="allowed days without a post")
    max_warnings: int = Field(default=3, ge=0, description="more warnings than this -> red")
    period: Duration = Field(
        default=parse_duration("365d"), description="window for counting warnings"
    )
    escalate_level: Level = Field(
        default="red", description="level once warnings exceed max_warnings"
    )


def dormancy_policy(cfg) -> DormancyOptions:
    """The options of the first enabled ``dormancy`` rule of ``cfg``, else the defaults (the
    digest reports sleeping accounts by the same policy whether or not the rule alerts)."""
    for rule in cfg.rules.rules:
        if rule.type == DormancyRule.name and rule.enabled:
            try:
                return DormancyOptions.model_validate(rule.options or {})
            except ValidationError:
                break  # reported by `yuqing config check` and the rule itself
    return DormancyOptions()


class DormancyRule(RuleType[DormancyOptions]):
    name = "dormancy"
    Options = DormancyOptions
    subject_kind = "source"

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        states = {s.source_id: s for s in snap.source_states()}
        since = snap.now - timedelta(days=o.days)
        past = list(snap.store.iter_alerts(since=snap.now - o.period, rule=self.rule.id))
        out = []
        for src in snap.sources():
            state = states.get(src.id)
            if (
                src.channel not in o.channels
                or not src.enabled
                or state is None
                or state.last_success_at is None
            ):
                continue  # never crawled successfully: source_health's job, not dormancy
            last = snap.store.last_post_time(src.id)
            if last is not None and last >= since:
                continue
            warnings = len({a.id for a in past if a.source_id == src.id})
            level = o.escalate_level if warnings >= o.max_warnings else None
            age = f"{(snap.now - last).days} 天" if last else "从未"
            out.append(
                Match(
                    subject=f"source:{src.id}:dormant",
                    source_id=src.id,
                    owner=src.owner,
                    region=src.region,
                    level=level,
                    title=f"政务新媒体账号长期未更新：{src.name or src.id}",
                    summary=f"{age}未发布内容（要求每 {o.days} 天至少更新一次）；"
                    f"近一年第 {warnings + 1} 次提醒",
                    evidence={
                        "last_post_at": last.isoformat() if last else None,
                        "warning_number": warnings + 1,
                        "channel": src.channel,
                        "reason": "dormant",
                    },
                )
            )
        return out
