"""``dormancy``: a government new-media account (微博/微信) with no post for ``days`` —
a 睡眠号 warning (yellow); the (max_warnings+1)-th warning within ``period`` is red.

The options are the one definition of a dormant account: the digest's account report reads
them through :func:`dormancy_policy` (so changing ``days`` in rules.yaml changes both), and
the level of an account's warning through :func:`account_level` (so the digest's badge is the
level of the alert raised for the account: :func:`warning_level` decides both)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field, ValidationError

from yuqing.alerts.rules.base import Match, Options, RuleType
from yuqing.alerts.settings import alert_settings
from yuqing.config.models import Rule
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


def dormancy_rule(cfg) -> Rule | None:
    """The first enabled ``dormancy`` rule of ``cfg`` (None: no rule warns)."""
    return next((r for r in cfg.rules.rules if r.type == DormancyRule.name and r.enabled), None)


def dormancy_policy(cfg) -> DormancyOptions:
    """The options of the first enabled ``dormancy`` rule of ``cfg``, else the defaults (the
    digest reports sleeping accounts by the same policy whether or not the rule alerts)."""
    rule = dormancy_rule(cfg)
    if rule is not None:
        try:
            return DormancyOptions.model_validate(rule.options or {})
        except ValidationError:
            pass  # reported by `yuqing config check` and the rule itself
    return DormancyOptions()


def warning_level(rule_level: Level, o: DormancyOptions, earlier: int) -> Level:
    """The level of an account's dormancy warning after ``earlier`` warnings within
    ``o.period``: the rule's level (a 睡眠号 warning, 黄色预警, rechecked the next week) up to
    ``max_warnings`` warnings, ``escalate_level`` after them (DOMAIN.md: an account warned more
    than 3 times within a year is shut down or rectified — 红色通报, rechecked the next day).
    However long the silence (睡眠号 or 僵尸号), the warnings decide the level."""
    return o.escalate_level if earlier >= o.max_warnings else rule_level


def account_level(cfg, store, source_id: str, last_post: datetime | None, as_of: datetime) -> Level:
    """The level of dormant account ``source_id``'s warning at ``as_of`` (``last_post``: its
    last post then): that of the alert raised for its current silence, else the level the
    rule raises next (:func:`warning_level`) — the digest's badge, the same as the alert's."""
    rule, o = dormancy_rule(cfg), dormancy_policy(cfg)
    if rule is None:
        return warning_level(Rule.model_fields["level"].default, o, 0)
    raised = [
        a
        for a in store.iter_alerts(
            since=as_of - o.period, rule=rule.id, subject=f"source:{source_id}:dormant"
        )
        if a.created_at <= as_of
    ]
    current = [a for a in raised if last_post is None or a.created_at >= last_post]
    if current:
        return max(current, key=lambda a: a.created_at).level
    return warning_level(rule.level, o, len({a.id for a in raised}))


def _standing(alert, last_post: datetime | None, since: datetime) -> bool:
    """Whether ``alert`` is the warning the current silence (since ``last_post``) stands on:
    raised after that post and after ``since``. It is not an *earlier* warning — a
    check, or its dry run (``yuqing alerts test``), that finds it standing shows the same
    number and level as when it was raised, not the next ones."""
    return alert.created_at > since and (last_post is None or alert.created_at >= last_post)


class DormancyRule(RuleType[DormancyOptions]):
    name = "dormancy"
    Options = DormancyOptions
    subject_kind = "source"

    def evaluate(self, snap) -> list[Match]:
        o = self.options
        states = {s.source_id: s for s in snap.source_states()}
        since = snap.now - timedelta(days=o.days)
        past = list(snap.store.iter_alerts(since=snap.now - o.period, rule=self.rule.id))
        # the engine keeps a raised warning standing this long (the same rule and subject stay
        # quiet): an alert of the current silence raised within it *is* this warning
        quiet = max(self.window, alert_settings(snap.cfg).realert) if snap.cfg else self.window
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
            warnings = len(
                {
                    a.id
                    for a in past
                    if a.source_id == src.id and not _standing(a, last, snap.now - quiet)
                }
            )
            level = warning_level(self.rule.level, o, warnings)
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
