"""``yuqing alerts …`` (check, list, ack, resolve, level, raise, test, stats, outbox),
``yuqing run`` and ``yuqing cycle``. The work lives in ``alerts/`` and ``yuqing.app``; this module only parses
and prints."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from yuqing.commands.args import Bounded, event_of
from yuqing.errors import InputError, YuqingError
from yuqing.text import cell
from yuqing.timeutil import now as _now
from yuqing.timeutil import parse_iso


def register(cli: click.Group) -> None:
    cli.add_command(alerts)
    cli.add_command(run)
    cli.add_command(cycle)


def _cfg(ctx: click.Context):
    from yuqing.cli import load

    return load(ctx)


def _when(value: str | None, tzname: str, what: str):
    if not value:
        return None
    try:
        return parse_iso(value, tzname)
    except ValueError:
        raise InputError(
            f"{what}: not an ISO date/time: {value!r} (e.g. 2026-11-20T08:00)"
        ) from None


def _runtime(ctx: click.Context):
    from yuqing.app.jobs import runtime

    return runtime(_cfg(ctx))


def _preflight(ctx: click.Context):
    """The config, after opening (and closing) its store and outbox once: a command that runs
    many steps fails at the start, in one line, when they cannot be used."""
    with _runtime(ctx):
        pass
    return _cfg(ctx)


def _line(a) -> str:
    return (
        f"{a.id}  {a.level:<6} {a.status:<9} {a.created_at:%Y-%m-%d %H:%M}  {a.rule:<20} "
        f"{','.join(a.departments):<24} {cell(a.title, 40)}"
    )


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to a terminal width where CJK characters take two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    space = " " * max(width - used, 0)
    return space + text if right else text + space


@click.group()
def alerts() -> None:
    """Alert rules, delivery and the ack/resolve/level workflow.

    \b
    Example:
      yuqing alerts check && yuqing alerts list --status open
    """


@alerts.command("check")
@click.option("--rule", "rules", multiple=True, help="Only this rule id (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def check(ctx, rules, as_json) -> None:
    """Evaluate rules now; create, route and deliver alerts.

    \b
    Example:
      yuqing alerts check --rule work-safety-casualties
    """
    from yuqing.app.jobs import check_and_deliver

    with _runtime(ctx) as rt:
        out = check_and_deliver(rt, only=list(rules) or None)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        click.echo(
            f"{len(out['created'])} new alert(s), {out['suppressed']} suppressed; "
            f"{out['sent']} message(s) sent, {out['failed']} failed, {out['held']} held"
        )
    for problem in out["problems"]:
        click.echo(f"error: {problem}", err=True)
    for rule_id, what in out["failed_rules"].items():
        click.echo(f"error: rule {rule_id} failed: {what}", err=True)
    broken = [
        f"{n} {what}"
        for n, what in (
            (len(out["problems"]), "configuration problem(s)"),
            (len(out["failed_rules"]), "rule(s) failed"),
        )
        if n
    ]
    if out["failed"]:  # SMTP or a webhook down: queued, retried by the outbox
        broken.append(_undelivered(out["failed"], out["errors"]))
    if broken:
        fix = "; fix the files named above (`yuqing config check`)" if out["problems"] else ""
        raise YuqingError(f"alerts check: {' and '.join(broken)}; everything else ran{fix}")


def _undelivered(failed: int, errors) -> str:
    """Messages a run could not deliver (SMTP or a webhook down), said once per cause."""
    why = "; ".join(dict.fromkeys(errors))
    return (
        f"{failed} message(s) not delivered ({why}), kept in the outbox and retried "
        "(`yuqing alerts outbox`)"
    )


def _done(alert, report, what: str) -> None:
    """Print a decision's alert and its delivery pass; messages not delivered are an error
    after the fact (``what`` happened, the messages wait in the outbox)."""
    click.echo(_line(alert))
    click.echo(f"{report.sent} message(s) sent, {report.failed} failed, {report.held} held")
    if report.failed:
        raise YuqingError(f"{what}, but {_undelivered(report.failed, report.errors)}")


@alerts.command("list")
@click.option("--status", type=click.Choice(["open", "acked", "resolved", "escalated"]))
@click.option("--since", help="Created at or after (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="JSONL, exported alert fields.")
@click.pass_context
def list_(ctx, status, since, as_json) -> None:
    """List alerts, oldest first.

    \b
    Example:
      yuqing alerts list --status open --json
    """
    cfg = _cfg(ctx)
    with _runtime(ctx) as rt:
        for a in rt.store.iter_alerts(
            since=_when(since, cfg.settings.timezone, "--since"), status=status
        ):
            click.echo(
                json.dumps(
                    {**a.contract_dict(), "title": a.title, "summary": a.summary},
                    ensure_ascii=False,
                )
                if as_json
                else _line(a)
            )


def _transition(ctx, fn, ref, **kw) -> None:
    with _runtime(ctx) as rt:
        a = fn(rt.store, ref, rt.now(), **kw)
    click.echo(_line(a))


@alerts.command("ack")
@click.argument("alert_id")
@click.option("--by", help="Who acknowledges (name or department).")
@click.pass_context
def ack(ctx, alert_id, by) -> None:
    """Acknowledge an alert (签收). ID may be a unique prefix of 6+ characters.

    \b
    Example:
      yuqing alerts ack 6b49bc63f5 --by 张三
    """
    from yuqing.alerts.workflow import ack as do

    _transition(ctx, do, alert_id, by=by)


@alerts.command("resolve")
@click.argument("alert_id")
@click.option("--note", help="How it was handled (处置情况).")
@click.option("--by", help="Who resolves it.")
@click.pass_context
def resolve(ctx, alert_id, note, by) -> None:
    """Resolve an alert (办结).

    \b
    Example:
      yuqing alerts resolve 6b49bc63f5 --note "已约谈开发商，承诺月底交房"
    """
    from yuqing.alerts.workflow import resolve as do

    _transition(ctx, do, alert_id, note=note, by=by)


@alerts.command("level")
@click.argument("alert_id")
@click.argument("level", metavar="LEVEL")
@click.option("--reason", required=True, help="研判意见: why the level changes (required).")
@click.option("--by", help="Who decides (default: cli).")
@click.pass_context
def level(ctx, alert_id, level, reason, by) -> None:
    """Change an alert's level (研判): LEVEL is red, orange, yellow or blue.

    The deadlines follow the new level and the routed departments are told at once (a
    raise under the new level's tag, a lowering with a short notice).

    \b
    Example:
      yuqing alerts level 6b49bc63f5 red --reason "事态扩大，多家媒体转载"
    """
    from yuqing.alerts.handling import Actor, relevel
    from yuqing.alerts.workflow import find
    from yuqing.levels import CHOICES, LEVELS

    if level not in LEVELS:
        raise InputError(f"LEVEL: unknown level {level!r} (use {CHOICES})")
    with _runtime(ctx) as rt:
        now = rt.now()
        a = relevel(
            rt.engine, find(rt.store, alert_id), now, Actor(by or "cli", "cli"), level, reason
        )
        report = rt.deliverer.run_once(now)
    _done(a, report, "alerts level: the level was changed")


@alerts.command("raise")
@click.argument("subject_id", metavar="ID")
@click.option("--level", required=True, help="red, orange, yellow or blue.")
@click.option(
    "--note", required=True, help="报送说明: what the matter is and what to do (required)."
)
@click.option(
    "--department",
    "departments",
    multiple=True,
    help="Route to this department id instead of the routing rules (repeatable; lead first).",
)
@click.option("--by", help="Who raises it (default: cli).")
@click.pass_context
def raise_(ctx, subject_id, level, note, departments, by) -> None:
    """Raise an alert by hand (人工报送) about an event, or about the event of a post.

    Routed like the rules' alerts (or to --department), delivered at once, then handled like
    any alert. An event that has an unresolved alert is refused with that alert's id.

    \b
    Example:
      yuqing alerts raise ev-d332f38de7039e13 --level orange --note "涉及群体性讨薪，请核实"
    """
    from yuqing.alerts.handling import Actor
    from yuqing.alerts.manual import raise_alert
    from yuqing.levels import CHOICES, LEVELS

    if level not in LEVELS:
        raise InputError(f"--level: unknown level {level!r} (use {CHOICES})")
    with _runtime(ctx) as rt:
        event = event_of(rt.store, subject_id)
        now = rt.now()
        a = raise_alert(
            rt.engine, event, now, Actor(by or "cli", "cli"), level, note, list(departments)
        )
        report = rt.deliverer.run_once(now)
    _done(a, report, "alerts raise: the alert was raised")


@alerts.command("test")
@click.argument("rule_id")
@click.option("--at", "at", help="Evaluate as of this time (ISO 8601); default now.")
@click.option("--json", "as_json", is_flag=True, help="JSONL, one would-be alert a line.")
@click.pass_context
def test(ctx, rule_id, at, as_json) -> None:
    """Dry-run one rule over stored data: print what it would raise; nothing is written.

    \b
    Example:
      yuqing alerts test hot-events --at 2026-11-20T10:00
    """
    from yuqing.alerts.engine import Engine

    cfg = _cfg(ctx)
    with _runtime(ctx) as rt:
        when = _when(at, cfg.settings.timezone, "--at") or rt.now()
        decisions = Engine(cfg, rt.store, None, rt.settings).evaluate(when, only=[rule_id])
        for d in decisions:  # while the store is open: a match fills its details from it
            d.match.complete()  # a dry run shows suppressed matches whole too
    for d in decisions:
        a = d.alert
        if d.suppressed_by:
            state = f"suppressed by {d.suppressed_by}"
        elif d.stored:  # raised earlier in its window: a check sends nothing new
            state = f"already raised: {d.stored}" + (f" ({a.status})" if a else "")
        else:
            state = "would alert"
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "rule": rule_id,
                        "subject": d.match.subject,
                        "level": d.level,
                        "state": state,
                        "id": a.id if a else None,
                        "title": d.match.title,
                        "summary": d.match.summary,
                        "departments": a.departments if a else [],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            click.echo(
                f"{d.level:<6} {state:<34} {d.match.subject:<40} "
                f"{','.join(a.departments) if a else '-':<24} {cell(d.match.title, 40)}"
            )
    if not as_json:
        raised = sum(1 for d in decisions if d.stored and not d.suppressed_by)
        click.echo(
            f"{rule_id}: {sum(1 for d in decisions if d.alert and not d.stored)} alert(s) "
            f"would be raised, {raised} already raised, "
            f"{sum(1 for d in decisions if d.suppressed_by)} suppressed"
        )


@alerts.command("stats")
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=Bounded(1, 3660),
    help="Period: the last N days (1–3660).",
)
@click.option("--since", help="Period start (ISO 8601); overrides --days.")
@click.option("--until", help="Period end (ISO 8601); default now.")
@click.option("--json", "as_json", is_flag=True, help="JSON list, one object per department.")
@click.pass_context
def stats(ctx, days, since, until, as_json) -> None:
    """Response metrics per lead department: 签收率, on-time acks, 回应率, 回应精准率 (reached
    its lead unit directly: no 改派/转办 of the lead), 办结率, 处置有效率, median time to
    acknowledge.

    \b
    Example:
      yuqing alerts stats --since 2026-11-01 --until 2026-11-30
    """
    from yuqing.alerts.stats import department_stats

    cfg = _cfg(ctx)
    tzname = cfg.settings.timezone
    end = _when(until, tzname, "--until") or _now(tzname)
    start = _when(since, tzname, "--since") or end - timedelta(days=days)
    with _runtime(ctx) as rt:
        rows = department_stats(cfg, rt.store, rt.settings, start, end)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False))
        return
    click.echo(
        f"{'department':<18}{'alerts':>7}{'acked':>7}{'on time':>8}{'responded':>10}"
        f"{'resolved':>9}{pad('签收率', 9, right=True)}{pad('回应率', 9, right=True)}"
        f"{pad('精准率', 9, right=True)}{pad('办结率', 9, right=True)}{pad('处置有效率', 12, right=True)}{'median ack':>12}"
    )
    for r in rows:
        med = f"{r.median_ack_minutes:.0f} min" if r.median_ack_minutes is not None else "-"
        click.echo(
            f"{pad(r.name, 18)}{r.alerts:>7}{r.acked:>7}{r.acked_on_time:>8}{r.responded:>10}"
            f"{r.resolved:>9}{r.ack_rate:>9.0%}{r.response_rate:>9.0%}"
            f"{r.precision_rate:>9.0%}{r.resolve_rate:>9.0%}"
            f"{r.effective_rate:>12.0%}{med:>12}"
        )


@alerts.command("outbox")
@click.option("--status", type=click.Choice(["pending", "sent", "dead"]))
@click.option("--retry-dead", is_flag=True, help="Put dead rows back in the queue.")
@click.pass_context
def outbox(ctx, status, retry_dead) -> None:
    """Show the delivery outbox (one row per alert, department, channel and recipient).

    \b
    Example:
      yuqing alerts outbox --status dead --retry-dead
    """
    with _runtime(ctx) as rt:
        if retry_dead:
            click.echo(f"{rt.outbox.retry_dead(rt.now())} dead row(s) queued again")
            return
        for r in rt.outbox.rows(status=status):
            click.echo(
                f"{r.alert_id}  {r.kind:<10} {r.status:<7} {r.attempts:>2}  "
                f"{r.department:<14} {r.channel:<8} {r.recipient}  {r.last_error or ''}"
            )
        click.echo(" ".join(f"{k}={v}" for k, v in sorted(rt.outbox.counts().items())) or "empty")


@click.command()
@click.option("--no-crawl", is_flag=True, help="Do not schedule crawling (alerts only).")
@click.pass_context
def run(ctx, no_crawl) -> None:
    """Run the scheduler daemon (crawl, alert checks, delivery, escalation, rechecks, digest)
    until SIGTERM/SIGINT.

    \b
    Example:
      yuqing --config ./config run
    """
    from yuqing.app.scheduler import run as run_scheduler

    run_scheduler(_preflight(ctx), crawl=not no_crawl)


def _digest_summary(step: dict) -> str:
    """The digest step of a pass in words: what was sent, skipped, or that it failed (the
    reason is the command's ``error:`` line)."""
    if "error" in step:
        return "failed"
    if "skipped" in step:
        return f"skipped ({step['skipped']})"
    done = step.get("digest") or {}
    parts = []
    for key, r in done.items():
        if isinstance(r, dict):
            sent = len(r.get("sent", []))
            parts.append(f"{key} archived, sent to {sent} recipient(s)")
        else:
            parts.append(f"{key} {r}")
    return "; ".join(parts) or "nothing due"


@click.command()
@click.option("--no-crawl", is_flag=True, help="Skip the crawl step.")
@click.option("--json", "as_json", is_flag=True, help="Print the pass summary as JSON.")
@click.pass_context
def cycle(ctx, no_crawl, as_json) -> None:
    """One full pass: crawl, alerts check and delivery, escalations, rechecks, digest if due.

    \b
    Example:
      yuqing cycle --no-crawl
    """
    from yuqing.app.jobs import StepFailed
    from yuqing.app.jobs import cycle as do

    cfg = _preflight(ctx)
    out = do(str(cfg.dir), crawl=not no_crawl)  # PassLocked: one line from the CLI
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, default=str))
    else:
        a = out["alerts"]
        click.echo(
            f"alerts: {len(a['created'])} new, {a['sent']} message(s) sent, "
            f"{a['failed']} failed; escalated {len(out['escalated'])}; "
            f"rechecked {len(out['rechecked'])}"
            + (f"; digest: {_digest_summary(out['digest'])}" if "digest" in out else "")
        )
    if out["failed"]:
        reasons = {
            "crawl": lambda: out["crawl"]["error"],
            "alerts": lambda: (
                f"{out['alerts']['failed']} message(s) not delivered (retried later), "
                f"{len(out['alerts'].get('problems', [])) + len(out['alerts'].get('failed_rules', {}))}"
                " rule(s) skipped or failed"
            ),
            "digest": lambda: out["digest"]["error"],
        }
        raise StepFailed("; ".join(f"{step}: {reasons[step]()}" for step in out["failed"]))
