"""The ``yuqing`` command line. Commands live in ``yuqing/commands/``, one module per group.

Errors: every expected failure is a :class:`~yuqing.errors.YuqingError` (bad configuration or
input, an unreadable store, a damaged model, an unreachable server). The group catches it once
and prints ``error: <what>: <message>`` — one line naming what and where — and exits with
status 1; ``-v`` prints the traceback above that line. Any other exception is a programming
error and keeps its traceback. Click's own usage errors exit with status 2.
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback

import click

from yuqing.app.logs import configure_logging
from yuqing.errors import YuqingError

#: Command modules; each defines ``register(cli: click.Group)``.
COMMAND_MODULES = [
    "yuqing.commands.config_cmd",
    "yuqing.commands.crawl",
    "yuqing.commands.sources",
    "yuqing.commands.reanalyze",
    "yuqing.commands.export",
    "yuqing.commands.demo",
    "yuqing.commands.nlp",
    "yuqing.commands.alerts",
    "yuqing.commands.digest",
    "yuqing.commands.kibana",
    "yuqing.commands.es",
    "yuqing.commands.events",
    "yuqing.commands.console_cmd",
    "yuqing.commands.worker",
    "yuqing.commands.status",
]


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except YuqingError as exc:
            report(exc, verbose=bool((ctx.obj or {}).get("verbose")))
            sys.exit(1)


def report(exc: YuqingError, verbose: bool = False) -> None:
    """The CLI's error output: the traceback when ``verbose``, then one line."""
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"error: {exc.line()}", err=True)


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
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="More logging (-vv for debug); tracebacks for errors too.",
)
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
    ctx.obj["verbose"] = verbose


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(cli)


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
