"""DingTalk group robot: markdown message; HMAC-SHA256 signing (``timestamp`` + ``sign``
query parameters) when the webhook has a ``secret_env``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import urllib.parse

from pydantic import Field

from yuqing.alerts.channels.base import DeliveryError
from yuqing.alerts.channels.webhook import RobotOptions, WebhookChannel


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))."""
    mac = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(mac).decode("ascii")


class DingTalkOptions(RobotOptions):
    secret_env: str | None = Field(
        default=None, description="environment variable holding the signing secret (加签)"
    )


class DingTalkChannel(WebhookChannel):
    name = "dingtalk"
    Options = DingTalkOptions

    def signed_url(self, department, url_env: str) -> str:
        url = self.url(department, url_env)
        hook = self.hook(department, url_env)
        if not isinstance(hook, DingTalkOptions) or not hook.secret_env:
            return url
        secret = os.environ.get(hook.secret_env)
        if not secret:
            raise DeliveryError(
                f"environment variable {hook.secret_env} (signing secret) is not set"
            )
        ts = int(time.time() * 1000)
        query = urllib.parse.urlencode({"timestamp": ts, "sign": sign(secret, ts)})
        return url + ("&" if "?" in url else "?") + query

    def payload(self, message) -> dict:
        return {
            "msgtype": "markdown",
            "markdown": {"title": message.subject[:60], "text": message.markdown},
        }
