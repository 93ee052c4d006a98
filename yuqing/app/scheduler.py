"""``yuqing run``: APScheduler's BackgroundScheduler with a persistent SQLAlchemy job store.

Jobs (each ``max_instances=1``, ``coalesce=True``, with a misfire grace time) are functions
of :mod:`yuqing.app.jobs`, referenced by name (``yuqing.app.jobs:check_job``): crawl due
sources (``schedule.crawl``, or the shortest source ``interval`` if shorter), alert checks + delivery (``schedule.alerts``), the delivery
worker (``schedule.delivery``), escalations (``schedule.alerts``), rechecks (hourly), storage
upkeep (daily), the daily digest (cron at ``schedule.digest_time``) and the nightly event
consolidation (cron at ``nlp.events.rebuild_time``, :func:`yuqing.app.jobs.events_rebuild_job`).

The job store (``var/scheduler.db``) is replaced on start: every job is written afresh from
:data:`JOBS`, so a store written by an older version (other function references, a job no
longer scheduled such as ``crawl`` under ``--no-crawl``) is dropped without being unpickled.
Every interval job runs right away after a start, and a digest missed while the daemon was
down runs once (``digest_catchup``); deterministic alert ids plus stored suppression mean
catching up never duplicates an alert, and the digest ledger never sends a digest twice.
SIGTERM/SIGINT stop the scheduler (:class:`StopSignal`, :func:`stop_cleanly`); a running job
finishes first.

On a cluster (``cluster.redis_url``) every ``yuqing run`` of the scheduler role stands for
leader (``yuqing.cluster.lease``): only the lease holder runs the scheduler, and the crawl job
puts due sources on the shared frontier instead of crawling; ``cluster.role: worker`` makes
``yuqing run`` a crawl worker (``yuqing worker``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
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


def crawl_period(cfg) -> float:
    """Seconds between the daemon's looks for due sources: ``schedule.crawl``, or the shortest
    ``interval`` of an enabled source when that is shorter. With the hourly default look, a
    message board configured ``interval: 5m`` was crawled once an hour."""
    enabled = [s.interval for s in cfg.sources.sources if s.enabled]
    return min([cfg.settings.schedule.crawl, *enabled]).total_seconds()


def build_scheduler(cfg, crawl: bool = True):
    """The daemon's scheduler, not yet started (its jobs run in its own thread)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from yuqing.app.logs import one_line_job_errors

    one_line_job_errors()  # a job's expected failure is one line, as on the command line
    sched = BackgroundScheduler(
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
        if job_id == "crawl":
            seconds = crawl_period(cfg)
        else:
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
    from yuqing.app.health import HEARTBEAT, JobLog, attach, jobs_path

    stop = StopSignal()
    sched = build_scheduler(cfg, crawl=crawl)
    with contextlib.ExitStack() as stack:
        clock = ZoneInfo(cfg.settings.timezone)
        joblog = stack.enter_context(JobLog(jobs_path(cfg)))  # for `yuqing status`

        def now() -> datetime:
            return datetime.now(clock)

        attach(sched, joblog, now)
        joblog.started(now(), os.getpid())
        beat = time.monotonic()
        if cfg.settings.console.serve_in_run:  # the response console beside the jobs
            from yuqing.console.server import ConsoleServer
            from yuqing.storage import open_store

            store = stack.enter_context(open_store(cfg))
            server = stack.enter_context(ConsoleServer(cfg, store))
            log.warning("console serving at %s/", server.url)
        sched.start()
        try:
            log.warning("scheduler started: %s", ", ".join(j.id for j in sched.get_jobs()))
            while not stop.wait(1.0):
                if not sched._thread.is_alive():  # its loop raised (the traceback is logged)
                    raise RuntimeError("the scheduler's thread ended; see the traceback above")
                if time.monotonic() - beat >= HEARTBEAT.total_seconds():
                    joblog.beat(now())
                    beat = time.monotonic()
            log.warning("received %s: stopping the scheduler", stop.name)
        finally:
            stop_cleanly(sched)
            joblog.stopped(now())
        log.warning("scheduler stopped")


class StopSignal:
    """SIGTERM and SIGINT, noted by their handler and polled by the main thread.

    The handler only records the signal: it runs in the main thread between any two bytecodes,
    so it must not call into the scheduler (whose job pass it may have interrupted) nor set a
    ``threading.Event`` (whose lock the interrupted code may hold)."""

    def __init__(self, poll: float = 0.1) -> None:
        self.signum: int | None = None
        self.poll = poll
        signal.signal(signal.SIGTERM, self._note)
        signal.signal(signal.SIGINT, self._note)

    def _note(self, signum, _frame) -> None:
        self.signum = signum

    def __bool__(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def wait(self, seconds: float | None = None) -> bool:
        """Sleep until a signal came (True) or ``seconds`` passed (False)."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while self.signum is None:
            left = self.poll if deadline is None else min(self.poll, deadline - time.monotonic())
            if left <= 0:
                return False
            time.sleep(left)
        return True


def stop_cleanly(sched, wait: bool = True) -> None:
    """Shut ``sched`` (a started BackgroundScheduler) down without racing its job pass.

    APScheduler 3 marks the scheduler stopped *before* it takes the job-store lock, so a pass
    of ``_process_jobs`` still running in the scheduler's thread then fails to remove a one-off
    job that it has just submitted (``JobLookupError: 'No job by the id of digest_catchup'``,
    which ended that thread, or the whole daemon when the signal handler shut a
    BlockingScheduler down in the middle of its own pass). Pausing first lets that pass finish
    normally; ``get_jobs`` takes the job-store lock, so it returns once the pass is over, and
    every later pass sees the pause and does nothing. ``wait``: let running jobs finish."""
    from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED

    if sched.state == STATE_STOPPED:
        return
    if sched.state == STATE_RUNNING:
        sched.pause()
    sched.get_jobs()  # waits for a job pass in progress (the job-store lock)
    sched.shutdown(wait=wait)


def run_as_candidate(cfg, crawl: bool = True) -> None:
    """Stand for leader until SIGTERM/SIGINT: run the scheduler while holding the lease."""
    from yuqing.cluster import Keys, connect, node_id
    from yuqing.cluster.lease import Lease

    cluster = cfg.settings.cluster
    ttl = cluster.lease.total_seconds()
    lease = Lease(connect(cluster), Keys(cluster.key_prefix).leader, node_id(cluster), ttl)
    from yuqing.app.health import JobLog, attach, jobs_path

    stop = StopSignal()
    sched = None
    clock = ZoneInfo(cfg.settings.timezone)

    def now() -> datetime:
        return datetime.now(clock)

    joblog = JobLog(jobs_path(cfg))  # this node's record, for `yuqing status` on this host
    joblog.started(now(), os.getpid())
    log.warning("node %s: standing for leader (lease %ss)", lease.owner, ttl)
    try:
        while not stop:
            joblog.beat(now())
            try:
                held = lease.renew() if sched is not None else lease.acquire()
            except Exception as exc:  # noqa: BLE001 - Redis away: we cannot prove the lease
                log.warning("leader lease: %s", exc)
                held = False
            if held and sched is None:
                sched = build_scheduler(cfg, crawl=crawl)
                attach(sched, joblog, now)
                sched.start()
                log.warning(
                    "node %s is the leader: %s",
                    lease.owner,
                    ", ".join(j.id for j in sched.get_jobs()),
                )
            elif not held and sched is not None:
                log.warning("node %s lost the leader lease: scheduler stopped", lease.owner)
                stop_cleanly(sched, wait=False)
                sched = None
            stop.wait(ttl / 3)
    finally:
        if stop:
            log.warning("received %s: stopping", stop.name)
        if sched is not None:
            stop_cleanly(sched)
            try:
                lease.release()
            except Exception as exc:  # noqa: BLE001 - it expires by itself
                log.warning("leader lease not released (%s); it expires in %ss", exc, ttl)
        joblog.stopped(now())
        joblog.close()
        log.warning("node %s stopped", lease.owner)
