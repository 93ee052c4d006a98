"""``yuqing crawl``: one crawl pass over due (or named) sources."""

from __future__ import annotations

import json
import sys

import click


def register(cli: click.Group) -> None:
    cli.add_command(crawl)


@click.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="ID",
    help="Crawl this source now, due or not (repeatable).",
)
@click.option(
    "--json-summary",
    "json_out",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Also write the run summary as JSON to FILE (- for stdout).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress display (default: when stderr is a terminal).",
)
@click.pass_context
def crawl(
    ctx: click.Context, sources: tuple[str, ...], json_out: str | None, progress: bool | None
) -> None:
    """Crawl due sources (each source's `interval`), process and store new posts.

    Prints a summary per source: fetched, new, updated, unchanged, failed by reason. When
    the NLP stage cannot be loaded the posts are stored without analysis, the summary says
    why, and the exit status is 1. Interrupted (Ctrl-C, SIGTERM), it keeps what it fetched,
    leaves the unfinished sources due for the next crawl and exits with status 1.

    \b
    Examples:
      yuqing crawl
      yuqing crawl --source county-portal-news --source county-weibo
    """
    from yuqing.app.crawl_process import crawl_once
    from yuqing.cli import load
    from yuqing.crawlers.runner import check_interrupted, check_nlp

    cfg = load(ctx)
    mode = cfg.settings.crawl.progress
    if progress is None:
        progress = mode == "always" or (mode == "auto" and sys.stderr.isatty())
    summary = crawl_once(cfg, list(sources) or None, progress=progress)
    human = sys.stderr if json_out == "-" else sys.stdout
    if not summary.sources:
        click.echo(
            "nothing to crawl: no source is due"
            + (f" ({len(summary.skipped)} not due)" if summary.skipped else ""),
            file=human,
        )
    else:
        click.echo(summary.render(), file=human)
        click.echo(
            f"store: {cfg.settings.storage.backend} "
            f"{cfg.path(cfg.settings.storage.path) if cfg.settings.storage.backend == 'sqlite' else cfg.settings.storage.elasticsearch.url}",
            file=human,
        )
    if json_out:
        data = json.dumps(summary.as_dict(), ensure_ascii=False)
        if json_out == "-":
            click.echo(data)
        else:
            with open(json_out, "w", encoding="utf-8") as fh:
                fh.write(data + "\n")
    check_nlp(summary)
    check_interrupted(summary)
