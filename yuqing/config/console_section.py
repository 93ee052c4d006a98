"""The ``console:`` section of settings.yaml: the response console (``yuqing serve``), the
signed links put into alert messages, and the duty staff's accounts. Every default lives
here; documented in docs/console.md.

Secrets are never in this file: the signing key comes from ``$YUQING_CONSOLE_SECRET``; an
account carries a password *hash* (``yuqing console hash-password``), never a password.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from yuqing.config.types import Interval, parse_duration

#: ``scrypt$N$r$p$salt$hash`` (salt and hash base64) or ``pbkdf2_sha256$iterations$salt$hash``.
PASSWORD_HASH = r"^(scrypt\$\d+\$\d+\$\d+|pbkdf2_sha256\$\d+)\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$"
SECRET_ENV = "YUQING_CONSOLE_SECRET"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class ConsoleUser(_Strict):
    """A duty-staff (网信办) account."""

    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")
    name: str = ""  # shown in the console and recorded in the alert history
    password_hash: str = Field(pattern=PASSWORD_HASH)


class ConsoleSettings(_Strict):
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=1, le=65535)
    link_ttl: Interval = parse_duration("30d")  # a liaison's link works this long after it was sent
    session_ttl: Interval = parse_duration("8h")  # a staff session ends this long after sign-in
    session_idle: Interval = parse_duration("1h")  # ... or after this long without a request
    login_attempts: int = Field(default=5, ge=1)  # failed sign-ins per user and address
    login_window: Interval = parse_duration(
        "15m"
    )  # ... within this window before sign-in is refused
    state_path: str = "var/console.db"  # sessions and sign-in attempts (SQLite, any backend)
    serve_in_run: bool = False  # `yuqing run` also serves the console
    users: list[ConsoleUser] = Field(default_factory=list)
