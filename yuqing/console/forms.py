"""Form helpers shared by the liaison and staff pages: CSRF tokens and parsed inputs."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import abort, request

from yuqing.timeutil import parse_iso


def link_csrf(secret: str, token: str) -> str:
    """A liaison form's CSRF token: bound to the link's token (which the page holds)."""
    return hmac.new(secret.encode(), f"link-csrf:{token}".encode(), hashlib.sha256).hexdigest()


def check_csrf(expected: str) -> None:
    got = request.form.get("csrf", "")
    if not expected or not hmac.compare_digest(got.encode(), expected.encode()):
        abort(400, description="csrf")


def text(name: str, limit: int = 2000) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def when(name: str, tzname: str) -> datetime | None:
    """A ``datetime-local`` input (``2026-11-20T10:00``) in the configured zone."""
    value = text(name, 40)
    if not value:
        return None
    try:
        return parse_iso(value, tzname)
    except ValueError:
        return None
