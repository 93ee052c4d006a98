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
        problems: list = model_problems(cfg)  # the model files, once the rest is valid
    except ConfigError as exc:
        problems = exc.problems
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if len(problems) > 1:
        click.echo(f"{len(problems)} problems in {directory}", err=True)
    if problems:
        sys.exit(1)
    for warning in config_warnings(cfg):
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"ok: {cfg.dir} — {len(cfg.sources.sources)} sources, "
        f"{len(cfg.departments.departments)} departments, "
        f"{len(cfg.topics.categories)} categories, {len(cfg.topics.focus)} focus topics, "
        f"{len(cfg.rules.rules)} rules"
    )


def config_warnings(cfg) -> list[str]:
    """A valid configuration that does nothing an operator would expect: no enabled source
    (nothing is crawled), no enabled rule (no alert is ever raised) — a missing file reads as
    empty, so a ``rules.yaml`` left out of a deployment passed as "ok … 0 rules"."""
    out = []
    for name, entries, what in (
        ("sources.yaml", cfg.sources.sources, "no enabled source: nothing will be crawled"),
        ("rules.yaml", cfg.rules.rules, "no enabled rule: no alert will be raised"),
    ):
        if not any(x.enabled for x in entries):
            missing = "" if (cfg.dir / name).exists() else " (file not found)"
            out.append(f"{name}{missing}: {what}")
    return out


def model_problems(cfg) -> list[str]:
    """Load the model files the NLP stage will need (``model.path``,
    ``nlp.sentiment_model``): a missing or damaged one is a problem now, not at crawl time."""
    from yuqing.nlp.analyzer import load_sentiment_model
    from yuqing.nlp.errors import NLPError
    from yuqing.nlp.train import load_model

    checks = [
        ("model.path", cfg.settings.model.path, load_model),
        ("nlp.sentiment_model", cfg.settings.nlp.sentiment_model, load_sentiment_model),
    ]
    problems = []
    for key, value, loader in checks:
        try:
            loader(cfg.path(value) if value else None)
        except (NLPError, OSError, ValueError) as exc:
            problems.append(f"settings.yaml: {key}: {str(exc).splitlines()[0]}")
    return problems
