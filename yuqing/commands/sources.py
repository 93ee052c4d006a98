"""``yuqing sources``: every configured source with its crawl health and backlog."""

from __future__ import annotations

import json

import click


def register(cli: click.Group) -> None:
    cli.add_command(sources)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """List the sources: last crawl, health, posts stored, and list pages still owed.

    A source whose last crawl could not walk its lists down to items already stored (an
    HTTP error half-way, a kill, a board deeper than `max_pages`) keeps a backlog; later
    crawls continue there until nothing is missing (see docs/crawling.md).

    \b
    Examples:
      yuqing sources
      yuqing sources --json | jq 'select(.gaps > 0)'
    """
    from yuqing.cli import load
    from yuqing.crawlers.backlog import describe, pending
    from yuqing.storage import open_store

    cfg = load(ctx)
    rows = []
    with open_store(cfg) as store:
        for source in cfg.sources.sources:
            state = store.get_source_state(source.id)
            rows.append(
                {
                    "id": source.id,
                    "kind": source.kind,
                    "enabled": source.enabled,
                    "interval": str(source.interval),
                    "last_crawl_at": _time(state.last_crawl_at),
                    "last_new_at": _time(state.last_new_at),
                    "healthy": state.healthy,
                    "consecutive_failures": state.consecutive_failures,
                    "last_error": state.last_error,
                    "posts": store.count_posts(source.id),
                    "gaps": len(pending(state.backlog)),
                    "backlog": describe(state.backlog),
                }
            )
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(
        f"{'source':<28}{'kind':<6}{'every':>6}  {'last crawl':<17}{'health':<10}{'posts':>7}"
    )
    for r in rows:
        health = ("ok" if r["healthy"] else "UNHEALTHY") if r["last_crawl_at"] else "-"
        if not r["enabled"]:
            health = "disabled"
        click.echo(
            f"{r['id']:<28}{r['kind']:<6}{r['interval']:>6}  {r['last_crawl_at'] or 'never':<17}"
            f"{health:<10}{r['posts']:>7}"
        )
    for r in rows:
        if r["backlog"]:
            click.echo(f"backlog {r['id']}: {r['backlog']}")
        if r["last_error"] and r["consecutive_failures"]:
            click.echo(f"failing {r['id']}: {r['consecutive_failures']}× — {r['last_error']}")


def _time(value) -> str | None:
    return f"{value:%Y-%m-%d %H:%M}" if value else None
