"""``yuqing serve`` (the response console) and ``yuqing console hash-password``."""

from __future__ import annotations

import signal
import sys

import click


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(console)


@click.command()
@click.option("--host", help="Address to listen on (default console.host, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default console.port, 8765).")
@click.pass_context
def serve(ctx, host, port) -> None:
    """Serve the response console: liaisons act on alerts through the signed links in their
    messages, duty staff sign in. Needs $YUQING_CONSOLE_SECRET. Stops on Ctrl-C/SIGTERM.

    \b
    Example:
      YUQING_CONSOLE_SECRET=... yuqing serve --host 0.0.0.0 --port 8765
    """
    from yuqing.cli import load
    from yuqing.console.server import ConsoleServer
    from yuqing.storage import open_store

    cfg = load(ctx)
    store = open_store(cfg)
    try:
        server = ConsoleServer(cfg, store, host=host, port=port)  # ConsoleSetupError: one line
    except BaseException:
        store.close()
        raise
    click.echo(f"console: {server.url}/  (staff sign-in: {server.url}/login)")
    if not cfg.settings.console.base_url:
        click.echo("warning: console.base_url is not set: alert messages carry no links", err=True)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        store.close()


@click.group()
def console() -> None:
    """Response console accounts.

    \b
    Example:
      yuqing console hash-password < password.txt
    """


@console.command("hash-password")
def hash_password() -> None:
    """Read a password on stdin (or a prompt) and print its scrypt hash for console.users.

    \b
    Example:
      yuqing console hash-password
    """
    from yuqing.console.passwords import hash_password as make
    from yuqing.errors import InputError

    if sys.stdin.isatty():
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        click.echo(make(password))
    except ValueError as exc:
        raise InputError(str(exc)) from None
