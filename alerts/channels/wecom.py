"""WeCom (企业微信) group robot: markdown message (``msgtype: markdown``); a ``webhooks`` entry
takes ``url_env`` only."""

from __future__ import annotations

from yuqing.alerts.channels.webhook import WebhookChannel


class WeComChannel(WebhookChannel):
    name = "wecom"

    def payload(self, message) -> dict:
        return {"msgtype": "markdown", "markdown": {"content": message.markdown[:4000]}}
