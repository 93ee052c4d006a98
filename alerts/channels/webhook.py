"""Shared JSON POST for group robots (DingTalk, WeCom): a department's ``webhooks`` entries of
the channel's kind; the robot URL comes from the environment variable ``url_env`` names."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import ClassVar

from pydantic import Field, ValidationError

from yuqing.alerts.channels.base import Channel, ChannelOptions, DeliveryError


class RobotOptions(ChannelOptions):
    url_env: str = Field(description="environment variable holding the robot URL")


class WebhookChannel(Channel):
    Options: ClassVar[type[RobotOptions]] = RobotOptions

    @classmethod
    def hooks(cls, department) -> list[RobotOptions]:
        """The department's robots of this kind (entries that do not validate are skipped:
        the check that uses them reports them)."""
        out = []
        for w in department.webhooks:
            if w.kind != cls.name:
                continue
            try:
                out.append(cls.Options.model_validate(w.model_extra or {}))
            except ValidationError:
                continue
        return out

    @classmethod
    def targets(cls, department) -> list[str]:
        return [h.url_env for h in cls.hooks(department)]

    def hook(self, department, url_env: str) -> RobotOptions:
        for h in self.hooks(department):
            if h.url_env == url_env:
                return h
        raise DeliveryError(f"department {department.id} has no {self.name} webhook {url_env}")

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
            raise DeliveryError(f"{self.name} webhook: {exc}") from exc
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise DeliveryError(f"{self.name} webhook: answer is not JSON") from exc
        if data.get("errcode", 0) != 0:
            raise DeliveryError(
                f"{self.name} webhook: errcode {data.get('errcode')} {data.get('errmsg', '')}"
            )

    def send(self, message, department) -> None:
        self.hook(department, message.recipient)
        self.post(self.signed_url(department, message.recipient), self.payload(message))

    def signed_url(self, department, url_env: str) -> str:
        return self.url(department, url_env)
