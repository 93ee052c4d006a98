"""Is it working? What the daemon did, and what an operator's monitoring reads.

The daemon (``yuqing run``) records in ``var_dir/jobs.db`` when it started, a heartbeat every
minute, and for each job its last start, last success, last error and counts
(:class:`JobLog`, fed by an APScheduler listener: :func:`attach`). :func:`status` puts that
together with what the store, the outbox and the digest ledger say — sources failing or not
crawled for three of their intervals, messages waiting or dead in the outbox, alerts past
their 签收时限, the last digest sent, posts collected in the last day — and lists the
problems. ``yuqing status`` prints it as text, JSON, or Prometheus' text format (for the
node exporter's textfile collector), and exits 1 when there is a problem.

On a cluster (``cluster.redis_url``) each node keeps its own ``jobs.db``, so :func:`cluster_view`
adds what every node shares, read from Redis: which node holds the leader lease (the one
running the scheduler), each crawl worker's last heartbeat, the frontier's queued and in-flight
requests and the source crawls open. A cluster's problem is no leader, or requests waiting
with no live worker; a node that runs no daemon itself (a worker, or the machine an operator
asks from) is not one.
"""

from __future__ import annotations

import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from yuqing.storage.sqlite_file import connect
from yuqing.timeutil import parse_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
  job_id TEXT PRIMARY KEY, last_start TEXT, last_ok TEXT, last_error TEXT,
  last_error_at TEXT, runs INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS daemon (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
HEARTBEAT = timedelta(minutes=1)  # how often the daemon writes it
STALE = 3 * HEARTBEAT  # a heartbeat older than this: the daemon is not running
SOURCE_LATE = 3  # a source not crawled for this many intervals (after its first crawl)
PENDING_LATE = timedelta(hours=1)  # a message still waiting after this: delivery is failing
DIGEST_LATE = timedelta(hours=26)  # the daily digest is owed once a day
QUEUE_DAYS = 90  # unresolved alerts are looked for this far back (as the console's queue)


def jobs_path(cfg) -> Path:
    return Path(cfg.path(cfg.settings.var_dir)) / "jobs.db"


class JobLog:
    """The daemon's own record of its jobs (one small SQLite file; writes from the scheduler's
    threads are serialised by a lock)."""

    def __init__(self, path: str | Path):
        self.db = connect(path, "job log", SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> JobLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def started(self, at: datetime, pid: int) -> None:
        with self._lock:
            self.db.executemany(
                "INSERT OR REPLACE INTO daemon VALUES (?, ?)",
                [
                    ("started_at", at.isoformat()),
                    ("pid", str(pid)),
                    ("heartbeat_at", at.isoformat()),
                ],
            )

    def beat(self, at: datetime) -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO daemon VALUES ('heartbeat_at', ?)", (at.isoformat(),)
            )

    def stopped(self, at: datetime) -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO daemon VALUES ('stopped_at', ?)", (at.isoformat(),)
            )

    def job_started(self, job_id: str, at: datetime) -> None:
        with self._lock:
            self.db.execute(
                "INSERT INTO jobs (job_id, last_start, runs) VALUES (?, ?, 1) ON CONFLICT(job_id) "
                "DO UPDATE SET last_start=excluded.last_start, runs=runs+1",
                (job_id, at.isoformat()),
            )

    def job_done(self, job_id: str, at: datetime, error: str | None = None) -> None:
        with self._lock:
            if error is None:
                self.db.execute(
                    "INSERT INTO jobs (job_id, last_ok) VALUES (?, ?) "
                    "ON CONFLICT(job_id) DO UPDATE SET last_ok=excluded.last_ok",
                    (job_id, at.isoformat()),
                )
            else:
                self.db.execute(
                    "INSERT INTO jobs (job_id, last_error, last_error_at, failures) "
                    "VALUES (?, ?, ?, 1) ON CONFLICT(job_id) DO UPDATE SET "
                    "last_error=excluded.last_error, last_error_at=excluded.last_error_at, "
                    "failures=failures+1",
                    (job_id, error[:500], at.isoformat()),
                )

    def daemon(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM daemon").fetchall())

    def jobs(self) -> list[dict]:
        cols = (
            "job_id",
            "last_start",
            "last_ok",
            "last_error",
            "last_error_at",
            "runs",
            "failures",
        )
        rows = self.db.execute(f"SELECT {', '.join(cols)} FROM jobs ORDER BY job_id").fetchall()
        return [dict(zip(cols, r, strict=True)) for r in rows]


def attach(scheduler, log: JobLog, clock) -> None:
    """Record every job's start, success and error (``clock()`` gives the time)."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

    from yuqing.errors import one_line

    def listener(event) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            log.job_started(event.job_id, clock())
        elif event.code == EVENT_JOB_ERROR:
            exc = event.exception
            log.job_done(event.job_id, clock(), one_line(f"{type(exc).__name__}: {exc}"))
        else:
            log.job_done(event.job_id, clock())

    scheduler.add_listener(listener, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)


@dataclass
class Status:
    at: datetime
    daemon: dict = field(default_factory=dict)  # running, pid, started_at, heartbeat_age_s
    jobs: list[dict] = field(default_factory=list)  # JobLog rows + failing
    sources: list[dict] = field(default_factory=list)  # id, healthy, last_success_at, late
    outbox: dict[str, int] = field(default_factory=dict)  # pending, sent, dead
    oldest_pending_s: float | None = None
    alerts_unresolved: int = 0
    alerts_overdue_ack: int = 0
    last_digest_at: str | None = None
    digest_attempts: int = 0  # failed tries of the scheduled digest owed now
    posts_day: int = 0
    cluster: dict | None = None  # cluster_view: leader, workers, queued, in_flight, open_crawls
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


def _age(at: datetime, then: str | None) -> float | None:
    stamp = parse_iso(then) if then else None
    return (at - stamp).total_seconds() if stamp else None


def _pid_alive(pid: str | None) -> bool:
    try:
        os.kill(int(pid or ""), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def cluster_view(cluster) -> tuple[dict, list[str]]:
    """The cluster as Redis shows it, and its problems (``cluster``: the settings section)."""
    from yuqing.cluster import Keys, connect

    keys = Keys(cluster.key_prefix)
    try:
        server = connect(cluster)
        try:
            now = server.time()[0]  # the workers' heartbeats are Redis' clock too
            leader = server.get(keys.leader)
            lease_ms = server.pttl(keys.leader)
            beats = server.zrange(keys.workers, 0, -1, withscores=True)
            queued = server.zcard(keys.requests)
            in_flight = sum(
                server.hlen(k) for k in server.scan_iter(match=keys.inflight() + "*", count=500)
            )
            open_crawls = server.scard(keys.crawls)
        finally:
            server.close()
    except Exception as exc:  # noqa: BLE001 - any failure to read Redis is the one problem
        return {"redis": "unreachable"}, [f"cluster: Redis unreachable ({exc})"]
    timeout = cluster.worker_timeout.total_seconds()
    workers = [
        {
            "id": w.decode(),
            "heartbeat_age_s": max(0.0, now - score),
            "alive": now - score <= timeout,
        }
        for w, score in beats
    ]
    view = {
        "redis": "ok",
        "leader": leader.decode() if leader else None,
        "lease_left_s": lease_ms / 1000 if leader and lease_ms > 0 else None,
        "workers": workers,
        "queued": queued,
        "in_flight": in_flight,
        "open_crawls": open_crawls,
    }
    problems = []
    if leader is None:
        problems.append(
            "cluster: no node holds the leader lease - no scheduler runs "
            "(no crawls enqueued, no alerts, deliveries or digests)"
        )
    alive = sum(w["alive"] for w in workers)
    if (queued or in_flight) and not alive:
        problems.append(
            f"cluster: {queued + in_flight} request(s) on the frontier and no crawl worker alive"
        )
    return view, problems


def status(cfg, store, outbox, at: datetime) -> Status:
    from yuqing.alerts.settings import alert_settings
    from yuqing.alerts.workflow import due
    from yuqing.dashboards.ledger import open_ledger

    s = Status(at=at)
    cluster = cfg.settings.cluster.enabled  # the scheduler runs on whichever node leads
    path = jobs_path(cfg)
    if path.exists():
        with JobLog(path) as log:
            daemon, s.jobs = log.daemon(), log.jobs()
        age = _age(at, daemon.get("heartbeat_at"))
        stopped = daemon.get("stopped_at", "") >= daemon.get("started_at", "~")
        running = age is not None and age < STALE.total_seconds() and not stopped
        if running and not cluster:  # same host: the pid must exist
            running = _pid_alive(daemon.get("pid"))
        s.daemon = {
            "running": running,
            "pid": daemon.get("pid"),
            "started_at": daemon.get("started_at"),
            "heartbeat_age_s": age,
        }
        for j in s.jobs:
            j["failing"] = bool(j["last_error_at"]) and (j["last_error_at"] > (j["last_ok"] or ""))
            if j["failing"]:
                s.problems.append(f"job {j['job_id']} failing: {j['last_error']}")
        if not running and not cluster:
            s.problems.append("the daemon (yuqing run) is not running")
    else:
        s.daemon = {"running": False, "pid": None, "started_at": None, "heartbeat_age_s": None}
        if not cluster:
            s.problems.append("the daemon (yuqing run) has never run here")
    if cluster:
        s.cluster, trouble = cluster_view(cfg.settings.cluster)
        s.problems += trouble

    for src in cfg.sources.sources:
        if not src.enabled:
            continue
        st = store.get_source_state(src.id)
        late = st.last_crawl_at is not None and at - st.last_crawl_at > SOURCE_LATE * max(
            src.interval, cfg.settings.schedule.crawl
        )
        s.sources.append(
            {
                "id": src.id,
                "healthy": st.healthy,
                "last_crawl_at": st.last_crawl_at.isoformat() if st.last_crawl_at else None,
                "last_success_at": st.last_success_at.isoformat() if st.last_success_at else None,
                "late": late,
                "last_error": st.last_error,
            }
        )
        if not st.healthy:
            s.problems.append(f"source {src.id} unhealthy: {st.last_error or '?'}")
        elif late:
            s.problems.append(
                f"source {src.id} not crawled since {st.last_crawl_at:%Y-%m-%d %H:%M}"
            )

    s.outbox = dict(outbox.counts())
    pending = outbox.rows(status="pending")
    if pending:
        s.oldest_pending_s = round(at.timestamp() - min(r.created_ts for r in pending), 1)
    if s.oldest_pending_s is not None and s.oldest_pending_s > PENDING_LATE.total_seconds():
        s.problems.append(
            f"{len(pending)} message(s) waiting in the outbox, the oldest for "
            f"{s.oldest_pending_s / 3600:.1f} h (is the SMTP server or a robot down?)"
        )
    if s.outbox.get("dead"):
        s.problems.append(
            f"{s.outbox['dead']} message(s) dead in the outbox (yuqing alerts outbox)"
        )

    settings = alert_settings(cfg)
    for a in store.iter_alerts(since=at - timedelta(days=QUEUE_DAYS)):
        if a.status == "resolved" or a.evidence.get("superseded_by"):
            continue
        s.alerts_unresolved += 1
        if a.status in ("open", "escalated") and a.delivered_at and due(a, settings, "ack") < at:
            s.alerts_overdue_ack += 1

    with open_ledger(cfg) as ledger:
        s.last_digest_at = ledger.last_sent()
        s.digest_attempts, retry_at = ledger.attempts, ledger.retry_at
    if s.digest_attempts:
        s.problems.append(
            f"the scheduled digest failed {s.digest_attempts} time(s); next try after "
            f"{retry_at} (the error is in the daemon's log)"
        )
    up_since = parse_iso(s.daemon["started_at"]) if s.daemon.get("started_at") else None
    if (
        cfg.settings.digest.recipients
        and s.daemon["running"]
        and up_since is not None
        and at - up_since > DIGEST_LATE
        and (_age(at, s.last_digest_at) or float("inf")) > DIGEST_LATE.total_seconds()
    ):
        s.problems.append(f"no digest sent since {s.last_digest_at or 'the daemon started'}")
    collected = store.tally("all", at - timedelta(days=1), at, axis="collected")
    s.posts_day = sum(t.posts for t in collected.values())
    return s
