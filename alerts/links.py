"""Signed, expiring links to an alert for one recipient (the liaison's way into the console).

A token binds (alert id, department, recipient, expiry) and is signed with HMAC-SHA256 by
itsdangerous under ``$YUQING_CONSOLE_SECRET``. The console accepts it only on its own alert's
URL (``/r/<alert id>/<token>``), only before it expires and only while the department is
still routed on the alert; every refusal says why (:class:`LinkError.reason`) and never acts.
Without a secret or ``console.base_url`` messages carry no links (the console is not set up).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from yuqing.config.console_section import SECRET_ENV
from yuqing.errors import YuqingError

SALT = "yuqing.alert-link.v1"


class LinkError(YuqingError):
    """A link that must not open the alert: ``reason`` is tampered | expired | foreign."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class LinkClaims:
    alert_id: str
    department: str
    recipient: str
    expires: datetime


class LinkSigner:
    def __init__(self, secret: str, ttl_seconds: int):
        if len(secret) < 16:
            raise ValueError(f"${SECRET_ENV} is too short: use at least 16 random characters")
        self._s = URLSafeSerializer(secret, salt=SALT)
        self.ttl = ttl_seconds

    def sign(self, alert_id: str, department: str, recipient: str, now: datetime) -> str:
        exp = int(now.timestamp()) + self.ttl
        return self._s.dumps({"a": alert_id, "d": department, "r": recipient, "x": exp})

    def verify(self, token: str, alert_id: str, now: datetime) -> LinkClaims:
        try:
            data = self._s.loads(token)
            claims = LinkClaims(
                data["a"], data["d"], data["r"], datetime.fromtimestamp(data["x"], tz=now.tzinfo)
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            raise LinkError("tampered", "链接无效（可能被截断或改动）") from None
        if claims.alert_id != alert_id:
            raise LinkError("foreign", "链接与该预警不符")
        if now >= claims.expires:
            raise LinkError("expired", "链接已过期")
        return claims


def signer_from(cfg) -> LinkSigner | None:
    """The signer for a loaded config, or None when the console is not set up (no
    ``console.base_url`` or no ``$YUQING_CONSOLE_SECRET``)."""
    secret = os.environ.get(SECRET_ENV, "")
    if not secret or not cfg.settings.console.base_url:
        return None
    return LinkSigner(secret, int(cfg.settings.console.link_ttl.total_seconds()))


def alert_url(base_url: str, alert_id: str, token: str, action: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/r/{alert_id}/{token}"
    return f"{url}?do={action}" if action else url
