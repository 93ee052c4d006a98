"""Label feedback: a message's page (``/posts/<id>``) where duty staff correct its category,
focus topics or negativity. Corrections are stored (``Store.add_feedback``), exported
(``yuqing export feedback``) and used by ``yuqing train --with-feedback``."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, redirect, render_template, request, url_for

from yuqing.alerts.evidence import message, source_names
from yuqing.console.auth import current, staff_required
from yuqing.console.context import console
from yuqing.console.forms import text
from yuqing.models import Feedback, post_place

bp = Blueprint("labels", __name__)


@functools.cache
def _labels(model_path: str | None) -> tuple[str, ...]:
    from yuqing.nlp.train import load_model

    return tuple(load_model(model_path).labels)


def category_labels() -> tuple[str, ...]:
    c = console()
    path = c.cfg.settings.model.path
    return _labels(str(c.cfg.path(path)) if path else None)


@bp.get("/posts/<post_id>")
@staff_required
def post_page(post_id: str):
    c = console()
    post = c.store.get_post(post_id)
    if post is None:
        abort(404)
    names = source_names(c.cfg)
    corrections = [f for f in c.store.iter_feedback() if f.post_id == post_id]
    return render_template(
        "staff_post.html",
        post=post,
        m=message(post, names),
        categories=category_labels(),
        focus_topics=c.cfg.topics.focus,
        focus_names={t.id: t.name for t in c.cfg.topics.focus},
        corrections=corrections,
        done=request.args.get("ok"),
        place=post_place(post),
    )


@bp.post("/posts/<post_id>/feedback")
@staff_required
def feedback(post_id: str):
    c = console()
    post = c.store.get_post(post_id)
    if post is None:
        abort(404)
    category = text("category", 64) or None
    if category is not None and category not in category_labels():
        abort(400, description="category")
    known_focus = {t.id for t in c.cfg.topics.focus}
    focus = [f for f in request.form.getlist("focus") if f in known_focus]
    negative = {"yes": True, "no": False}.get(request.form.get("negative", ""))
    change_focus = request.form.get("focus_changed") == "1" and set(focus) != set(post.focus)
    if category == post.category:
        category = None
    if category is None and not change_focus and negative is None:
        return redirect(url_for("labels.post_page", post_id=post_id, ok="none"), code=303)
    user = current()
    now = c.now()
    c.store.add_feedback(
        Feedback(
            id=Feedback.make_id(post_id, now),
            post_id=post_id,
            created_at=now,
            by=user.name or user.username,
            title=post.title,
            text=post.text,
            category=category,
            focus=focus if change_focus else None,
            negative=negative,
            was={"category": post.category, "focus": post.focus, "sentiment": post.sentiment},
            note=text("note", 500),
        )
    )
    c.store.flush()
    return redirect(url_for("labels.post_page", post_id=post_id, ok="saved"), code=303)
