"""``source_health``: a source failing, or returning nothing new, for N crawl intervals.

Reads :class:`yuqing.storage.base.SourceState` kept by the crawler. Routed to the source's
``owner`` department and the duty office. The digest's badge for a failing source is the
level of this rule's alert (:func:`failing_level`), as for dormant accounts.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from yuqing.alerts.rules.base import Match, Options, RuleType
from yuqing.config.models import Rule
from yuqing.levels import Level
from yuqing.vocab import failure_text


class SourceHealthOptions(Options):
    failures: int = Field(default=3, ge=1, description="consecutive failed crawls")
    silent_intervals: int | None = Field(
        default=6, ge=1, description="no new post for N x the source interval; null = do not check"
    )
    sources: list[str] | None = Field(default=None, description="only these source ids")


class SourceHealthRule(RuleType[SourceHealthOptions]):
    name = "source_health"
    Options = SourceHealthOptions
    subject_kind = "source"

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        configured = {s.id: s for s in snap.sources()}
        out = []
        for state in snap.source_states():
            src = configured.get(state.source_id)
            if (o.sources and state.source_id not in o.sources) or (src and not src.enabled):
                continue
            name = (src.name if src else None) or state.source_id
            owner = src.owner if src else None
            interval = src.interval if src else timedelta(hours=1)
            common = dict(
                source_id=state.source_id, owner=owner, region=src.region if src else None
            )
            if state.consecutive_failures >= o.failures or not state.healthy:
                out.append(
                    Match(
                        subject=f"source:{state.source_id}:failing",
                        title=f"信息源异常：{name}",
                        summary=f"连续 {state.consecutive_failures} 次采集失败：{failure_text(state.last_error)}",
                        evidence={
                            "consecutive_failures": state.consecutive_failures,
                            "last_error": state.last_error,
                            "reason": "failing",
                        },
                        **common,
                    )
                )
            elif (
                o.silent_intervals
                and state.last_new_at
                and state.last_success_at
                and snap.now - state.last_new_at > o.silent_intervals * interval
            ):
                hours = (snap.now - state.last_new_at).total_seconds() / 3600
                out.append(
                    Match(
                        subject=f"source:{state.source_id}:silent",
                        title=f"信息源无新内容：{name}",
                        summary=f"已 {hours:.0f} 小时无新信息（采集间隔 {interval.total_seconds() // 60:.0f} 分钟）",
                        evidence={"last_new_at": state.last_new_at.isoformat(), "reason": "silent"},
                        **common,
                    )
                )
        return out

    def check_config(self, cfg):
        ids = {s.id for s in cfg.sources.sources}
        return [
            ("options.sources", f"unknown source {s!r}", "use an id from sources.yaml")
            for s in self.options.sources or []
            if ids and s not in ids
        ]


def source_health_rule(cfg) -> Rule | None:
    """The first enabled ``source_health`` rule of ``cfg`` (None: no rule alerts)."""
    kind = SourceHealthRule.name
    return next((r for r in cfg.rules.rules if r.type == kind and r.enabled), None)


def failing_level(cfg, store, state, as_of) -> Level:
    """The level of failing source ``state.source_id`` at ``as_of`` — the digest's badge, the
    same as the alert's: that of the alert raised for its current run of failures (since its
    last success), else the level the rule raises. A source the shipped rule reports as a
    蓝色提示 was 红色 in the digest once unhealthy (黄色 before)."""
    rule = source_health_rule(cfg)
    if rule is None:
        return Rule.model_fields["level"].default
    subject = f"source:{state.source_id}:failing"
    raised = [
        a
        for a in store.iter_alerts(since=state.last_success_at, rule=rule.id, subject=subject)
        if a.created_at <= as_of
    ]
    return raised[-1].level if raised else rule.level
