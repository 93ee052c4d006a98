"""E-mail over SMTP: one message per alert and recipient, text + HTML parts, the alert's
headers (``X-Yuqing-Alert-Id``, level, kind). The connection, TLS, login and the stable
Message-ID are :mod:`yuqing.mail`'s; one connection serves a whole delivery pass."""

from __future__ import annotations

from email.message import EmailMessage

from yuqing.alerts.channels.base import Channel, DeliveryError
from yuqing.mail import SmtpError, SmtpSender


class EmailChannel(Channel):
    name = "email"

    def __init__(self, cfg, settings):
        super().__init__(cfg, settings)
        self.smtp = SmtpSender(cfg.settings.smtp)

    @staticmethod
    def targets(department) -> list[str]:
        return list(department.emails)

    def compose(self, message) -> EmailMessage:
        msg = self.smtp.message(
            message.recipient,
            message.subject,
            message.message_id,
            message.date or message.alerts[0].created_at,
        )
        msg["X-Yuqing-Alert-Id"] = ", ".join(message.alert_ids)
        msg["X-Yuqing-Level"] = message.level
        msg["X-Yuqing-Kind"] = message.kind
        if message.in_reply_to:  # a follow-up: threaded under the alert's own message
            msg["In-Reply-To"] = message.in_reply_to
            msg["References"] = message.in_reply_to
        msg.set_content(message.text, charset="utf-8")
        msg.add_alternative(message.html, subtype="html", charset="utf-8")
        return msg

    def send(self, message, department) -> None:
        try:
            self.smtp.send(self.compose(message), message.recipient)
        except SmtpError as exc:
            raise DeliveryError(str(exc)) from exc

    def close(self) -> None:
        self.smtp.close()
