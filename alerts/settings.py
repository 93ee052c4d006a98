"""``alerts:`` settings. The models live with the other configuration models
(``yuqing/config/alerts_section.py``); this module is the alerts package's view of them."""

from __future__ import annotations

from yuqing.config.alerts_section import AlertSettings, QuietHours, RateLimit, RetrySettings


def alert_settings(cfg) -> AlertSettings:
    """The ``alerts:`` settings of a loaded config."""
    return cfg.settings.alerts


__all__ = ["AlertSettings", "QuietHours", "RateLimit", "RetrySettings", "alert_settings"]
