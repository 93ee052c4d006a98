"""``yuqing reanalyze``: run the NLP stage again on stored posts."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    cli.add_command(reanalyze)


@click.command()
@click.option("--since", metavar="ISO", required=True, help="Posts changed at or after this time.")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every post of the period, not only those stored without analysis.",
)
@click.option("--source", "sources", multiple=True, metavar="ID", help="Only this source.")
@click.pass_context
def reanalyze(ctx: click.Context, since: str, everything: bool, sources: tuple[str, ...]) -> None:
    """Analyse stored posts (category, focus, negativity, reposts, events).

    By default only posts noted `not_analysed` (stored while the NLP stage could not load or
    failed); a crawl also analyses those of the sources it crawls. With --all, every post of
    the period is analysed again (e.g. after training a new model).

    \b
    Examples:
      yuqing reanalyze --since 2026-11-20
      yuqing reanalyze --since 2026-11-01 --all --source county-board
    """
    from yuqing.cli import load
    from yuqing.crawlers.runner import CrawlError, load_nlp
    from yuqing.crawlers.summary import CrawlSummary
    from yuqing.errors import InputError
    from yuqing.nlp.backfill import analyse_stored, pending
    from yuqing.storage import open_store
    from yuqing.timeutil import parse_iso

    cfg = load(ctx)
    try:
        since_dt = parse_iso(since, cfg.settings.timezone)
    except ValueError as exc:
        raise InputError(f"--since: not an ISO 8601 time: {since!r}") from exc
    summary = CrawlSummary()
    with open_store(cfg) as store:
        stage = load_nlp(cfg, store, summary=summary)
        if stage is None:
            raise CrawlError(f"the NLP stage could not be loaded: {summary.nlp_error}")
        done = 0
        for source_id in sources or [None]:
            posts = store.iter_posts(since=since_dt, source_id=source_id)
            done += analyse_stored(stage, store, list(posts if everything else pending(posts)))
        store.flush()
    click.echo(f"analysed {done} post(s)")
