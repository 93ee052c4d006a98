"""Chinese display names shared by every user-facing text (e-mails, digests, the console),
and the one definition of a "negative" message. Channel names are the source channels'
(``yuqing.models.CHANNELS``)."""

from __future__ import annotations

from yuqing.models import CHANNELS as CHANNEL_NAMES

STATUS_NAMES = {"open": "待签收", "acked": "已签收", "resolved": "已办结", "escalated": "已督办"}
#: a post whose sentiment (−1 … 1) is below this counts as negative in digests and alerts
NEGATIVE_BELOW = -0.3

__all__ = ["CHANNEL_NAMES", "NEGATIVE_BELOW", "STATUS_NAMES"]
