"""``yuqing digest``: build, archive and (with ``--send``) mail the daily or weekly digest.
The work lives in ``dashboards/``; this module only parses and prints."""

from __future__ import annotations

from datetime import timedelta

import click

from yuqing.errors import InputError


def register(cli: click.Group) -> None:
    cli.add_command(digest)


def _period(date_value: str | None, week: str | None, tzname: str, today, month=None):
    from yuqing.dashboards.period import daily, monthly, parse_date, parse_month, parse_week

    if sum(x is not None for x in (date_value, week, month)) > 1:
        raise InputError("use one of --date, --week and --month")
    try:
        if month:
            if month in ("this", "last"):
                first = today.replace(day=1)
                if month == "last":
                    first = (first - timedelta(days=1)).replace(day=1)
                return monthly(first.year, first.month, tzname)
            return parse_month(month, tzname)
        if week:
            if week in ("this", "last"):
                monday = today - timedelta(days=today.weekday())
                if week == "last":
                    monday -= timedelta(days=7)
                return parse_week(monday.isoformat(), tzname)
            return parse_week(week, tzname)
        return daily(parse_date(date_value) if date_value else today, tzname)
    except ValueError as exc:
        raise InputError(str(exc)) from None


@click.command()
@click.option(
    "--date",
    "date_value",
    metavar="YYYY-MM-DD",
    help="Day of the daily digest (default: today, up to now).",
)
@click.option(
    "--week",
    metavar="W",
    help="Weekly digest instead: ISO week (2026-W47), a date in the week, 'this' or 'last'.",
)
@click.option(
    "--month",
    metavar="M",
    help="Monthly view (舆情月报) instead: YYYY-MM, 'this' or 'last'. "
    "Weekly and monthly digests carry the 热点问题表.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Write the HTML here (text beside it, .txt) instead of the archive (digest.out_dir).",
)
@click.option("--send", is_flag=True, help="Mail it to digest.recipients (each once).")
@click.option(
    "--resend",
    is_flag=True,
    help="With --send: send again to recipients who already received this digest.",
)
@click.option(
    "--to",
    "to",
    multiple=True,
    metavar="ADDR",
    help="With --send: these recipients instead of digest.recipients.",
)
@click.pass_context
def digest(ctx, date_value, week, month, out_file, send, resend, to) -> None:
    """Build the daily (舆情日报), weekly (舆情周报) or monthly (舆情月报) digest; print where
    it was written.

    \b
    Examples:
      yuqing digest                       # today so far, into var/digests/
      yuqing digest --date 2026-11-21 --send
      yuqing digest --week last --out week.html
      yuqing digest --month 2026-10
    """
    from pathlib import Path

    from yuqing.cli import load
    from yuqing.config.types import check_addresses
    from yuqing.dashboards.digest import archive, build, out_dir
    from yuqing.dashboards.mail import DigestDeliveryError
    from yuqing.dashboards.mail import send as send_digest
    from yuqing.storage import open_store
    from yuqing.timeutil import now as _now

    cfg = load(ctx)
    now = _now(cfg.settings.timezone)
    period = _period(date_value, week, cfg.settings.timezone, now.date(), month)
    if period.start > now:
        raise InputError(f"{period.label} has not started yet")
    if (resend or to) and not send:
        raise InputError("--resend and --to need --send")
    try:
        check_addresses(list(to))
    except ValueError as exc:
        raise InputError(f"--to: {exc}") from None
    with open_store(cfg) as store:
        rendered = build(cfg, store, period, now)
    path = archive(rendered, out_dir(cfg), Path(out_file) if out_file else None)
    click.echo(f"{rendered.subject}: {path}")
    click.echo(f"text: {path.with_suffix('.txt')}")
    if not send:
        return
    recipients = list(to) or cfg.settings.digest.recipients
    if not recipients:
        raise InputError("no recipients: set digest.recipients in settings.yaml or use --to")
    try:
        report = send_digest(cfg, rendered, recipients, resend=resend)
    except DigestDeliveryError as exc:
        for rcpt in exc.report.sent if exc.report else []:
            click.echo(f"sent: {rcpt}")
        raise
    for rcpt in report.sent:
        click.echo(f"sent: {rcpt}")
    for rcpt in report.skipped:
        click.echo(f"already sent (use --resend to send again): {rcpt}")
