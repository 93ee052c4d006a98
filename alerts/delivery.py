"""The delivery worker: claim due outbox rows, render, send, mark sent — one pass at a time.

Noise control lives here: quiet hours hold non-red rows until the quiet period ends; a
per-recipient rate limit sends at most ``rate_limit.max_messages`` messages per ``per`` and
folds the rest (non-red, not a level change notice) into one aggregated message whose
membership is persisted before sending, so a retry re-sends the very same message (same
Message-ID).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from yuqing.alerts.channels import CHANNELS, Channel, DeliveryError
from yuqing.alerts.evidence import gather
from yuqing.alerts.links import alert_url, signer_from
from yuqing.alerts.outbox import Outbox, Row
from yuqing.alerts.render import AlertView, build, view
from yuqing.alerts.settings import AlertSettings, alert_settings
from yuqing.models import Alert
from yuqing.storage.base import Store
from yuqing.timeutil import now as _now

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0  # messages
    rows_sent: int = 0
    failed: int = 0
    held: int = 0
    batched: int = 0
    errors: list[str] = field(default_factory=list)


def quiet_until(now: datetime, settings: AlertSettings) -> datetime | None:
    """End of the current quiet period, or None when outside quiet hours."""
    q = settings.quiet_hours
    if q is None:
        return None
    start, end = q.minutes()
    minute = now.hour * 60 + now.minute
    inside = (start <= minute < end) if start < end else (minute >= start or minute < end)
    if not inside:
        return None
    until = now.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
    return until if until > now else until + timedelta(days=1)


class Deliverer:
    def __init__(
        self,
        cfg,
        store: Store,
        outbox: Outbox,
        settings: AlertSettings | None = None,
        channels: dict[str, Channel] | None = None,
    ):
        self.cfg, self.store, self.outbox = cfg, store, outbox
        self.settings = settings or alert_settings(cfg)
        self.channels = channels or {n: cls(cfg, self.settings) for n, cls in CHANNELS.items()}
        self.depts = {d.id: d for d in cfg.departments.departments}
        self.names = {d.id: d.name for d in cfg.departments.departments}
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.signer = signer_from(cfg)

    def _view(self, alert: Alert, department: str, recipient: str, now: datetime) -> AlertView:
        """Evidence from the store, deadlines, and the recipient's own signed link."""
        link = ack_link = None
        base = self.cfg.settings.console.base_url
        if self.signer is not None and base:
            token = self.signer.sign(alert.id, department, recipient, now)
            link, ack_link = (
                alert_url(base, alert.id, token),
                alert_url(base, alert.id, token, "ack"),
            )
        evidence = gather(self.store, self.cfg, alert)
        return view(alert, self.settings, self.names, now, evidence, link, ack_link)

    def run_once(self, now: datetime | None = None) -> DeliveryReport:
        now = now or _now(self.cfg.settings.timezone)
        r = self.settings.retry
        rows = self.outbox.claim(self.owner, now, r.lease.total_seconds(), r.batch)
        report = DeliveryReport()
        groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
        for row in rows:
            groups[(row.department, row.channel, row.recipient)].append(row)
        try:
            for (dept, _channel, recipient), items in groups.items():
                self._deliver_group(dept, recipient, items, now, report)
        finally:
            for ch in self.channels.values():
                ch.close()
        return report

    def _deliver_group(
        self, dept: str, recipient: str, rows: list[Row], now: datetime, report: DeliveryReport
    ) -> None:
        quiet = quiet_until(now, self.settings)
        if quiet is not None:
            held = [row for row in rows if row.level != "red" and not row.batch_id]
            if held:
                self.outbox.release([row.key for row in held], quiet)
                report.held += len(held)
            rows = [row for row in rows if row not in held]
        batches: dict[str, list[Row]] = defaultdict(list)
        singles: list[Row] = []
        for row in rows:
            (batches[row.batch_id] if row.batch_id else singles).append(row)
        for batch_id, items in batches.items():  # a batch already formed: same message
            self._send(items, now, report, batch_id)
        # red, and the duty office's level changes (研判, rare and each with its reason),
        # go out one by one, never folded into a 【汇总】 nor held by the rate limit
        urgent = [row for row in singles if row.level == "red" or row.kind.startswith("relevel:")]
        normal = [row for row in singles if row not in urgent]
        for row in urgent:
            self._send([row], now, report)
        if not normal:
            return
        limit = self.settings.rate_limit
        sent = self.outbox.messages_sent(dept, recipient, now - limit.per)
        budget = limit.max_messages - len(sent)
        if budget <= 0:
            free_at = datetime.fromtimestamp(min(sent), tz=now.tzinfo) + limit.per
            self.outbox.release([row.key for row in normal], free_at)
            report.held += len(normal)
            return
        if len(normal) > budget:
            single, rest = normal[: budget - 1], normal[budget - 1 :]
        else:
            single, rest = normal, []
        for row in single:
            self._send([row], now, report)
        if len(rest) == 1:
            self._send(rest, now, report)
        elif rest:
            batch_id = hashlib.sha1("\x1f".join(sorted(r.key for r in rest)).encode()).hexdigest()[
                :20
            ]
            self.outbox.assign_batch([r.key for r in rest], batch_id)
            report.batched += len(rest)
            self._send(rest, now, report, batch_id)

    def _thread_key(self, row: Row) -> str | None:
        """The key of the message that brought ``row``'s alert to its recipient: a 【汇总】's
        (``batch:<id>``) when the alert went out in one, else None (the alert's own)."""
        for r in self.outbox.rows(alert_id=row.alert_id):
            if (r.kind, r.department, r.channel, r.recipient) == (
                "alert",
                row.department,
                row.channel,
                row.recipient,
            ):
                return f"batch:{r.batch_id}" if r.batch_id else None
        return None

    def _send(
        self, rows: list[Row], now: datetime, report: DeliveryReport, batch_id: str | None = None
    ) -> None:
        keys = [row.key for row in rows]
        first = rows[0]
        try:
            alerts = []
            for row in rows:
                alert = self.store.get_alert(row.alert_id)
                if alert is None:
                    raise DeliveryError(f"alert {row.alert_id} not found in the store")
                alerts.append(alert)
            dept = self.depts.get(first.department)
            if dept is None:
                raise DeliveryError(f"department {first.department!r} not in departments.yaml")
            channel = self.channels.get(first.channel)
            if channel is None:
                raise DeliveryError(f"unknown channel {first.channel!r}")
            kind = "batch" if batch_id else first.kind
            id_key = (
                f"batch:{batch_id}"
                if batch_id
                else (first.alert_id if first.kind == "alert" else f"{first.alert_id}:{first.kind}")
            )
            views = [self._view(a, first.department, first.recipient, now) for a in alerts]
            # dated when queued (a 【汇总】: its newest row), the same on every retry
            queued = datetime.fromtimestamp(max(row.created_ts for row in rows), tz=now.tzinfo)
            message = build(
                kind,
                views,
                dept,
                first.recipient,
                id_key,
                self.settings.dashboard_url,
                queued,
                None if kind in ("alert", "batch") else self._thread_key(first),
            )
            channel.send(message, dept)
        except Exception as exc:  # noqa: BLE001 - every failure is retried, logged, counted
            r = self.settings.retry
            self.outbox.mark_failed(
                keys,
                now,
                str(exc),
                r.base.total_seconds(),
                r.max_delay.total_seconds(),
                r.max_attempts,
            )
            report.failed += len(rows)
            report.errors.append(str(exc))
            log.warning(
                "delivery of %s via %s failed: %s",
                ",".join(k[:8] for k in keys),
                first.channel,
                exc,
            )
            return
        self.outbox.mark_sent(keys, now)  # right after the send: the duplicate window
        report.sent += 1
        report.rows_sent += len(rows)
        for alert in alerts:
            if alert.delivered_at is None:
                self.store.update_alert(alert.id, expect={"delivered_at": None}, delivered_at=now)
