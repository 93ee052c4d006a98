"""Outgoing e-mail, shared by alert delivery and the digest: header hygiene, stable
Message-IDs and one SMTP sender.

Crawled text is untrusted: :func:`header_safe` turns whatever reaches a header into one line
without control characters. :func:`message_id` derives the Message-ID from what the message
is about and who receives it, so a retry can never look like a second message.
:class:`SmtpSender` owns the connection (``smtp:`` settings: STARTTLS or SSL, login with
``$YUQING_SMTP_PASSWORD``), keeps it between sends and reconnects once when it went stale;
callers compose the message (:meth:`SmtpSender.message` sets the common headers) and send it.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
import unicodedata
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from yuqing.errors import YuqingError

_SPACES = re.compile(r"\s+")


def header_safe(value: str, limit: int = 200) -> str:
    """One line: CR/LF, tabs and every control/format character become spaces."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(value))
    cleaned = _SPACES.sub(" ", cleaned).strip()
    return cleaned[:limit]


def message_id(key: str, recipient: str, domain: str = "yuqing-sentinel") -> str:
    """Stable Message-ID from (alert id, batch id or digest key, recipient)."""
    digest = hashlib.sha1(f"{key}\x1f{recipient}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


#: the environment variable holding the SMTP password (never in the configuration)
PASSWORD_ENV = "YUQING_SMTP_PASSWORD"


class SmtpError(YuqingError):
    """The SMTP server did not take the message (unreachable, refused, disconnected)."""

    what = "smtp"


class SmtpSender:
    """``with SmtpSender(cfg.settings.smtp) as smtp: smtp.send(smtp.message(...), rcpt)``."""

    def __init__(self, settings):
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def message(self, recipient: str, subject: str, msg_id: str, date: datetime) -> EmailMessage:
        """A message with From (``smtp.from``), To, Subject, Message-ID and Date set."""
        msg = EmailMessage()
        name, addr = parseaddr(self.settings.from_)
        msg["From"] = formataddr((header_safe(name), addr)) if name else addr
        msg["To"] = header_safe(recipient)
        msg["Subject"] = header_safe(subject)
        msg["Message-ID"] = msg_id
        msg["Date"] = format_datetime(date)
        return msg

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.username and PASSWORD_ENV not in os.environ:
            # logging in with an empty password only earned the relay's "535 authentication
            # failed", which never said the variable was missing from this environment
            raise SmtpError(
                f"SMTP {s.host}:{s.port}: smtp.username is {s.username!r} but ${PASSWORD_ENV} "
                "is not set in this environment (set it, empty if the relay needs none)"
            )
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
                conn.login(s.username, os.environ[PASSWORD_ENV])
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"SMTP {s.host}:{s.port}: {exc}") from exc
        return conn

    def send(self, msg: EmailMessage, recipient: str) -> None:
        """Send ``msg`` to ``recipient`` (the envelope recipient); raise :class:`SmtpError`."""
        for attempt in (1, 2):  # a pooled connection may have gone stale: reconnect once
            if self._conn is None:
                self._conn = self._connect()
            try:
                refused = self._conn.send_message(msg, to_addrs=[recipient])
            except smtplib.SMTPServerDisconnected as exc:
                self._conn = None
                if attempt == 2:
                    raise SmtpError(f"SMTP disconnected: {exc}") from exc
                continue
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise SmtpError(f"SMTP send to {recipient}: {exc}") from exc
            if refused:
                raise SmtpError(f"SMTP refused {recipient}: {refused}")
            return

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
