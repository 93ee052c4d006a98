"""The Flask application: one store and one state file shared by every request (requests
are served one at a time against the store: the Store contract is single-threaded), the
security headers every page gets, and the error pages."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from flask import Flask, g, render_template

from yuqing.alerts.links import LinkSigner
from yuqing.alerts.render import href
from yuqing.config.console_section import SECRET_ENV
from yuqing.console.context import Console, ConsoleSetupError
from yuqing.console.state import ConsoleState
from yuqing.levels import LABELS, LEVELS
from yuqing.timeutil import now as _now
from yuqing.vocab import CHANNEL_NAMES, STATUS_NAMES, failure_text

#: Content-Security-Policy: no scripts at all, no framing, forms post only to us
CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def create_app(cfg, store, clock: Callable[[], datetime] | None = None) -> Flask:
    """The console for a loaded config and an open store. ``clock`` replaces the wall clock
    (tests of expiry)."""
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) < 16:
        raise ConsoleSetupError(
            f"set ${SECRET_ENV} to at least 16 random characters (it signs links and sessions)"
        )
    settings = cfg.settings.console
    ctx = Console(
        cfg=cfg,
        store=store,
        state=ConsoleState(
            cfg.path(settings.state_path),
            int(settings.session_ttl.total_seconds()),
            int(settings.session_idle.total_seconds()),
        ),
        signer=LinkSigner(secret, int(settings.link_ttl.total_seconds())),
        secret=secret,
        clock=clock or (lambda: _now(cfg.settings.timezone)),
    )
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, SECRET_KEY=secret)
    app.extensions["yuqing"] = ctx
    app.jinja_env.globals.update(
        level_labels=LABELS,
        levels=LEVELS,
        status_names=STATUS_NAMES,
        channel_names=CHANNEL_NAMES,
        fmt=lambda v: v.strftime("%Y-%m-%d %H:%M") if v else "—",
        href=href,
        dept_label=lambda d: ctx.dept_names.get(d, d) if d else "—",
        pct=lambda v: "—" if v is None else f"{v:.0%}",
        minutes=_minutes,
        failure_text=failure_text,
    )

    @app.before_request
    def _enter() -> None:
        ctx.lock.acquire()
        g.console = ctx

    @app.teardown_request
    def _leave(exc) -> None:
        ctx.lock.release()

    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        # a liaison's link carries its token: never send it on to the sites it links to
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(400)
    def _bad_request(exc):
        # a form whose token no longer matches (signed in again in another tab, a page kept
        # open across sessions) or a value no form offers: Flask's page would be English
        return (
            render_template(
                "error.html",
                title="请求无效",
                message="页面已过期或提交的内容无效，未做任何操作。",
                reason=getattr(exc, "description", "") or "",
                back=True,
            ),
            400,
        )

    @app.errorhandler(500)
    def _server_error(exc):
        return (
            render_template(
                "error.html",
                title="系统出错",
                message="系统暂时无法完成该操作，请稍后重试；如仍出错，请联系网信办值班室。",
            ),
            500,
        )

    @app.errorhandler(404)
    def _not_found(exc):
        return render_template("error.html", title="页面不存在", message="没有这个页面。"), 404

    @app.errorhandler(405)
    def _not_allowed(exc):
        return render_template("error.html", title="操作无效", message="不支持该操作。"), 405

    @app.errorhandler(413)
    def _too_large(exc):
        return render_template("error.html", title="内容过长", message="提交的内容过长。"), 413

    from yuqing.console import auth, labels, liaison, search, staff

    app.register_blueprint(liaison.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(labels.bp)
    app.register_blueprint(search.bp)
    return app


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 分钟" if value < 120 else f"{value / 60:.1f} 小时"
