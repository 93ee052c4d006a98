"""``yuqing hot`` (the 热点问题表), ``yuqing events rebuild`` (consolidation) and ``yuqing events
report`` (the 舆情专报 on one event)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta

import click

from yuqing.errors import InputError
from yuqing.text import spreadsheet


def register(cli: click.Group) -> None:
    cli.add_command(hot)
    cli.add_command(events)


def _when(value: str | None, tzname: str, option: str, end: bool = False) -> datetime | None:
    """``YYYY-MM-DD`` (start of day; with ``end``, the start of the next day) or ISO 8601."""
    if not value:
        return None
    from datetime import date
    from zoneinfo import ZoneInfo

    from yuqing.timeutil import parse_iso

    try:
        d = date.fromisoformat(value.strip())
    except ValueError:
        try:
            return parse_iso(value, tzname)
        except ValueError:
            raise InputError(
                f"{option}: not a date: {value!r} (use YYYY-MM-DD or ISO 8601)"
            ) from None
    start = datetime.combine(d, time(0), ZoneInfo(tzname))
    return start + timedelta(days=1) if end else start


@click.command()
@click.option("--since", metavar="D", help="First day of the period (YYYY-MM-DD or ISO 8601).")
@click.option("--until", metavar="D", help="Last day of the period, inclusive (YYYY-MM-DD).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1), help="Rows.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--details", is_flag=True, help="Also the 热点问题留言明细表 (every message of each issue)."
)
@click.pass_context
def hot(ctx, since, until, top, fmt, details) -> None:
    """The 热点问题表: hot issues of a period ranked by hot index (热度指数).

    Columns: rank, issue id, hot index, time range, place/group, description (the issue's most
    central message), messages, distinct authors, likes — all counted over the period. The
    index and the ranking rules are in docs/nlp.md.

    \b
    Examples:
      yuqing hot --since 2019-01-01 --until 2019-12-31 --top 5
      yuqing hot --format csv --details > hot.csv
    """
    from yuqing.cli import load
    from yuqing.dashboards.hot_table import (
        DETAIL_COLUMNS,
        TABLE_COLUMNS,
        detail_rows,
        hot_rows,
    )
    from yuqing.hotindex import HotIndexWeights
    from yuqing.storage import open_store

    cfg = load(ctx)
    tz = cfg.settings.timezone
    start, end = _when(since, tz, "--since"), _when(until, tz, "--until", end=True)
    if start and end and start >= end:
        raise InputError("--since must be before --until")
    with open_store(cfg) as store:
        if start or end:  # only the period's posts (indexed), not the whole store
            posts = store.find_posts(
                start or datetime(1970, 1, 1, tzinfo=UTC),
                end or datetime(9999, 1, 1, tzinfo=UTC),
                axis="posted",
                closed="left",
            )
        else:
            posts = list(store.iter_posts())
        wanted = {p.event_id for p in posts if p.event_id}
        evs = [e for e in store.iter_events(since=start) if e.id in wanted]
    rows = hot_rows(
        evs,
        posts,
        since=start,
        until=end,
        top=top,
        weights=HotIndexWeights.from_settings(cfg.settings.nlp.hotness),
        source_weights={s.id: s.weight for s in cfg.sources.sources},
    )
    detail = detail_rows(rows, {p.id: p for p in posts}) if details else []
    if fmt == "json":
        out = {"issues": [r.as_dict() for r in rows]}
        if details:
            out["messages"] = [d.as_dict() for d in detail]
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([h for _, h in TABLE_COLUMNS])
        for r in rows:
            d = r.as_dict()
            w.writerow([spreadsheet(d[k]) for k, _ in TABLE_COLUMNS])
        if details:
            w.writerow([])
            w.writerow([h for _, h in DETAIL_COLUMNS])
            for m in detail:
                d = m.as_dict()
                w.writerow([spreadsheet(d[k]) for k, _ in DETAIL_COLUMNS])
        click.echo(buf.getvalue(), nl=False)
        return
    _print_table(rows, detail)


def _print_table(rows, detail) -> None:
    from yuqing.commands.alerts import pad

    if not rows:
        click.echo("本期无热点问题（no issues in this period）")
        return
    click.echo("热点问题表")
    widths = (4, 20, 8, 24, 24, 40, 6, 8, 6)
    heads = (
        "排名",
        "问题ID",
        "热度指数",
        "时间范围",
        "地点/人群",
        "问题描述",
        "留言",
        "留言人数",
        "点赞",
    )
    click.echo(" ".join(pad(h, w) for h, w in zip(heads, widths, strict=False)).rstrip())
    for r in rows:
        cells = (
            str(r.rank),
            r.issue_id,
            f"{r.hot_index:.2f}",
            r.time_range,
            _cut(r.place, 24),
            _cut(r.description, 40),
            str(r.messages),
            str(r.authors),
            str(r.likes),
        )
        click.echo(" ".join(pad(c, w) for c, w in zip(cells, widths, strict=False)).rstrip())
    if detail:
        click.echo("\n热点问题留言明细表")
        dwidths = (20, 42, 16, 40, 17, 6, 6)
        dheads = ("问题ID", "留言编号", "留言用户", "留言主题", "留言时间", "点赞", "反对")
        click.echo(" ".join(pad(h, w) for h, w in zip(dheads, dwidths, strict=False)).rstrip())
        for m in detail:
            dcells = (
                m.issue_id,
                m.message_id,
                _cut(m.author, 16),
                _cut(m.title, 40),
                f"{m.time:%Y-%m-%d %H:%M}",
                str(m.likes),
                str(m.dislikes),
            )
            click.echo(" ".join(pad(c, w) for c, w in zip(dcells, dwidths, strict=False)).rstrip())


def _cut(text: str, width: int) -> str:
    import unicodedata

    out, used = "", 0
    for ch in text.replace("\n", " "):
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width - 1:
            return out + "…"
        out, used = out + ch, used + w
    return out


@click.group()
def events() -> None:
    """Events (hot issues): consolidation, the 舆情专报 on one event.

    \b
    Examples:
      yuqing events rebuild --since 2026-01-01
      yuqing events report ev-d332f38de7039e13 --html zhuanbao.html
    """


@events.command("rebuild")
@click.option(
    "--since",
    metavar="D",
    help="Re-cluster posts from this day on (YYYY-MM-DD or ISO 8601; default: everything). "
    "Events those posts are in are re-clustered whole.",
)
@click.pass_context
def rebuild(ctx, since) -> None:
    """Consolidate events: re-cluster a period with scikit-learn, merge fragments.

    Also run nightly by `yuqing run` (nlp.events.rebuild_window, at nlp.events.rebuild_time).
    Event ids stay stable where membership is (docs/nlp.md); prints the counts as JSON.

    \b
    Example:
      yuqing events rebuild --since 2026-06-01
    """
    from yuqing.cli import load
    from yuqing.nlp.rebuild import consolidator_for, rebuild_events
    from yuqing.storage import open_store
    from yuqing.timeutil import now as _now

    cfg = load(ctx)
    start = _when(since, cfg.settings.timezone, "--since")
    with open_store(cfg) as store:
        stats = rebuild_events(store, consolidator_for(cfg), start, _now(cfg.settings.timezone))
    click.echo(json.dumps(stats, ensure_ascii=False))


@events.command("report")
@click.argument("event_id", metavar="ID")
@click.option("--note", default="", help="研判意见: the duty office's judgement, printed last.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the report as a self-contained HTML page (printable) to this file.",
)
@click.pass_context
def report(ctx, event_id, note, html_file) -> None:
    """The 舆情专报 on one event (or the event of a post), as plain text on stdout.

    事件概况, 传播态势 (channels, sources, messages per day), 情感倾向, 主要诉求与代表性信息,
    处置情况 (its alerts: level, lead unit, 签收 / 回应 / 办结, the replies) and 研判意见. The
    console's event page links the same report as a page.

    \b
    Example:
      yuqing events report ev-d332f38de7039e13 --note "建议人社局牵头约谈" --html zhuanbao.html
    """
    from pathlib import Path

    from yuqing.cli import load
    from yuqing.commands.args import event_of
    from yuqing.dashboards import event_report
    from yuqing.storage import open_store

    cfg = load(ctx)
    with open_store(cfg) as store:
        r = event_report.build(cfg, store, event_of(store, event_id), note=note)
    if html_file:
        try:
            Path(html_file).write_text(event_report.html(r), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--html: cannot write {html_file}: {exc.strerror}") from None
    click.echo(event_report.text(r), nl=False)
