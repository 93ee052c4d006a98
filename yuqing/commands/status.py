"""``yuqing status``: is it working — the daemon, its jobs, the sources, delivery, alerts and
the digest, as text, JSON or Prometheus metrics (``yuqing.app.health``)."""

from __future__ import annotations

import json

import click


def register(cli: click.Group) -> None:
    cli.add_command(status)


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "prometheus"]),
    default="text",
    show_default=True,
    help="prometheus: the text format, for the node exporter's textfile collector.",
)
@click.pass_context
def status(ctx: click.Context, fmt: str) -> None:
    """Is it working? The daemon's heartbeat and each job's last success and error, sources
    failing or not crawled for three intervals, messages waiting or dead in the outbox,
    alerts past their 签收时限, the last digest sent, posts collected in the last 24 hours.

    Exits 1 when there is a problem (each is listed), so it can be a monitoring check. Run it
    on the machine that runs `yuqing run`: the job record is in var_dir/jobs.db there. On a
    cluster it also shows, from Redis, the node holding the leader lease, each crawl worker's
    heartbeat and the frontier's queue, from any node.

    \b
    Examples:
      yuqing status
      yuqing status --format prometheus > /var/lib/node_exporter/textfile/yuqing.prom
    """
    from yuqing.app.health import status as gather
    from yuqing.app.jobs import runtime
    from yuqing.cli import load

    cfg = load(ctx)
    with runtime(cfg) as rt:
        s = gather(cfg, rt.store, rt.outbox, rt.now())
    if fmt == "json":
        click.echo(json.dumps(s.as_dict(), ensure_ascii=False, default=str))
    elif fmt == "prometheus":
        click.echo(prometheus(s), nl=False)
    else:
        click.echo(text(s))
    if s.problems:
        ctx.exit(1)


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"


def text(s) -> str:
    d = s.daemon
    lines = [
        f"daemon: {'running' if d['running'] else 'NOT RUNNING'}"
        + (
            f" (pid {d['pid']}, started {d['started_at']}, heartbeat {_ago(d['heartbeat_age_s'])})"
            if d["started_at"]
            else ""
        ),
    ]
    for j in s.jobs:
        state = "FAILING" if j["failing"] else "ok"
        lines.append(
            f"  job {j['job_id']:<20} {state:<8} runs {j['runs']}, failures {j['failures']}, "
            f"last ok {j['last_ok'] or '—'}"
            + (f", last error {j['last_error_at']}: {j['last_error']}" if j["failing"] else "")
        )
    bad = [x for x in s.sources if not x["healthy"] or x["late"]]
    lines.append(f"sources: {len(s.sources) - len(bad)} of {len(s.sources)} fine")
    for x in bad:
        why = "unhealthy: " + (x["last_error"] or "?") if not x["healthy"] else "late"
        lines.append(f"  {x['id']}: {why} (last crawl {x['last_crawl_at'] or 'never'})")
    out = " ".join(f"{k}={v}" for k, v in sorted(s.outbox.items())) or "empty"
    if s.oldest_pending_s is not None:
        out += f", oldest pending queued {_ago(s.oldest_pending_s)}"
    lines.append(f"outbox: {out}")
    lines.append(
        f"alerts: {s.alerts_unresolved} unresolved, {s.alerts_overdue_ack} past their 签收时限"
    )
    lines.append(f"digest: last sent {s.last_digest_at or 'never'}")
    lines.append(f"posts collected in the last 24 h: {s.posts_day}")
    if s.cluster is not None:
        lines += _cluster_lines(s.cluster)
    lines.append(
        f"{len(s.problems)} problem(s)" + "".join(f"\n  - {p}" for p in s.problems)
        if s.problems
        else "no problems"
    )
    return "\n".join(lines)


def _cluster_lines(c: dict) -> list[str]:
    if c["redis"] != "ok":
        return ["cluster: Redis unreachable"]
    left = f" (lease {c['lease_left_s']:.0f} s left)" if c["lease_left_s"] is not None else ""
    alive = sum(w["alive"] for w in c["workers"])
    lines = [
        f"cluster: leader {c['leader'] or 'NONE'}{left}",
        f"  workers: {alive} alive of {len(c['workers'])}",
    ]
    for w in c["workers"]:
        state = "alive" if w["alive"] else "SILENT"
        lines.append(f"    {w['id']}: {state}, heartbeat {_ago(w['heartbeat_age_s'])}")
    lines.append(
        f"  frontier: {c['queued']} queued, {c['in_flight']} in flight, "
        f"{c['open_crawls']} source crawl(s) open"
    )
    return lines


def label_value(value: str) -> str:
    """A Prometheus label value: backslash, double quote and newline escaped."""
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus(s) -> str:
    """Prometheus' text exposition format (0.0.4)."""
    from yuqing.timeutil import parse_iso

    out: list[str] = []

    def metric(name: str, kind: str, help_: str, samples: list[tuple[dict, float]]) -> None:
        out.append(f"# HELP yuqing_{name} {help_}")
        out.append(f"# TYPE yuqing_{name} {kind}")
        for labels, value in samples:
            tag = ",".join(f'{k}="{label_value(v)}"' for k, v in labels.items())
            out.append(f"yuqing_{name}{{{tag}}} {value:g}" if tag else f"yuqing_{name} {value:g}")

    def stamp(iso: str | None) -> float:
        at = parse_iso(iso) if iso else None
        return at.timestamp() if at else 0.0

    d = s.daemon
    metric("daemon_up", "gauge", "1 when yuqing run's heartbeat is fresh", [({}, d["running"])])
    if d["heartbeat_age_s"] is not None:
        metric(
            "daemon_heartbeat_age_seconds",
            "gauge",
            "age of the heartbeat",
            [({}, d["heartbeat_age_s"])],
        )
    jobs = [({"job": j["job_id"]}, j) for j in s.jobs]
    metric("job_runs_total", "counter", "job runs", [(k, j["runs"]) for k, j in jobs])
    metric(
        "job_failures_total",
        "counter",
        "job runs that failed",
        [(k, j["failures"]) for k, j in jobs],
    )
    metric(
        "job_failing",
        "gauge",
        "1 when the job's last run failed",
        [(k, j["failing"]) for k, j in jobs],
    )
    metric(
        "job_last_success_timestamp_seconds",
        "gauge",
        "last successful run (0: never)",
        [(k, stamp(j["last_ok"])) for k, j in jobs],
    )
    srcs = [({"source": x["id"]}, x) for x in s.sources]
    metric(
        "source_healthy",
        "gauge",
        "1 unless the source failed crawl.unhealthy_after times",
        [(k, x["healthy"]) for k, x in srcs],
    )
    metric(
        "source_late",
        "gauge",
        "1 when not crawled for three intervals",
        [(k, x["late"]) for k, x in srcs],
    )
    metric(
        "source_last_success_timestamp_seconds",
        "gauge",
        "last successful crawl (0: never)",
        [(k, stamp(x["last_success_at"])) for k, x in srcs],
    )
    metric(
        "outbox_messages",
        "gauge",
        "outbox rows by status",
        [({"status": k}, v) for k, v in sorted(s.outbox.items())],
    )
    metric(
        "outbox_oldest_pending_seconds",
        "gauge",
        "age of the oldest pending row",
        [({}, s.oldest_pending_s or 0.0)],
    )
    metric("alerts_unresolved", "gauge", "alerts not resolved", [({}, s.alerts_unresolved)])
    metric(
        "alerts_overdue_ack", "gauge", "alerts past their 签收时限", [({}, s.alerts_overdue_ack)]
    )
    metric(
        "digest_last_sent_timestamp_seconds",
        "gauge",
        "last digest sent (0: never)",
        [({}, stamp(s.last_digest_at))],
    )
    metric(
        "posts_collected_24h", "gauge", "posts collected in the last 24 hours", [({}, s.posts_day)]
    )
    c = s.cluster
    if c is not None:
        up = c["redis"] == "ok"
        metric("cluster_redis_up", "gauge", "1 when Redis answered", [({}, up)])
    if c is not None and c["redis"] == "ok":
        metric(
            "cluster_leader",
            "gauge",
            "1 for the node holding the leader lease (no sample: no leader)",
            [({"node": c["leader"]}, 1)] if c["leader"] else [],
        )
        metric(
            "cluster_has_leader",
            "gauge",
            "1 when a node holds the lease",
            [({}, bool(c["leader"]))],
        )
        workers = [({"worker": w["id"]}, w) for w in c["workers"]]
        metric(
            "cluster_worker_alive",
            "gauge",
            "1 when the crawl worker's heartbeat is within cluster.worker_timeout",
            [(k, w["alive"]) for k, w in workers],
        )
        metric(
            "cluster_worker_heartbeat_age_seconds",
            "gauge",
            "age of the crawl worker's heartbeat",
            [(k, w["heartbeat_age_s"]) for k, w in workers],
        )
        metric("frontier_queued", "gauge", "requests on the frontier", [({}, c["queued"])])
        metric("frontier_in_flight", "gauge", "requests taken by workers", [({}, c["in_flight"])])
        metric("cluster_open_crawls", "gauge", "source crawls open", [({}, c["open_crawls"])])
    metric("problems", "gauge", "problems yuqing status lists", [({}, len(s.problems))])
    return "\n".join(out) + "\n"
