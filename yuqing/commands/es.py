"""``yuqing es setup | retention | status``: the Elasticsearch backend's index layout."""

from __future__ import annotations

import click

from yuqing.timeutil import now as _now


def register(cli: click.Group) -> None:
    cli.add_command(es)


def _connect(ctx: click.Context):
    """(client, index names, settings, cfg) for the configured cluster."""
    from yuqing.cli import load
    from yuqing.storage.es_client import connect
    from yuqing.storage.es_schema import IndexNames

    cfg = load(ctx)
    settings = cfg.settings.storage.elasticsearch
    client = connect(settings, base_dir=cfg.path("."))
    return client, IndexNames(settings.index_prefix), settings, cfg


def _run(settings, fn):
    """Run ``fn`` and turn cluster failures into one-line errors."""
    from elasticsearch import ApiError, TransportError

    from yuqing.storage import StorageError
    from yuqing.storage.es_client import describe

    try:
        return fn()
    except (ApiError, TransportError) as exc:
        raise StorageError(f"elasticsearch at {settings.url}: {describe(exc)}") from None


@click.group()
def es() -> None:
    """Elasticsearch backend: index templates, rollover and retention."""


@es.command("setup")
@click.pass_context
def setup(ctx: click.Context) -> None:
    """Install or upgrade the index templates and create missing indices and aliases.

    Prints one line per template: created, updated or unchanged. Safe to repeat.

    \b
    Example:
      yuqing --config ./config es setup
    """
    from yuqing.storage import es_schema

    client, names, settings, _ = _connect(ctx)
    report = _run(settings, lambda: es_schema.install_templates(client, names))
    created = _run(settings, lambda: es_schema.ensure_indices(client, names))
    for name, change in report.items():
        click.echo(f"template {name}: {change}")
    for index in created:
        click.echo(f"index {index}: created")


@es.command("retention")
@click.option("--dry-run", is_flag=True, help="Only list the indices that would be deleted.")
@click.option(
    "--rollover/--no-rollover",
    default=True,
    show_default=True,
    help="Roll write indices over first when a rollover condition holds.",
)
@click.option("--force-rollover", is_flag=True, help="Roll every write index over now.")
@click.pass_context
def retention(ctx: click.Context, dry_run: bool, rollover: bool, force_rollover: bool) -> None:
    """Apply retention now: roll over, then delete rolled-over indices whose newest document
    is older than storage.elasticsearch.retention_days.

    \b
    Example:
      yuqing --config ./config es retention --dry-run
    """
    from yuqing.storage import es_schema

    client, names, settings, cfg = _connect(ctx)
    if (rollover or force_rollover) and not dry_run:
        rolled = _run(settings, lambda: es_schema.rollover(client, names, force=force_rollover))
        for kind, index in rolled.items():
            if index:
                click.echo(f"rolled over {names.write(kind)} -> {index}")
    now = _now(cfg.settings.timezone)
    old = _run(
        settings,
        lambda: es_schema.apply_retention(
            client, names, settings.retention_days, now, dry_run=dry_run
        ),
    )
    verb = "would delete" if dry_run else "deleted"
    for index in old:
        click.echo(f"{verb} {index}")
    click.echo(f"retention {settings.retention_days} days: {len(old)} index(es) {verb}")


@es.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Indices behind each alias with document counts, and writes waiting in the spool.

    \b
    Example:
      yuqing --config ./config es status
    """
    from yuqing.storage import es_schema
    from yuqing.storage.elastic import spool_path_for
    from yuqing.storage.es_spool import Spool

    client, names, settings, cfg = _connect(ctx)
    spool_file = spool_path_for(cfg.path(cfg.settings.storage.path))
    if spool_file.exists():
        spool = Spool(spool_file)
        click.echo(f"spool {spool_file}: {len(spool)} write(s) waiting")
        spool.close()
    for kind in es_schema.KINDS:
        indices = _run(settings, lambda k=kind: es_schema.concrete_indices(client, names, k))
        for index in indices:
            count = _run(settings, lambda i=index: client.count(index=i)["count"])
            click.echo(f"{names.read(kind)}  {index}  {count} docs")
        if not indices:
            click.echo(f"{names.read(kind)}  (none; run `yuqing es setup`)")
