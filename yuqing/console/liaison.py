"""The liaison's pages: the signed link opens one alert for one department, with the
evidence, routing, deadlines and history, and the actions 签收 / 回应 / 申请延期 / 申请转办 /
办结. A tampered, expired or foreign link, a department the alert no longer goes to, or a
resolved alert gets a clear page and never an action."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from yuqing.alerts import handling
from yuqing.alerts.evidence import gather
from yuqing.alerts.handling import ACTION_NAMES, Actor
from yuqing.alerts.links import LinkClaims, LinkError
from yuqing.alerts.render import view
from yuqing.alerts.settings import alert_settings
from yuqing.alerts.workflow import WorkflowError
from yuqing.console.context import client_address, console
from yuqing.console.forms import check_csrf, link_csrf, text, when

bp = Blueprint("liaison", __name__)
ACTIONS = ("ack", "respond", "extend", "transfer", "resolve", "confirm_reply")
REFUSALS = {
    "tampered": ("链接无效", "该链接无效（可能被截断或改动）。请使用预警邮件中的完整链接。"),
    "expired": ("链接已过期", "该链接已过期。如仍需处理，请联系网信办值班室。"),
    "foreign": ("链接与预警不符", "该链接不属于这条预警。"),
    "moved": ("预警已改派", "该预警已改派其他单位办理，本链接不再有效。"),
    "missing": ("预警不存在", "没有找到这条预警。"),
}


def _refuse(reason: str, status: int = 403):
    title, message = REFUSALS[reason]
    return render_template("error.html", title=title, message=message, reason=reason), status


def _open(alert_id: str, token: str):
    """(alert, claims) or a refusal response."""
    c = console()
    try:
        claims = c.signer.verify(token, alert_id, c.now())
    except LinkError as exc:
        return None, None, _refuse(exc.reason)
    alert = c.store.get_alert(alert_id)
    if alert is None:
        return None, None, _refuse("missing", 404)
    if claims.department not in alert.departments:
        return None, None, _refuse("moved")
    return alert, claims, None


def _actor(claims: LinkClaims) -> Actor:
    return Actor(claims.recipient, "liaison", claims.department, client_address())


@bp.get("/r/<alert_id>/<token>")
def alert_page(alert_id: str, token: str):
    alert, claims, refusal = _open(alert_id, token)
    if refusal:
        return refusal
    c = console()
    settings = alert_settings(c.cfg)
    return render_template(
        "liaison_alert.html",
        v=view(alert, settings, c.dept_names, c.now(), gather(c.store, c.cfg, alert)),
        claims=claims,
        dept_name=c.dept_names.get(claims.department, claims.department),
        token=token,
        csrf=link_csrf(c.secret, token),
        ready=request.args.get("do") if request.args.get("do") in ACTIONS else None,
        done=request.args.get("ok"),
        action_names=ACTION_NAMES,
        departments=c.cfg.departments.departments,
        now=c.now(),
        action_base=f"/r/{alert_id}/{token}",
        liaison=True,
    )


@bp.post("/r/<alert_id>/<token>/<action>")
def act(alert_id: str, token: str, action: str):
    alert, claims, refusal = _open(alert_id, token)
    if refusal:
        return refusal
    c = console()
    check_csrf(link_csrf(c.secret, token))
    if action not in ACTIONS:
        return render_template("error.html", title="操作无效", message="不支持该操作。"), 404
    if alert.status == "resolved":
        return render_template(
            "error.html", title="预警已办结", message="该预警已办结，链接不能再操作。"
        ), 409
    actor, now = _actor(claims), c.now()
    try:
        if action == "ack":
            handling.ack(c.store, alert, now, actor)
        elif action == "respond":
            handling.respond(c.store, alert, now, actor, text("text"), text("url", 500))
        elif action == "resolve":
            handling.resolve(c.store, alert, now, actor, text("outcome"))
        elif action == "extend":
            until = when("until", c.cfg.settings.timezone)
            if until is None:
                raise WorkflowError("请填写延期后的办结时间")
            handling.request_extension(c.store, alert, now, actor, until, text("reason"))
        elif action == "confirm_reply":
            handling.confirm_reply(c.store, alert, now, actor, text("post_id", 64))
        elif action == "transfer":
            to = text("to", 64)
            if to not in c.dept_names:
                raise WorkflowError("请选择应转办的单位")
            handling.request_transfer(c.store, alert, now, actor, to, text("reason"))
    except WorkflowError as exc:
        return render_template("error.html", title="未能完成", message=str(exc), back=True), 409
    return redirect(
        url_for("liaison.alert_page", alert_id=alert_id, token=token, ok=action), code=303
    )
