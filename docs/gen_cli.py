"""Generate docs/cli.md from the commands' own --help (run after changing a command):

.venv/bin/python docs/gen_cli.py > docs/cli.md
"""

from __future__ import annotations

import click

from yuqing.cli import cli


def walk(cmd: click.Command, path: list[str]):
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            yield from walk(cmd.commands[name], [*path, name])


def render() -> str:
    out = [
        "# Command reference",
        "",
        "Generated from `--help` by `docs/gen_cli.py`; "
        "`tests/app/test_docs.py` fails when this page is out of date.",
        "",
    ]
    for path, cmd in walk(cli, ["yuqing"]):
        # every command inherits the root's context settings (e.g. -h) when really run
        with click.Context(
            cmd,
            info_name=" ".join(path),
            terminal_width=88,
            max_content_width=88,
            **cli.context_settings,
        ) as ctx:
            out += [f"## `{' '.join(path)}`", "", "```text", cmd.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
