"""Evaluate rules, decide level and identity, suppress repeats, route, store, enqueue.

The order is the guarantee: the alert is committed to the store (``insert_alert``, which is
idempotent) before its outbox rows exist, and outbox rows are keyed, so running the same
check twice — or after a crash between the two writes — creates nothing twice and loses
nothing (``reconcile`` enqueues stored alerts that have no rows yet).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from yuqing.alerts.channels import CHANNELS
from yuqing.alerts.channels import validate as validate_channels
from yuqing.alerts.matches import PostMatches
from yuqing.alerts.outbox import Outbox, Target
from yuqing.alerts.replies import link_replies
from yuqing.alerts.routing import Router
from yuqing.alerts.rules import build_rules
from yuqing.alerts.rules.base import Match, RuleType
from yuqing.alerts.settings import AlertSettings, alert_settings
from yuqing.alerts.snapshot import Snapshot
from yuqing.errors import one_line
from yuqing.levels import max_level, raise_level, rank
from yuqing.models import Alert
from yuqing.storage.base import AlertHead, Store
from yuqing.storage.facets import Tally
from yuqing.timeutil import now as _now

log = logging.getLogger(__name__)


#: how far before the newest enqueue an alert without outbox rows is looked for
RECONCILE_MARGIN = timedelta(hours=1)
#: the ``Alert.rule`` of an alert the duty office raised by hand (alerts/manual.py)
MANUAL_RULE = "manual"


def alert_id(rule_id: str, subject: str, bucket: datetime, level: str) -> str:
    """Deterministic: the same rule, subject, window bucket and level give the same id."""
    raw = "\x1f".join((rule_id, subject, bucket.isoformat(), level))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20]


def bucket_start(now: datetime, window: timedelta) -> datetime:
    seconds = max(int(window.total_seconds()), 1)
    ts = int(now.timestamp()) // seconds * seconds
    return datetime.fromtimestamp(ts, tz=now.tzinfo)


@dataclass
class Decision:
    rule: RuleType
    match: Match
    level: str
    alert: Alert | None = None  # the alert to store (None when suppressed)
    suppressed_by: str | None = None  # id of the earlier alert that silences this one
    created: bool = False
    grown: bool = False
    stored: str | None = None  # id of the stored alert that stands (raised in this window)


@dataclass
class CheckResult:
    decisions: list[Decision] = field(default_factory=list)
    enqueued: int = 0
    problems: list = field(default_factory=list)  # broken rules that were skipped
    failed: dict[str, str] = field(default_factory=dict)  # rule id -> what it raised

    @property
    def created(self) -> list[Alert]:
        return [d.alert for d in self.decisions if d.created and d.alert]

    @property
    def suppressed(self) -> list[Decision]:
        return [d for d in self.decisions if d.suppressed_by]


class Engine:
    def __init__(
        self, cfg, store: Store, outbox: Outbox | None = None, settings: AlertSettings | None = None
    ):
        self.cfg, self.store, self.outbox = cfg, store, outbox
        self.settings = settings or alert_settings(cfg)
        self.router = Router(cfg, self.settings.copy_duty_levels)
        self.depts = {d.id: d for d in cfg.departments.departments}
        self._matches: PostMatches | None = None

    # -- evaluation ----------------------------------------------------------------------
    def snapshot(self, now: datetime) -> Snapshot:
        """What the rules read at ``now``; per-post matches persist beside the outbox."""
        if self._matches is None:
            path = self.cfg.path(self.settings.outbox_path).with_name("rule-matches.db")
            self._matches = PostMatches(path)
        return Snapshot(self.store, now, self.cfg, matches=self._matches)

    def _standing(
        self, now: datetime, keys: set[tuple[str, str]], event_ids: set[str]
    ) -> tuple[dict[tuple[str, str], AlertHead], dict[str, AlertHead]]:
        """Within the lookback: the standing alert (most severe, then latest, not superseded)
        of each (rule, subject) matched now, and of the events matched now those the duty
        office marked 不予关注 (event id -> that alert). Looked up per event (an
        ``event:<id>`` subject is always about event ``<id>``: one read answers both) and per
        other subject — never by reading every alert of the lookback — as heads only."""
        prior: dict[tuple[str, str], AlertHead] = {}
        dismissed: dict[str, AlertHead] = {}
        since = now - self.settings.lookback

        def consider(key: tuple[str, str], a: AlertHead) -> None:
            old = prior.get(key)
            if old is None or (rank(a.level), a.created_at) >= (rank(old.level), old.created_at):
                prior[key] = a

        by_event = {s[len("event:") :] for _, s in keys if s.startswith("event:")}
        for event_id in sorted(by_event | event_ids):
            for a in self.store.iter_alert_heads(since=since, event_id=event_id):
                if a.dismissed and event_id in event_ids:
                    old = dismissed.get(event_id)
                    if old is None or rank(a.level) > rank(old.level):
                        dismissed[event_id] = a
                if a.subject != f"event:{event_id}" or a.superseded_by:
                    continue
                if a.rule == MANUAL_RULE:  # raised by hand: it stands for every rule's match
                    for key in keys:  # on the event (a repeat unless the level is higher)
                        if key[1] == a.subject:
                            consider(key, a)
                elif (a.rule, a.subject) in keys:
                    consider((a.rule, a.subject), a)
        for rule_id, subject in sorted(k for k in keys if not k[1].startswith("event:")):
            for a in self.store.iter_alert_heads(since=since, rule=rule_id, subject=subject):
                if not a.superseded_by:
                    consider((rule_id, subject), a)
        return prior, dismissed

    def decide(
        self,
        rule: RuleType,
        match: Match,
        now: datetime,
        prior: dict[tuple[str, str], AlertHead],
        dismissed: dict[str, AlertHead] | None = None,
    ) -> Decision:
        """The decision on one match, given the standing alerts (:meth:`_standing`). When the
        alert of this window is stored already, ``Decision.stored`` names it and
        :meth:`evaluate` reads it."""
        level = match.level or rule.rule.level
        before = prior.get((rule.rule.id, match.subject))
        for alias in match.aliases:  # a consolidated event: its fragments' alerts are its own
            if before is not None:
                break
            before = prior.get((rule.rule.id, alias))
        grown = False
        # after a 研判 lowered the standing alert, a match up to the level it held before
        # is the same matter the duty office judged: it joins that alert (unless it grew)
        ceiling = max_level(before.level, before.ceiling or before.level) if before else None
        if before and ceiling and match.size and before.size and rank(level) <= rank(ceiling):
            bar = before.size * self.settings.growth_factor
            if match.size >= bar and match.size - self._found_late(match, before, now) >= bar:
                level, grown = raise_level(before.level), True
        silenced = (dismissed or {}).get(match.event_id or "")
        if silenced is not None and rank(level) <= rank(silenced.level):
            return Decision(rule, match, level, suppressed_by=silenced.id)  # 不予关注
        quiet = max(self.settings.realert, rule.window)
        aid = alert_id(rule.rule.id, match.subject, bucket_start(now, rule.window), level)
        if (
            before
            and ceiling
            and before.id != aid
            and not grown
            and rank(level) <= rank(ceiling)
            and now - max(before.created_at, before.judged_at or before.created_at) < quiet
        ):
            return Decision(rule, match, level, suppressed_by=before.id)
        if before is not None and before.id == aid:  # raised in this window already: the
            return Decision(rule, match, level, stored=before.id)  # stored alert stands as is
        match.complete()  # routing fields are read only for what becomes an alert
        route = self.router.route(
            match, level, override=rule.rule.departments, source_alert=rule.subject_kind == "source"
        )
        evidence = {
            **match.evidence,
            "subject": match.subject,
            "window": str(rule.rule.window),
            "routing": route.reasons,
            "post_ids": match.post_ids,
            "focus": match.focus,
            "category": match.category,
            "region": match.region,
        }
        if before and before.id != aid:
            evidence["supersedes"] = before.id
        if grown:
            evidence["escalated_from"] = before.level if before else None
        alert = Alert(
            id=aid,
            level=level,
            rule=rule.rule.id,
            created_at=now,
            event_id=match.event_id,
            source_id=match.source_id,
            departments=route.departments,
            title=match.title,
            summary=match.summary,
            evidence=evidence,
            updated_at=now,
        )
        return Decision(rule, match, level, alert=alert, grown=grown)

    def _found_late(self, match: Match, before: AlertHead, now: datetime) -> int:
        """Posts of the match's event collected since the standing alert but published
        before it — a backfill (an archive crawled for the first time, a board read late) or
        a late crawl: in the event's size, but not growth since the alert. Two counts from
        the store's aggregates, asked only when the size alone would escalate."""
        if not match.event_id or not match.subject.startswith("event:"):
            return 0  # the other rules' sizes are window counts on post time already
        since, key = before.created_at, [match.event_id]
        found = self.store.tally("event", since, now, axis="collected", keys=key)
        new = self.store.tally("event", since, now, axis="collected", keys=key, posted_since=since)
        late = found.get(match.event_id, Tally()).posts - new.get(match.event_id, Tally()).posts
        return max(late, 0)

    def evaluate(
        self,
        now: datetime | None = None,
        only: list[str] | None = None,
        problems: list | None = None,
        failed: dict[str, str] | None = None,
    ) -> list[Decision]:
        """What the rules would raise now, without writing anything (``alerts test``).
        With a ``problems`` list, rules that cannot be built are skipped and reported there;
        with a ``failed`` dict, a rule that raises is recorded there (rule id -> one line)
        and the other rules go on. Without them, the exception propagates."""
        now = now or _now(self.cfg.settings.timezone)
        self.store.flush()  # counts and searches see every write so far (Elasticsearch refresh)
        snap = self.snapshot(now)
        found: list[tuple[RuleType, Match]] = []
        for rule in build_rules(self.cfg, only=only, problems=problems):
            try:
                found += [(rule, m) for m in rule.evaluate(snap)]
            except Exception as exc:
                if failed is None:
                    raise
                failed[rule.rule.id] = one_line(f"{type(exc).__name__}: {exc}")
                # the traceback with -v (INFO); one line per rule otherwise
                log.info("rule %s raised; the other rules go on", rule.rule.id, exc_info=True)
        prior, dismissed = self._standing(  # a consolidated event's fragments (aliases)
            now,  # count as its own
            {(rule.rule.id, s) for rule, m in found for s in (m.subject, *m.aliases)},
            {m.event_id for _, m in found if m.event_id},
        )
        decisions = [self.decide(rule, m, now, prior, dismissed) for rule, m in found]
        stored = {a.id: a for a in self.store.get_alerts(d.stored for d in decisions if d.stored)}
        for d in decisions:
            if d.stored:
                d.alert = stored.get(d.stored)
        return decisions

    # -- writing -------------------------------------------------------------------------
    def check(self, now: datetime | None = None, only: list[str] | None = None) -> CheckResult:
        now = now or _now(self.cfg.settings.timezone)
        result = CheckResult()
        result.decisions = self.evaluate(now, only, problems=result.problems, failed=result.failed)
        # robots with bad options get nothing until fixed (reported with the rule problems)
        result.problems.extend(validate_channels(self.cfg))
        for d in result.decisions:
            if d.alert is None or d.stored:  # nothing to store, or stored already
                continue
            d.created = self.store.insert_alert(d.alert)
            if d.created and d.alert.evidence.get("supersedes"):
                self._mark_superseded(d.alert.evidence["supersedes"], d.alert.id)
        self.store.flush()  # committed before any delivery
        link_replies(self.store, now, self.settings.lookback, self.snapshot(now).matches)
        if self.outbox is not None:
            for d in result.decisions:
                if d.alert is None:
                    continue
                if not d.created and self.outbox.is_enqueued(d.alert.id):
                    continue  # a standing alert whose rows exist (written with the marker)
                result.enqueued += self.enqueue(d.alert, now=now)
            result.enqueued += self.reconcile(now)
        return result

    def _mark_superseded(self, old_id: str, new_id: str) -> None:
        old = self.store.get_alert(old_id)
        if old is not None:
            self.store.update_alert(
                old_id,
                evidence={**old.evidence, "superseded_by": new_id},
                updated_at=datetime.now(tz=old.created_at.tzinfo),
            )

    def targets(self, departments: list[str]) -> list[Target]:
        out: list[Target] = []
        duty = [d for d in self.depts.values() if d.duty]
        for dept_id in departments:
            dept = self.depts.get(dept_id)
            found = (
                [
                    Target(dept_id, name, r)
                    for name, cls in CHANNELS.items()
                    for r in cls.targets(dept)
                ]
                if dept
                else []
            )
            if not found:
                log.warning("department %s has no e-mail or webhook; duty office gets it", dept_id)
                found = [
                    Target(d.id, name, r)
                    for d in duty
                    for name, cls in CHANNELS.items()
                    for r in cls.targets(d)
                ]
            out += [t for t in found if t not in out]
        return out

    def enqueue(
        self,
        alert: Alert,
        kind: str = "alert",
        departments: list[str] | None = None,
        now: datetime | None = None,
    ) -> int:
        if self.outbox is None:
            return 0
        now = now or _now(self.cfg.settings.timezone)
        return self.outbox.enqueue(
            alert.id, kind, alert.level, self.targets(departments or alert.departments), now
        )

    def reconcile(self, now: datetime) -> int:
        """Enqueue stored alerts that never got outbox rows (crash between the two writes).
        Such an alert is no older than the last enqueue before the crash, so only the alerts
        created since the newest enqueue (less an hour) are read, not the whole lookback."""
        if self.outbox is None:
            return 0
        since = now - self.settings.lookback
        last = self.outbox.last_enqueued()
        if last is not None and last - RECONCILE_MARGIN > since:
            since = last - RECONCILE_MARGIN
        added = 0
        for a in self.store.iter_alerts(since=since):
            if a.status in ("open", "escalated") and not self.outbox.is_enqueued(a.id):
                added += self.enqueue(a, now=now)
        return added
