"""``yuqing export posts|events|alerts|feedback [--since ISO]``: JSONL with the contract
fields, posts also with their ``place`` (label feedback: every field)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click

from yuqing.models import Alert, Event, Feedback, Post, post_place


def register(cli: click.Group) -> None:
    cli.add_command(export)


@click.command()
@click.argument("what", type=click.Choice(["posts", "events", "alerts", "feedback", "accounts"]))
@click.option(
    "--since",
    metavar="ISO",
    help="Only records changed at or after this time "
    "(ISO 8601; without an offset the configured time zone is assumed).",
)
@click.option(
    "--all-fields",
    is_flag=True,
    help="Include extension fields "
    "(original text, evidence, tokens, ...), not only the contract fields.",
)
@click.pass_context
def export(ctx: click.Context, what: str, since: str | None, all_fields: bool) -> None:
    """Write posts, events, alerts, label feedback or the 政务新媒体 ledger (accounts: status
    now, weekly updates, warnings) as JSON Lines to stdout.

    \b
    Examples:
      yuqing export posts --since 2026-11-20T00:00:00+08:00 > posts.jsonl
      yuqing export alerts
    """
    from yuqing.cli import load
    from yuqing.errors import InputError
    from yuqing.storage import open_store
    from yuqing.timeutil import parse_iso

    cfg = load(ctx)
    try:
        since_dt = parse_iso(since, cfg.settings.timezone) if since else None
    except ValueError as exc:
        raise InputError(f"--since: not an ISO 8601 time: {since!r}") from exc
    with open_store(cfg) as store:
        if what == "accounts":
            from yuqing.alerts.ledger import ledger
            from yuqing.timeutil import now

            at = now(cfg.settings.timezone)
            for account in ledger(cfg, store, at):
                click.echo(
                    json.dumps({**account.to_dict(), "as_of": at.isoformat()}, ensure_ascii=False)
                )
            return
        records: Iterator[Post | Event | Alert | Feedback]
        if what == "posts":
            records = store.iter_posts(since=since_dt)
        elif what == "events":
            records = store.iter_events(since=since_dt)
        elif what == "alerts":
            records = store.iter_alerts(since=since_dt)
        else:
            records = store.iter_feedback(since=since_dt)
        for record in records:
            if all_fields or isinstance(record, Feedback):  # feedback has no contract form
                data = record.to_dict()
            else:
                data = record.contract_dict()
            if isinstance(record, Post):  # where it is about: what the digest counts it under
                data["place"] = post_place(record)
            click.echo(json.dumps(data, ensure_ascii=False))
