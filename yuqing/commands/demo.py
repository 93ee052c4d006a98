"""``yuqing demo``: the offline end-to-end run. The wiring is :mod:`yuqing.app.demo`; this
module only parses and prints."""

from __future__ import annotations

from pathlib import Path

import click


def register(cli: click.Group) -> None:
    cli.add_command(demo)


@click.command()
@click.option(
    "--out",
    "out_dir",
    default="var/demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the demo writes everything.",
)
@click.option(
    "--storage",
    type=click.Choice(["sqlite", "elasticsearch"]),
    default="sqlite",
    show_default=True,
    help="Where the demo stores what it collects.",
)
@click.option(
    "--es-url",
    default="http://127.0.0.1:9200",
    show_default=True,
    help="Elasticsearch URL for --storage elasticsearch (fills the indices the "
    "Kibana saved objects use).",
)
@click.option(
    "--serve/--no-serve",
    default=False,
    help="Keep serving the response console (and the mail sink) after the run, until Ctrl-C.",
)
@click.pass_context
def demo(ctx: click.Context, out_dir: str, storage: str, es_url: str, serve: bool) -> None:
    """Offline end-to-end run: serve the demo sites on 127.0.0.1, crawl them into a fresh
    embedded store (with NLP), raise and deliver alerts to a local mail sink, write and send
    the daily digest, and print where everything is.

    \b
    Examples:
      yuqing demo --out var/demo --serve
      yuqing demo --storage elasticsearch --es-url http://127.0.0.1:9200
    """
    import logging

    from yuqing.app.demo import run_demo
    from yuqing.app.logs import configure_logging

    if logging.getLogger().level >= logging.WARNING:
        # the demo sites break on purpose; the summary lists every failure by reason
        configure_logging(logging.CRITICAL)
    r = run_demo(
        Path(ctx.find_root().obj["config_dir"]).resolve(),
        Path(out_dir).resolve(),
        es_url if storage == "elasticsearch" else None,
        serve=_print_and_serve if serve else None,
    )
    if not serve:
        _print(r, serve=False)


def _print_and_serve(r, cfg) -> None:
    from yuqing.app.demo import serve_console

    _print(r, serve=True)
    serve_console(
        cfg, lambda url: click.echo(f"serving the console at {url}/ — press Ctrl-C to stop")
    )


def _print(r, serve: bool) -> None:
    from yuqing.levels import NAMES

    click.echo(f"demo sites:  {r.sites_url}/  ({r.sources} sources)")
    click.echo(f"mail sink:   smtp://127.0.0.1:{r.smtp_port} → {r.mail_dir}")
    click.echo("")
    click.echo(r.crawl_summary)
    click.echo("")
    click.echo(f"posts stored:   {r.posts}    events: {r.events}    alerts: {r.alerts}")
    if r.alerts:
        click.echo(
            "alerts by level: "
            + ", ".join(f"{NAMES.get(k, k)} {v}" for k, v in r.alert_levels.most_common())
        )
    if r.failed_deliveries:
        click.echo(f"alert deliveries failed: {r.failed_deliveries} (see yuqing alerts outbox)")
    click.echo(f"mail received:  {len(r.messages)} message(s) in {r.mail_dir}")
    for msg in r.messages[:12]:
        click.echo(f"  → {msg['To']}: {msg['Subject']}")
    if len(r.messages) > 12:
        click.echo(f"  … and {len(r.messages) - 12} more")
    click.echo("")
    click.echo(f"store:          {r.store}")
    if r.digest:
        click.echo(f"digest:         {r.digest}")
    click.echo(f"config used:    {r.config_dir}")
    click.echo(f"try:            yuqing --config {r.config_dir} alerts list")
    click.echo(f"                yuqing --config {r.config_dir} export posts")
    _print_console(r, serve)


def _print_console(r, serve: bool) -> None:
    import re

    c = r.console
    click.echo("")
    click.echo(f"console:        {c.url}/")
    origin = "generated for this run" if c.generated else "from $YUQING_DEMO_PASSWORD"
    click.echo(f"sign in:        {c.username} / {c.password}   ({origin})")
    for msg in r.messages:  # a liaison's link, as the first alert e-mail carries it
        body = msg.get_body(("plain",))
        found = re.search(r"处置页面[^：]*：(\S+)", body.get_content()) if body else None
        if found:
            click.echo(f"liaison link:   {found.group(1)}  ({msg['To']})")
            break
    if not serve:
        click.echo(
            f"serve it:       set -a; . {c.env_file}; set +a; yuqing --config {r.config_dir} serve"
        )
