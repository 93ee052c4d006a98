"""Mail a rendered digest to ``digest.recipients``.

The message is ``multipart/alternative`` of the text and a ``multipart/related`` HTML part
whose charts are inline ``cid:`` images, composed on :class:`yuqing.mail.SmtpSender` (the
same SMTP settings, TLS and header hygiene as alert e-mail). The Message-ID is stable per
(digest, recipient), and the digest ledger (:mod:`yuqing.dashboards.ledger`) makes a digest
go to each recipient once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from yuqing.dashboards.ledger import open_ledger
from yuqing.dashboards.period import Period
from yuqing.errors import YuqingError
from yuqing.mail import SmtpError, SmtpSender, header_safe, message_id
from yuqing.timeutil import now as _now


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already sent before
    failed: dict[str, str] = field(default_factory=dict)  # recipient -> error


class DigestDeliveryError(YuqingError):
    """At least one recipient could not be reached; ``report`` says who got it."""

    what = "digest"

    def __init__(self, message: str, report: SendReport | None = None):
        super().__init__(message)
        self.report = report


def compose(smtp: SmtpSender, rendered, recipient: str, date) -> EmailMessage:
    """The digest ``rendered`` (a :class:`yuqing.dashboards.digest.Rendered`) for one recipient."""
    msg = smtp.message(
        recipient, rendered.subject, message_id(f"digest:{rendered.period.key}", recipient), date
    )
    msg["X-Yuqing-Digest"] = header_safe(rendered.period.key)
    msg.set_content(rendered.text, charset="utf-8")
    msg.add_alternative(rendered.html_mail, subtype="html", charset="utf-8")
    html_part = msg.get_body(preferencelist=("html",))  # the alternative just added
    if html_part is None:  # pragma: no cover - add_alternative always makes one
        raise RuntimeError("digest mail without an HTML part")
    for img in rendered.images:
        html_part.add_related(
            img.png,
            maintype="image",
            subtype="png",
            cid=f"<{img.cid}>",
            filename=f"{img.name}.png",
            disposition="inline",
        )
    return msg


def pending_recipients(cfg, period: Period) -> list[str]:
    """Configured recipients that have not received this digest yet."""
    with open_ledger(cfg) as ledger:
        return [r for r in cfg.settings.digest.recipients if not ledger.was_sent(period.key, r)]


def send(cfg, rendered, recipients: list[str] | None = None, resend: bool = False) -> SendReport:
    """Send ``rendered`` to each recipient (default ``digest.recipients``) not served yet
    (``resend`` ignores the ledger). Raises :class:`DigestDeliveryError` after trying
    everyone if any recipient failed."""
    recipients = list(recipients if recipients is not None else cfg.settings.digest.recipients)
    report = SendReport()
    now = _now(cfg.settings.timezone)
    key = rendered.period.key
    with open_ledger(cfg) as ledger, SmtpSender(cfg.settings.smtp) as smtp:
        for rcpt in recipients:
            if not resend and ledger.was_sent(key, rcpt):
                report.skipped.append(rcpt)
                continue
            try:
                smtp.send(compose(smtp, rendered, rcpt, now), rcpt)
            except SmtpError as exc:
                report.failed[rcpt] = str(exc)
                continue
            ledger.record_sent(key, rcpt, now.isoformat())
            report.sent.append(rcpt)
    if report.failed:
        first = next(iter(report.failed.items()))
        raise DigestDeliveryError(
            f"digest {key} not delivered to {len(report.failed)} "
            f"recipient(s); {first[0]}: {first[1]}",
            report,
        )
    return report
