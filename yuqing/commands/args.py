"""Option types that turn out-of-range input into one line naming the allowed range, and the
lookup of an ``ID`` argument that names an event or a post standing for its event."""

from __future__ import annotations

import click

from yuqing.errors import InputError


class Bounded(click.ParamType):
    """A whole number in ``[low, high]``; anything else is a one-line error."""

    name = "integer"

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                raise InputError(f"{_name(param)}: not a whole number: {value!r}") from None
        if not self.low <= number <= self.high:
            raise InputError(
                f"{_name(param)}: {number} is out of range (allowed {self.low}–{self.high})"
            )
        return number


def _name(param) -> str:
    return param.opts[0] if param is not None and param.opts else "value"


def event_of(store, ref: str):
    """The event ``ref`` names, or the event of the post ``ref`` names (``yuqing alerts raise``,
    ``yuqing events report``); a one-line error when there is none."""
    event = store.get_event(ref)
    if event is None:
        post = store.get_post(ref)
        if post is not None and post.event_id:
            event = store.get_event(post.event_id)
    if event is None:
        raise InputError(f"ID: no event or post {ref!r} with an event in the store")
    return event
