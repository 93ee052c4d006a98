"""The one Jinja environment factory for user-facing text (alert messages, digests).

HTML templates are autoescaped (crawled text is untrusted); text and markdown templates are
not (their callers clean what they insert). Control characters never reach any of them. Undefined variables raise, so a template typo
fails a test instead of rendering an empty string.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
import markupsafe

from yuqing.text import shown


@functools.cache
def environment(folder: Path, limit: int | None = None) -> jinja2.Environment:
    """The environment for the templates in ``folder`` (one per folder, built once). Every
    value a template prints has control characters removed and, with ``limit``, is capped
    at that many characters (safe markup is left as it is)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=functools.partial(_printed, limit=limit),
    )


def _printed(value, limit: int | None):
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return shown(value, limit)
    return value
