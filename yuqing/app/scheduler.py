"""``yuqing run``: APScheduler's BlockingScheduler with a persistent SQLAlchemy job store.

Jobs (each ``max_instances=1``, ``coalesce=True``, with a misfire grace time) are functions
of :mod:`yuqing.app.jobs`, referenced by name (``yuqing.app.jobs:check_job``): crawl due
sources (``schedule.crawl``), alert checks + delivery (``schedule.alerts``), the delivery
worker (``schedule.delivery``), escalations (``schedule.alerts``), rechecks (hourly), storage
upkeep (daily), the daily digest (cron at ``schedule.digest_time``) and the nightly event
consolidation (cron at ``nlp.events.rebuild_time``, :func:`yuqing.app.jobs.events_rebuild_job`).

The job store (``var/scheduler.db``) is replaced on start: every job is written afresh from
:data:`JOBS`, so a store written by an older version (other function references, a job no
longer scheduled such as ``crawl`` under ``--no-crawl``) is dropped without being unpickled.
Every interval job runs right away after a start, and a digest missed while the daemon was
down runs once (``digest_catchup``); deterministic alert ids plus stored suppression mean
catching up never duplicates an alert, and the digest ledger never sends a digest twice.
SIGTERM/SIGINT stop the scheduler; a running job finishes first.

On a cluster (``cluster.redis_url``) every ``yuqing run`` of the scheduler role stands for
leader (``yuqing.cluster.lease``): only the lease holder runs the scheduler, and the crawl job
puts due sources on the shared frontier instead of crawling; ``cluster.role: worker`` makes
``yuqing run`` a crawl worker (``yuqing worker``).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

#: id -> (function reference, schedule key or fixed seconds)
JOBS: dict[str, tuple[str, str | int]] = {
    "crawl": ("yuqing.app.jobs:crawl_job", "crawl"),
    "alerts_check": ("yuqing.app.jobs:check_job", "alerts"),
    "delivery": ("yuqing.app.jobs:deliver_job", "delivery"),
    "escalation": ("yuqing.app.jobs:escalate_job", "alerts"),
    "recheck": ("yuqing.app.jobs:recheck_job", 3600),
    "storage_maintenance": ("yuqing.app.jobs:maintain_job", 86400),
}


def jobstore_url(cfg) -> str:
    path = Path(cfg.path(cfg.settings.var_dir)) / "scheduler.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _fresh_jobstore(url: str):
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    class FreshJobStore(SQLAlchemyJobStore):
        """Emptied when the scheduler starts, before the current jobs are added."""

        def start(self, scheduler, alias) -> None:
            super().start(scheduler, alias)
            self.remove_all_jobs()

    return FreshJobStore(url=url)


def build_scheduler(cfg, blocking: bool = True, crawl: bool = True):
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    cls = BlockingScheduler if blocking else BackgroundScheduler
    sched = cls(
        jobstores={"default": _fresh_jobstore(jobstore_url(cfg))},
        timezone=cfg.settings.timezone,
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 300},
    )
    config_dir = str(cfg.dir)
    tz = ZoneInfo(cfg.settings.timezone)
    schedule = cfg.settings.schedule
    for job_id, (func, every) in JOBS.items():
        if job_id == "crawl" and not crawl:
            continue
        seconds = every if isinstance(every, int) else getattr(schedule, every).total_seconds()
        # first run right away: after a restart everything catches up at once (idempotent)
        sched.add_job(
            func,
            "interval",
            seconds=seconds,
            id=job_id,
            args=[config_dir],
            replace_existing=True,
            next_run_time=datetime.now(tz),
        )
    hh, mm = (int(x) for x in schedule.digest_time.split(":"))
    sched.add_job(
        "yuqing.app.jobs:digest_job",
        "cron",
        hour=hh,
        minute=mm,
        id="digest",
        args=[config_dir],
        replace_existing=True,
        misfire_grace_time=6 * 3600,
    )
    hh, mm = (int(x) for x in cfg.settings.nlp.events.rebuild_time.split(":"))
    sched.add_job(
        "yuqing.app.jobs:events_rebuild_job",
        "cron",
        hour=hh,
        minute=mm,
        id="events_rebuild",
        args=[config_dir],
        replace_existing=True,
        misfire_grace_time=6 * 3600,
    )
    # a digest missed while the daemon was down runs at start (once per day, see digest_job)
    sched.add_job(
        "yuqing.app.jobs:digest_if_due_job",
        "date",
        run_date=datetime.now(tz),
        id="digest_catchup",
        args=[config_dir],
        replace_existing=True,
    )
    return sched


def run(cfg, crawl: bool = True) -> None:
    """Block until SIGTERM/SIGINT; then stop cleanly (running jobs finish)."""
    cluster = cfg.settings.cluster
    if cluster.enabled and cluster.role == "worker":
        from yuqing.app.worker import run_worker
        from yuqing.storage import open_store

        with open_store(cfg) as store:
            run_worker(cfg, store)
        return
    if cluster.enabled:
        run_as_candidate(cfg, crawl)
        return
    sched = build_scheduler(cfg, blocking=True, crawl=crawl)

    from apscheduler.events import EVENT_SCHEDULER_STARTED

    stopping = threading.Event()

    def stop(signum, _frame) -> None:
        log.warning("received %s: stopping the scheduler", signal.Signals(signum).name)
        stopping.set()
        if sched.running:  # not yet started: the listener below stops it once it is
            sched.shutdown(wait=False)

    sched.add_listener(
        lambda _event: sched.shutdown(wait=False) if stopping.is_set() else None,
        EVENT_SCHEDULER_STARTED,
    )

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with contextlib.ExitStack() as stack:
        if cfg.settings.console.serve_in_run:  # the response console beside the jobs
            from yuqing.console.server import ConsoleServer
            from yuqing.storage import open_store

            store = stack.enter_context(open_store(cfg))
            server = stack.enter_context(ConsoleServer(cfg, store))
            log.warning("console serving at %s/", server.url)
        log.warning("scheduler started: %s", ", ".join(j.id for j in sched.get_jobs()))
        sched.start()
        log.warning("scheduler stopped")


def run_as_candidate(cfg, crawl: bool = True) -> None:
    """Stand for leader until SIGTERM/SIGINT: run the scheduler while holding the lease."""
    from yuqing.cluster import Keys, connect, node_id
    from yuqing.cluster.lease import Lease

    cluster = cfg.settings.cluster
    ttl = cluster.lease.total_seconds()
    lease = Lease(connect(cluster), Keys(cluster.key_prefix).leader, node_id(cluster), ttl)
    stopping = threading.Event()

    def stop(signum, _frame) -> None:
        log.warning("received %s: stopping", signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sched = None
    log.warning("node %s: standing for leader (lease %ss)", lease.owner, ttl)
    try:
        while not stopping.is_set():
            try:
                held = lease.renew() if sched is not None else lease.acquire()
            except Exception as exc:  # noqa: BLE001 - Redis away: we cannot prove the lease
                log.warning("leader lease: %s", exc)
                held = False
            if held and sched is None:
                sched = build_scheduler(cfg, blocking=False, crawl=crawl)
                sched.start()
                log.warning(
                    "node %s is the leader: %s",
                    lease.owner,
                    ", ".join(j.id for j in sched.get_jobs()),
                )
            elif not held and sched is not None:
                log.warning("node %s lost the leader lease: scheduler stopped", lease.owner)
                sched.shutdown(wait=False)
                sched = None
            stopping.wait(ttl / 3)
    finally:
        if sched is not None:
            sched.shutdown(wait=True)
            try:
                lease.release()
            except Exception as exc:  # noqa: BLE001 - it expires by itself
                log.warning("leader lease not released (%s); it expires in %ss", exc, ttl)
        log.warning("node %s stopped", lease.owner)
