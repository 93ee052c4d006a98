"""The one Jinja environment factory for user-facing text (alert messages, digests).

HTML templates are autoescaped (crawled text is untrusted); text and markdown templates are
not (their callers clean what they insert). Undefined variables raise, so a template typo
fails a test instead of rendering an empty string.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2


@functools.cache
def environment(folder: Path) -> jinja2.Environment:
    """The environment for the templates in ``folder`` (one per folder, built once)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
