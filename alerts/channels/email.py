"""E-mail over SMTP (smtplib): STARTTLS/SSL and auth when configured, password from
``$YUQING_SMTP_PASSWORD``; text + HTML parts; stable Message-ID; one connection per pass."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from yuqing.alerts.channels.base import Channel, DeliveryError
from yuqing.alerts.render import header_safe


class EmailChannel(Channel):
    name = "email"

    def __init__(self, cfg, settings):
        super().__init__(cfg, settings)
        self.smtp = cfg.settings.smtp
        self._conn: smtplib.SMTP | None = None

    @staticmethod
    def targets(department) -> list[str]:
        return list(department.emails)

    def compose(self, message) -> EmailMessage:
        msg = EmailMessage()
        name, addr = parseaddr(self.smtp.from_)
        msg["From"] = formataddr((header_safe(name), addr)) if name else addr
        msg["To"] = header_safe(message.recipient)
        msg["Subject"] = header_safe(message.subject)
        msg["Message-ID"] = message.message_id
        msg["X-Yuqing-Alert-Id"] = ", ".join(message.alert_ids)
        msg["X-Yuqing-Level"] = message.level
        msg["X-Yuqing-Kind"] = message.kind
        msg["Date"] = format_datetime(message.alerts[0].created_at)
        msg.set_content(message.text, charset="utf-8")
        msg.add_alternative(message.html, subtype="html", charset="utf-8")
        return msg

    def _connect(self) -> smtplib.SMTP:
        s = self.smtp
        try:
            if s.ssl:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    conn.starttls(context=ssl.create_default_context())
            if s.username:
                conn.login(s.username, os.environ.get("YUQING_SMTP_PASSWORD", ""))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {s.host}:{s.port}: {exc}") from exc
        return conn

    def send(self, message, department) -> None:
        msg = self.compose(message)
        for attempt in (1, 2):  # a pooled connection may have gone stale: reconnect once
            if self._conn is None:
                self._conn = self._connect()
            try:
                refused = self._conn.send_message(msg, to_addrs=[message.recipient])
            except smtplib.SMTPServerDisconnected as exc:
                self._conn = None
                if attempt == 2:
                    raise DeliveryError(f"SMTP disconnected: {exc}") from exc
                continue
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise DeliveryError(f"SMTP send to {message.recipient}: {exc}") from exc
            if refused:
                raise DeliveryError(f"SMTP refused {message.recipient}: {refused}")
            return

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None
