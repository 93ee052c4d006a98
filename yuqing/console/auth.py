"""Duty-staff sign-in: accounts from ``console.users`` (scrypt hashes), a server-side
session (``state.py``) in an HttpOnly, SameSite=Lax cookie, a per-session CSRF token in every
form, and throttling: after ``console.login_attempts`` failures within ``login_window`` for an
account or an address, sign-in is refused (without checking the password) until it passes."""

from __future__ import annotations

import functools
import secrets

from flask import Blueprint, g, make_response, redirect, render_template, request, url_for

from yuqing.console.context import client_address, console
from yuqing.console.forms import check_csrf, text
from yuqing.console.passwords import DUMMY_HASH, verify_password

bp = Blueprint("auth", __name__)
COOKIE = "yuqing_session"
LOGIN_COOKIE = "yuqing_login"  # double-submit CSRF token for the sign-in form


def _secure() -> bool:
    base = console().settings.base_url or ""
    return base.startswith("https://")


def current():
    """The signed-in user (a ConsoleUser) or None."""
    if "user" not in g:
        c = console()
        session = c.state.get(request.cookies.get(COOKIE), c.now().timestamp())
        users = {u.username: u for u in c.settings.users}
        g.user = users.get(session.username) if session else None
        g.csrf = session.csrf if session and g.user else ""
    return g.user


def staff_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current() is None:
            return redirect(url_for("auth.login", next=request.path))
        if request.method == "POST":
            check_csrf(g.csrf)
        return view(*args, **kwargs)

    return wrapped


def _login_page(error: str | None = None, status: int = 200):
    token = secrets.token_urlsafe(24)
    response = make_response(
        render_template("login.html", error=error, csrf=token, next=_next()), status
    )
    response.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=_secure(), max_age=3600
    )
    return response


def _next() -> str:
    target = request.values.get("next") or "/"
    return target if target.startswith("/") and not target.startswith("//") else "/"


@bp.get("/login")
def login():
    return _login_page()


@bp.post("/login")
def login_post():
    c = console()
    check_csrf(request.cookies.get(LOGIN_COOKIE, ""))
    username, password = text("username", 64), request.form.get("password", "")
    address = client_address()
    keys = [f"user:{username.lower()}", f"addr:{address}"]
    now = c.now().timestamp()
    window = int(c.settings.login_window.total_seconds())
    if c.state.failures(keys, now, window) >= c.settings.login_attempts:
        minutes = max(window // 60, 1)
        return _login_page(f"登录失败次数过多，请 {minutes} 分钟后再试。", 429)
    user = next((u for u in c.settings.users if u.username == username), None)
    ok = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if user is None or not ok:
        c.state.fail(keys, now)
        return _login_page("用户名或密码错误。", 401)
    c.state.clear([keys[0]])
    c.state.end(request.cookies.get(COOKIE))  # never keep a session id from before sign-in
    session_id = c.state.create(user.username, now, address)
    response = redirect(_next(), code=303)
    response.set_cookie(
        COOKIE,
        session_id,
        httponly=True,
        samesite="Lax",
        secure=_secure(),
        max_age=int(c.settings.session_ttl.total_seconds()),
    )
    response.delete_cookie(LOGIN_COOKIE)
    return response


@bp.post("/logout")
@staff_required
def logout():
    console().state.end(request.cookies.get(COOKIE))
    response = redirect(url_for("auth.login"), code=303)
    response.delete_cookie(COOKIE)
    return response
