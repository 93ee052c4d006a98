"""The ``yuqing`` command line. Commands live in ``yuqing/commands/``, one module per group.

Every command turns expected failures (bad config, bad input, unreachable servers) into a
one-line error and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from yuqing.app.logs import configure_logging
from yuqing.config import ConfigError

#: Command modules; each defines ``register(cli: click.Group)``.
COMMAND_MODULES = [
    "yuqing.commands.config_cmd",
    "yuqing.commands.crawl",
    "yuqing.commands.export",
    "yuqing.commands.demo",
    "yuqing.commands.nlp",
    "yuqing.commands.alerts",
    "yuqing.commands.digest",
    "yuqing.commands.kibana",
    "yuqing.commands.es",
    "yuqing.commands.events",
    "yuqing.commands.console_cmd",
]


class YuqingError(click.ClickException):
    """An expected failure: printed as one line, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", err=True)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"error: configuration: {exc}", err=True)
            if len(exc.problems) > 1:
                click.echo("run `yuqing config check` to see every problem", err=True)
            sys.exit(1)
        except (OSError, ValueError) as exc:
            if isinstance(exc, click.ClickException):
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_dir",
    envvar="YUQING_CONFIG",
    default="config",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Configuration directory (or $YUQING_CONFIG).",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, config_dir: str, verbose: int) -> None:
    """舆情哨兵 Yuqing Sentinel — public-opinion monitoring and response.

    \b
    Example:
      yuqing --config ./config crawl
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    configure_logging(level)
    ctx.ensure_object(dict)
    ctx.obj["config_dir"] = config_dir


for _name in COMMAND_MODULES:
    try:
        importlib.import_module(_name).register(cli)
    except ModuleNotFoundError as _exc:  # a command group not built yet
        if _exc.name != _name:
            raise


def load(ctx: click.Context):
    """The validated configuration for a command."""
    from yuqing.config import load_config

    obj = ctx.find_root().obj
    if "config" not in obj:
        obj["config"] = load_config(obj["config_dir"])
    return obj["config"]


def main() -> None:
    cli(prog_name="yuqing")


if __name__ == "__main__":
    main()
