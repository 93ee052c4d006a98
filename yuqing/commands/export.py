"""``yuqing export posts|events|alerts [--since ISO]``: JSONL with the contract fields."""

from __future__ import annotations

import json

import click


def register(cli: click.Group) -> None:
    cli.add_command(export)


@click.command()
@click.argument("what", type=click.Choice(["posts", "events", "alerts"]))
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
    """Write posts, events or alerts as JSON Lines to stdout.

    \b
    Examples:
      yuqing export posts --since 2026-11-20T00:00:00+08:00 > posts.jsonl
      yuqing export alerts
    """
    from yuqing.cli import YuqingError, load
    from yuqing.storage import open_store
    from yuqing.timeutil import parse_iso

    cfg = load(ctx)
    try:
        since_dt = parse_iso(since, cfg.settings.timezone) if since else None
    except ValueError as exc:
        raise YuqingError(f"--since: not an ISO 8601 time: {since!r}") from exc
    with open_store(cfg) as store:
        records = {
            "posts": store.iter_posts,
            "events": store.iter_events,
            "alerts": store.iter_alerts,
        }[what](since=since_dt)
        for record in records:
            data = record.to_dict() if all_fields else record.contract_dict()
            click.echo(json.dumps(data, ensure_ascii=False))
