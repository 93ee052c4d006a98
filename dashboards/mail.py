"""Mail a rendered digest to ``digest.recipients``, through the alerts' SMTP channel.

:class:`DigestMailer` is the alerts :class:`~yuqing.alerts.channels.email.EmailChannel` (same SMTP
connection handling, STARTTLS/SSL, ``$YUQING_SMTP_PASSWORD``, reconnect-once) with its own
``compose``: ``multipart/alternative`` of the text and a ``multipart/related`` HTML part whose
charts are inline ``cid:`` images. The Message-ID is stable per (digest, recipient), and a
send ledger in the alerts outbox (``meta`` table, ``digest:<key>:<recipient>``) makes a
digest go to each recipient once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from yuqing.alerts.channels.base import DeliveryError
from yuqing.alerts.channels.email import EmailChannel
from yuqing.alerts.outbox import open_outbox
from yuqing.alerts.render import header_safe, message_id
from yuqing.alerts.settings import alert_settings
from yuqing.dashboards.period import Period
from yuqing.timeutil import now as _now


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent before
    failed: dict[str, str] = field(default_factory=dict)  # recipient -> error


class DigestDeliveryError(Exception):
    """At least one recipient could not be reached; ``report`` says who got it."""

    def __init__(self, message: str, report: SendReport | None = None):
        super().__init__(message)
        self.report = report


@dataclass
class DigestMail:
    recipient: str
    message_id: str
    rendered: object  # dashboards.digest.Rendered
    date: datetime


class DigestMailer(EmailChannel):
    name = "digest-email"

    def compose(self, message: DigestMail) -> EmailMessage:  # type: ignore[override]
        r = message.rendered
        msg = EmailMessage()
        name, addr = parseaddr(self.smtp.from_)
        msg["From"] = formataddr((header_safe(name), addr)) if name else addr
        msg["To"] = header_safe(message.recipient)
        msg["Subject"] = header_safe(r.subject)  # type: ignore[attr-defined]
        msg["Message-ID"] = message.message_id
        msg["Date"] = format_datetime(message.date)
        msg["X-Yuqing-Digest"] = header_safe(r.period.key)  # type: ignore[attr-defined]
        msg.set_content(r.text, charset="utf-8")  # type: ignore[attr-defined]
        msg.add_alternative(r.html_mail, subtype="html", charset="utf-8")  # type: ignore
        html_part = msg.get_payload()[1]  # type: ignore[index]
        for img in r.images:  # type: ignore[attr-defined]
            html_part.add_related(
                img.png,
                maintype="image",
                subtype="png",
                cid=f"<{img.cid}>",
                filename=f"{img.name}.png",
                disposition="inline",
            )
        return msg


def _ledger_key(period: Period, recipient: str) -> str:
    return f"digest:{period.key}:{recipient.lower()}"


def pending_recipients(cfg, period: Period) -> list[str]:
    """Configured recipients that have not received this digest yet."""
    with open_outbox(cfg) as outbox:
        return [
            r
            for r in cfg.settings.digest.recipients
            if outbox.get_meta(_ledger_key(period, r)) is None
        ]


def send(cfg, rendered, recipients: list[str] | None = None, resend: bool = False) -> SendReport:
    """Send ``rendered`` to each recipient (default ``digest.recipients``) not served yet
    (``resend`` ignores the ledger). Raises :class:`DigestDeliveryError` after trying
    everyone if any recipient failed."""
    recipients = list(recipients if recipients is not None else cfg.settings.digest.recipients)
    report = SendReport()
    now = _now(cfg.settings.timezone)
    mailer = DigestMailer(cfg, alert_settings(cfg))
    with open_outbox(cfg) as outbox:
        try:
            for rcpt in recipients:
                key = _ledger_key(rendered.period, rcpt)
                if not resend and outbox.get_meta(key) is not None:
                    report.skipped.append(rcpt)
                    continue
                mail = DigestMail(
                    rcpt, message_id(f"digest:{rendered.period.key}", rcpt), rendered, now
                )
                try:
                    mailer.send(mail, None)
                except DeliveryError as exc:
                    report.failed[rcpt] = str(exc)
                    continue
                outbox.set_meta(key, now.isoformat())
                report.sent.append(rcpt)
        finally:
            mailer.close()
    if report.failed:
        first = next(iter(report.failed.items()))
        raise DigestDeliveryError(
            f"digest {rendered.period.key} not delivered to {len(report.failed)} "
            f"recipient(s); {first[0]}: {first[1]}",
            report,
        )
    return report
