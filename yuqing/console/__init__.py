"""The response console (``yuqing serve``): a small Flask app in the application layer.

* Liaisons (联络员) open an alert through the signed link in its message (``/r/<alert>/<token>``)
  and 签收 / 回应 / 申请延期 / 申请转办 / 办结 there, without an account (``liaison.py``).
* Duty staff (网信办) sign in (``auth.py``) and work the queue: open alerts by level and
  deadline, decisions on requests, 督办, 改派, 合并, 不予关注, 回访, department metrics,
  events, sources and the digest archive (``staff.py``).

Layering: the console uses the stages (alerts, dashboards) and the ground (config, storage);
nothing below imports it. See docs/console.md.
"""

from yuqing.console.app import create_app

__all__ = ["create_app"]
