"""The duty staff's pages (sign-in required): the queue of open alerts by level and deadline,
an alert's page with the duty office's decisions, department metrics, events with their
messages (and 人工报送: raising an alert about one by hand), sources and their health, and the
digest archive."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Blueprint, abort, g, redirect, render_template, request, send_file, url_for

from yuqing.alerts import handling
from yuqing.alerts.delivery import Deliverer
from yuqing.alerts.engine import Engine
from yuqing.alerts.evidence import gather, message, source_names
from yuqing.alerts.handling import ACTION_NAMES, Actor
from yuqing.alerts.manual import raise_alert, standing_alert
from yuqing.alerts.outbox import open_outbox
from yuqing.alerts.render import view
from yuqing.alerts.settings import alert_settings
from yuqing.alerts.stats import department_stats
from yuqing.alerts.workflow import WorkflowError
from yuqing.console.auth import current, staff_required
from yuqing.console.context import client_address, console
from yuqing.console.forms import text
from yuqing.levels import rank
from yuqing.storage.base import AlertHead
from yuqing.vocab import STATUS_NAMES

bp = Blueprint("staff", __name__)
QUEUE_DAYS = 90  # the queue looks this far back for unresolved alerts
STAFF_ACTIONS = (
    "ack",
    "respond",
    "resolve",
    "escalate",
    "reassign",
    "merge",
    "dismiss",
    "approve_extension",
    "reject_extension",
    "reject_transfer",
    "followup",
    "confirm_reply",
    "relevel",
)


@bp.app_context_processor
def _user():
    return {"user": current(), "csrf": g.get("csrf", "")}


def _views(alerts):
    c = console()
    settings = alert_settings(c.cfg)
    return [view(a, settings, c.dept_names, c.now()) for a in alerts]


@bp.get("/")
@staff_required
def queue():
    c = console()
    now = c.now()
    status = request.args.get("status")
    if status not in STATUS_NAMES:
        status = None  # an unknown filter (a hand-edited address) is the default view
    alerts = [
        a
        for a in c.store.iter_alerts(since=now - timedelta(days=QUEUE_DAYS))
        if not a.evidence.get("superseded_by")
        and (a.status == status if status else a.status != "resolved")
    ]
    views = _views(alerts)
    views.sort(
        key=lambda v: (
            -rank(v.alert.level),
            v.ack_due if v.alert.status in ("open", "escalated") else v.resolve_due,
        )
    )
    return render_template(
        "staff_queue.html", views=views, now=now, status=status, counts=_counts(alerts)
    )


def _counts(alerts) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in alerts:
        out[a.level] = out.get(a.level, 0) + 1
    return out


@bp.get("/alerts/<alert_id>")
@staff_required
def alert_page(alert_id: str):
    c = console()
    alert = c.store.get_alert(alert_id)
    if alert is None:
        abort(404)
    settings = alert_settings(c.cfg)
    return render_template(
        "staff_alert.html",
        v=view(alert, settings, c.dept_names, c.now(), gather(c.store, c.cfg, alert)),
        action_names=ACTION_NAMES,
        departments=c.cfg.departments.departments,
        done=request.args.get("ok"),
        now=c.now(),
        action_base=f"/alerts/{alert_id}",
        liaison=False,
    )


def _staff_actor() -> Actor:
    user = current()
    return Actor(user.name or user.username, "staff", None, client_address())


def _engine(outbox) -> Engine:
    c = console()
    return Engine(c.cfg, c.store, outbox, alert_settings(c.cfg))


@bp.post("/alerts/<alert_id>/<action>")
@staff_required
def act(alert_id: str, action: str):
    c = console()
    if action not in STAFF_ACTIONS:
        abort(404)
    alert = c.store.get_alert(alert_id)
    if alert is None:
        abort(404)
    actor = _staff_actor()
    now = c.now()
    store = c.store
    outbox = open_outbox(c.cfg)
    try:
        engine = _engine(outbox)
        if action == "ack":
            handling.ack(store, alert, now, actor)
        elif action == "respond":
            handling.respond(store, alert, now, actor, text("text"), text("url", 500))
        elif action == "resolve":
            handling.resolve(store, alert, now, actor, text("outcome"))
        elif action == "escalate":
            handling.escalate(engine, alert, now, actor, text("note"))
        elif action == "reassign":
            departments = [d for d in request.form.getlist("departments") if d]
            handling.reassign(engine, alert, now, actor, departments, text("note"))
        elif action == "merge":
            into = store.get_alert(text("into", 64))
            if into is None:
                raise WorkflowError("没有这个预警编号")
            handling.merge(store, alert, now, actor, into)
        elif action == "dismiss":
            handling.dismiss(store, alert, now, actor, text("reason"))
        elif action in ("approve_extension", "reject_extension"):
            approve = action == "approve_extension"
            handling.decide_extension(store, alert, now, actor, approve, text("note"))
        elif action == "confirm_reply":
            handling.confirm_reply(store, alert, now, actor, text("post_id", 64))
        elif action == "reject_transfer":
            handling.reject_transfer(store, alert, now, actor, text("note"))
        elif action == "followup":
            handling.followup(
                store, alert, now, actor, request.form.get("satisfied") == "yes", text("note")
            )
        elif action == "relevel":
            handling.relevel(engine, alert, now, actor, text("level", 16), text("reason"))
        if action in ("escalate", "reassign", "relevel"):  # the new messages go out now
            Deliverer(c.cfg, store, outbox, alert_settings(c.cfg)).run_once(now)
    except WorkflowError as exc:
        return render_template("error.html", title="未能完成", message=str(exc), back=True), 409
    finally:
        outbox.close()
    return redirect(url_for("staff.alert_page", alert_id=alert_id, ok=action), code=303)


@bp.get("/departments")
@staff_required
def departments():
    c = console()
    days = min(max(request.args.get("days", 30, type=int) or 30, 1), 366)
    until = c.now()
    rows = department_stats(
        c.cfg, c.store, alert_settings(c.cfg), until - timedelta(days=days), until
    )
    return render_template("staff_departments.html", rows=rows, days=days)


@bp.get("/events")
@staff_required
def events():
    c = console()
    since = c.now() - timedelta(days=request.args.get("days", 30, type=int) or 30)
    items = sorted(
        c.store.iter_events(since=since),
        key=lambda e: -e.hotness,
    )[:100]
    # each event's alert: the most severe unresolved one, else the latest (one read of the
    # lookback's alert heads, not one per event)
    alerts: dict[str, AlertHead] = {}
    lookback = c.now() - alert_settings(c.cfg).lookback
    for a in c.store.iter_alert_heads(since=min(since, lookback)):
        if not a.event_id or a.superseded_by:
            continue
        old = alerts.get(a.event_id)
        if old is None or _standing_key(a) > _standing_key(old):
            alerts[a.event_id] = a
    return render_template("staff_events.html", events=items, alerts=alerts)


def _standing_key(a: AlertHead) -> tuple:
    return (a.status != "resolved", rank(a.level) if a.status != "resolved" else 0, a.created_at)


@bp.get("/events/<event_id>")
@staff_required
def event_page(event_id: str):
    c = console()
    event = c.store.get_event(event_id)
    if event is None:
        abort(404)
    names = source_names(c.cfg)
    posts = [c.store.get_post(pid) for pid in event.post_ids[:300]]
    messages = sorted(
        (message(p, names) for p in posts if p is not None), key=lambda m: m.at, reverse=True
    )
    return render_template(
        "staff_event.html",
        event=event,
        messages=messages,
        standing=standing_alert(c.store, alert_settings(c.cfg), event.id, c.now()),
        departments=c.cfg.departments.departments,
    )


@bp.get("/events/<event_id>/report")
@staff_required
def event_report_page(event_id: str):
    """舆情专报: the event written up as a printable page, with the 研判意见 typed on the
    event page (a GET: it changes nothing)."""
    from yuqing.dashboards import event_report

    c = console()
    event = c.store.get_event(event_id)
    if event is None:
        abort(404)
    note = (request.args.get("note") or "")[: event_report.NOTE_MAX]
    return event_report.html(event_report.build(c.cfg, c.store, event, c.now(), note))


@bp.post("/events/<event_id>/raise")
@staff_required
def raise_event_alert(event_id: str):
    """人工报送: an alert about this event, routed (or sent to the chosen units) and
    delivered now; then its page."""
    c = console()
    event = c.store.get_event(event_id)
    if event is None:
        abort(404)
    actor = _staff_actor()
    now = c.now()
    outbox = open_outbox(c.cfg)
    try:
        chosen = [d for d in request.form.getlist("departments") if d]
        alert = raise_alert(
            _engine(outbox), event, now, actor, text("level", 16), text("note"), chosen
        )
        Deliverer(c.cfg, c.store, outbox, alert_settings(c.cfg)).run_once(now)
    except WorkflowError as exc:
        return render_template("error.html", title="未能报送", message=str(exc), back=True), 409
    finally:
        outbox.close()
    return redirect(url_for("staff.alert_page", alert_id=alert.id, ok="raise"), code=303)


@bp.get("/sources")
@staff_required
def sources():
    c = console()
    states = {s.source_id: s for s in c.store.iter_source_states()}
    rows = [(src, states.get(src.id)) for src in c.cfg.sources.sources]
    # when each source last published (the store's index): the crawl's last_new_at is when
    # posts were last collected, today for a 2019-silent account crawled for the first time
    published = {src.id: c.store.last_post_time(src.id) for src in c.cfg.sources.sources}
    return render_template(
        "staff_sources.html", rows=rows, published=published, dept_names=c.dept_names
    )


@bp.get("/ledger")
@staff_required
def ledger_page():
    from yuqing.alerts.ledger import ledger
    from yuqing.alerts.rules.dormancy import dormancy_policy

    c = console()
    options = dormancy_policy(c.cfg)
    return render_template(
        "staff_ledger.html",
        accounts=ledger(c.cfg, c.store, c.now()),
        options=options,
        dept_names=c.dept_names,
    )


_DIGEST = re.compile(
    r"^(\d{4}-\d{2}-\d{2}|weekly-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2})\.(html|txt)$"
)


def _digest_dir():
    c = console()
    return c.cfg.path(c.cfg.settings.digest.out_dir)


@bp.get("/digests")
@staff_required
def digests():
    folder = _digest_dir()
    files = (
        sorted((f.name for f in folder.glob("*.html") if _DIGEST.match(f.name)), reverse=True)
        if folder.is_dir()
        else []
    )
    return render_template("staff_digests.html", files=files)


@bp.get("/digests/<name>")
@staff_required
def digest_file(name: str):
    if not _DIGEST.match(name):
        abort(404)
    path = _digest_dir() / name
    if not path.is_file():
        abort(404)
    mimetype = "text/html" if name.endswith(".html") else "text/plain"
    return send_file(path, mimetype=mimetype, max_age=0)
