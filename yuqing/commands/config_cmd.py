"""``yuqing config check``."""

from __future__ import annotations

import sys

import click

from yuqing.config import ConfigError, load_config


def register(cli: click.Group) -> None:
    cli.add_command(config)


@click.group()
def config() -> None:
    """Inspect and validate the configuration."""


@config.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate every configuration file; list each problem with file, key and hint.

    \b
    Example:
      yuqing --config ./config config check
    """
    directory = ctx.find_root().obj["config_dir"]
    try:
        cfg = load_config(directory)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {directory}", err=True)
        sys.exit(1)
    try:
        from yuqing.alerts.rules import validate as validate_rules
    except ImportError:  # alerts not installed
        rule_problems = []
    else:
        rule_problems = validate_rules(cfg)
    if rule_problems:
        for problem in rule_problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(rule_problems)} problem(s) in {directory}", err=True)
        sys.exit(1)
    click.echo(
        f"ok: {cfg.dir} — {len(cfg.sources.sources)} sources, "
        f"{len(cfg.departments.departments)} departments, "
        f"{len(cfg.topics.categories)} categories, {len(cfg.topics.focus)} focus topics, "
        f"{len(cfg.rules.rules)} rules"
    )
