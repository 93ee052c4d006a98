"""``yuqing config check``."""

from __future__ import annotations

import sys

import click

from yuqing.config import ConfigError


def register(cli: click.Group) -> None:
    cli.add_command(config)


@click.group()
def config() -> None:
    """Inspect and validate the configuration."""


@config.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate every configuration file; list each problem with file, key and hint
    (one line each; exit status 1 when there is any).

    \b
    Example:
      yuqing --config ./config config check
    """
    from yuqing.app.config import check_config

    directory = ctx.find_root().obj["config_dir"]
    try:
        cfg = check_config(directory)
        problems = []
    except ConfigError as exc:
        problems = exc.problems
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if len(problems) > 1:
        click.echo(f"{len(problems)} problems in {directory}", err=True)
    if problems:
        sys.exit(1)
    click.echo(
        f"ok: {cfg.dir} — {len(cfg.sources.sources)} sources, "
        f"{len(cfg.departments.departments)} departments, "
        f"{len(cfg.topics.categories)} categories, {len(cfg.topics.focus)} focus topics, "
        f"{len(cfg.rules.rules)} rules"
    )
