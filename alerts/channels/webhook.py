"""Shared JSON POST for group robots (DingTalk, WeCom); the robot URL comes from the
environment variable the department's ``url_env`` names."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from yuqing.alerts.channels.base import Channel, DeliveryError


class WebhookChannel(Channel):
    kind = ""

    @classmethod
    def targets(cls, department) -> list[str]:
        return [w.url_env for w in department.webhooks if w.kind == cls.kind]

    def hook(self, department, url_env: str):
        for w in department.webhooks:
            if w.kind == self.kind and w.url_env == url_env:
                return w
        raise DeliveryError(f"department {department.id} has no {self.kind} webhook {url_env}")

    def url(self, department, url_env: str) -> str:
        url = os.environ.get(url_env)
        if not url:
            raise DeliveryError(f"environment variable {url_env} (robot URL) is not set")
        return url

    def payload(self, message) -> dict:  # pragma: no cover - per robot
        raise NotImplementedError

    def post(self, url: str, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.settings.webhook_timeout) as resp:
                raw = resp.read(65536)
        except (OSError, urllib.error.URLError) as exc:
            raise DeliveryError(f"{self.kind} webhook: {exc}") from exc
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise DeliveryError(f"{self.kind} webhook: answer is not JSON") from exc
        if data.get("errcode", 0) != 0:
            raise DeliveryError(
                f"{self.kind} webhook: errcode {data.get('errcode')} {data.get('errmsg', '')}"
            )

    def send(self, message, department) -> None:
        self.hook(department, message.recipient)
        self.post(self.signed_url(department, message.recipient), self.payload(message))

    def signed_url(self, department, url_env: str) -> str:
        return self.url(department, url_env)
