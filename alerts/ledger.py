"""The 政务新媒体 ledger (台账): every government new-media account (sources whose channel the
``dormancy`` rule watches, 微博/微信 by default) with its updates per week, its dormancy
warnings within the rule's period (a year), and a status:

* 正常 (``normal``) — no warning in the period and posting within ``days``;
* 预警 (``warned``) — warned in the period, or silent longer than ``days`` now;
* 建议关停整改 (``rectify``) — more than ``max_warnings`` warnings in the period (the seeds:
  an account warned more than 3 times within one year is, in principle, shut down or
  rectified).

The rule's options (``channels``, ``days``, ``max_warnings``, ``period``) are the dormancy
rule's policy (``dormancy_policy``: the first enabled ``dormancy`` rule, else its defaults). ``status_changes`` compares two
moments, for the weekly digest; ``yuqing export accounts`` and the console's /ledger show it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from yuqing.alerts.rules.dormancy import DormancyRule, dormancy_policy
from yuqing.storage.base import Store
from yuqing.timeutil import to_iso
from yuqing.vocab import CHANNEL_NAMES

STATUS_NAMES = {"normal": "正常", "warned": "预警", "rectify": "建议关停整改"}
WEEKS = 8  # weekly update counts shown


@dataclass
class Account:
    source_id: str
    name: str
    channel: str  # Chinese name
    owner: str | None
    last_post_at: datetime | None
    weekly: list[int] = field(default_factory=list)  # updates per week, oldest first
    warnings: int = 0  # dormancy warnings within the period
    status: str = "normal"  # normal | warned | rectify

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["last_post_at"] = to_iso(self.last_post_at)
        data["status_name"] = self.status_name
        return data


def ledger(cfg, store: Store, as_of: datetime, weeks: int = WEEKS) -> list[Account]:
    o = dormancy_policy(cfg)
    alerts = [
        a
        for rule in cfg.rules.rules
        if rule.type == DormancyRule.name
        for a in store.iter_alerts(since=as_of - o.period, rule=rule.id)
        if a.created_at <= as_of
    ]
    accounts = [src for src in cfg.sources.sources if src.channel in o.channels]
    ids = [src.id for src in accounts]
    per_week = [  # oldest week first: posts per account, from the store's counts
        store.tally("source", as_of - timedelta(weeks=w + 1), as_of - timedelta(weeks=w), keys=ids)
        for w in reversed(range(weeks))
    ]
    out = []
    for src in accounts:
        weekly = [week[src.id].posts if src.id in week else 0 for week in per_week]
        last = store.last_post_time(src.id, until=as_of)
        warnings = len({a.id for a in alerts if a.source_id == src.id})
        silent = last is None or as_of - last > timedelta(days=o.days)
        status = (
            "rectify" if warnings > o.max_warnings else "warned" if warnings or silent else "normal"
        )
        out.append(
            Account(
                src.id,
                src.name or src.id,
                CHANNEL_NAMES.get(src.channel, src.channel),
                src.owner,
                last,
                weekly,
                warnings,
                status,
            )
        )
    return sorted(out, key=lambda a: (-list(STATUS_NAMES).index(a.status), a.source_id))


def status_changes(cfg, store: Store, start: datetime, end: datetime) -> list[tuple[Account, str]]:
    """Accounts whose status at ``end`` differs from ``start``: (account at end, old status)."""
    before = {a.source_id: a.status for a in ledger(cfg, store, start, weeks=1)}
    return [
        (a, before.get(a.source_id, "normal"))
        for a in ledger(cfg, store, end, weeks=1)
        if a.status != before.get(a.source_id, "normal")
    ]
