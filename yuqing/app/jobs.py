"""The scheduler's jobs and ``yuqing cycle``: each job opens the config, the store and the
outbox, does one thing, and closes them. Jobs take the config directory (a string) so the
job store can reference them by name (``yuqing.app.jobs:check_job``, see ``scheduler.py``)."""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from yuqing.alerts.deadlines import supervise
from yuqing.alerts.delivery import Deliverer
from yuqing.alerts.engine import Engine
from yuqing.alerts.outbox import Outbox, open_outbox
from yuqing.alerts.settings import AlertSettings, alert_settings
from yuqing.alerts.workflow import escalate_due, recheck_due
from yuqing.config import Config
from yuqing.errors import YuqingError
from yuqing.storage.base import Store
from yuqing.timeutil import now as _now

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    cfg: Config
    store: Store
    outbox: Outbox
    settings: AlertSettings

    @property
    def engine(self) -> Engine:
        return Engine(self.cfg, self.store, self.outbox, self.settings)

    @property
    def deliverer(self) -> Deliverer:
        return Deliverer(self.cfg, self.store, self.outbox, self.settings)

    def now(self) -> datetime:
        return _now(self.cfg.settings.timezone)


@contextmanager
def runtime(cfg):
    """Store + outbox for one job (``cfg`` is a loaded Config or a config directory)."""
    from yuqing.config import load_config
    from yuqing.storage import open_store

    if isinstance(cfg, str):
        cfg = load_config(cfg)
    settings = alert_settings(cfg)
    store = open_store(cfg)
    outbox = open_outbox(cfg, settings)
    try:
        yield Runtime(cfg, store, outbox, settings)
    finally:
        outbox.close()
        store.close()


def check_and_deliver(rt: Runtime, only: list[str] | None = None) -> dict:
    now = rt.now()
    result = rt.engine.check(now, only=only)
    report = rt.deliverer.run_once(now)
    log.info(
        "alerts check: %d new, %d suppressed; delivered %d messages, %d failed",
        len(result.created),
        len(result.suppressed),
        report.sent,
        report.failed,
    )
    return {
        "created": [a.id for a in result.created],
        "suppressed": len(result.suppressed),
        "enqueued": result.enqueued,
        "sent": report.sent,
        "failed": report.failed,
        "held": report.held,
        "errors": report.errors[:5],
        "problems": [str(p) for p in result.problems],
        "failed_rules": result.failed,
    }


def log_rule_problems(out: dict) -> None:
    """One error line per rule or robot skipped for a configuration problem, and per rule
    that raised (the scheduler's report; ``alerts check`` prints the same lines)."""
    for problem in out["problems"]:
        log.error("skipped: %s", problem)
    for rule_id, what in out["failed_rules"].items():
        log.error("rule %s failed: %s", rule_id, what)


# -- scheduler entry points (module-level, referenced by name in the job store) ----------
def _locked(config_dir: str, job) -> dict:
    """Run ``job`` holding the store's pass lock; skip it (logged) while a pass holds it."""
    from yuqing.app.lock import PassLocked, pass_lock
    from yuqing.config import load_config

    try:
        with pass_lock(load_config(config_dir)):
            return job(config_dir)
    except PassLocked as exc:
        if exc.holder == str(os.getpid()):  # this daemon's other job (its crawl): routine
            log.info(
                "%s skipped: this process's other pass holds the store", job.__name__.strip("_")
            )
        else:
            log.warning("%s skipped: %s", job.__name__.strip("_"), exc)
        return {"skipped": str(exc)}


def check_job(config_dir: str) -> dict:
    return _locked(config_dir, _check)


def _check(config_dir: str) -> dict:
    with runtime(config_dir) as rt:
        out = check_and_deliver(rt)
    log_rule_problems(out)
    return out


def deliver_job(config_dir: str) -> dict:
    """Deliver due outbox rows; retry a scheduled digest that failed (after its backoff)."""
    with runtime(config_dir) as rt:
        report = rt.deliverer.run_once(rt.now())
        out: dict = {"sent": report.sent, "failed": report.failed, "held": report.held}
        due = digest_due(rt.cfg, rt.now())
    if due:
        try:
            out["digest"] = digest_job(config_dir)
        except Exception as exc:  # noqa: BLE001 - retried after the backoff
            log_digest_failure(exc)
            out["digest"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def log_digest_failure(exc: Exception) -> None:
    """One line, as a scheduled job's failure (:class:`yuqing.app.logs.JobErrorLines`): an
    expected failure (SMTP down) keeps its traceback only at ``-v``; a bug always does."""
    from yuqing.errors import YuqingError

    expected = isinstance(exc, YuqingError)
    what = exc.line() if isinstance(exc, YuqingError) else f"{type(exc).__name__}: {exc}"
    verbose = logging.getLogger().isEnabledFor(logging.INFO)
    log.error("digest failed (retried later): %s", what, exc_info=verbose or not expected)


def digest_step_failed(exc: Exception) -> dict:
    """A pass's digest step that raised, for the caller to report in one line (``yuqing
    cycle``'s ``error: digest: …``): an expected failure (SMTP down) is its message, its
    traceback logged at ``-v``; a bug is logged with its traceback at once."""
    from yuqing.errors import YuqingError, one_line

    if isinstance(exc, YuqingError):
        log.info("digest failed", exc_info=True)
        return {"error": one_line(str(exc))}
    log_digest_failure(exc)
    return {"error": f"{type(exc).__name__}: {exc}"}


def escalate_job(config_dir: str) -> dict:
    with runtime(config_dir) as rt:
        escalated = escalate_due(rt.engine, rt.now())
        supervise(rt.engine, rt.now())  # 催办 before, 督办通知 after the time limits
        report = rt.deliverer.run_once(rt.now())
        return {"escalated": [a.id for a in escalated], "sent": report.sent}


def recheck_job(config_dir: str) -> dict:
    with runtime(config_dir) as rt:
        results = recheck_due(rt.engine, rt.now())
        rt.deliverer.run_once(rt.now())
        return {"rechecked": {a.id: r for a, r in results}}


def crawl_job(config_dir: str) -> dict:
    """Single machine: one crawl pass in a child process (see :mod:`yuqing.app.crawl_process`),
    holding the store's pass lock, then — when it stored new or changed posts — the alerts
    check under the same lock. Cluster: put due sources on the shared frontier for the
    workers (``yuqing.crawlers.frontier.enqueue``)."""
    return _locked(config_dir, _crawl_and_check)


def _crawl_and_check(config_dir: str) -> dict:
    """The alerts check job skips its turns while a crawl holds the lock, so new posts waited
    for the first check after the crawl — up to ``schedule.alerts`` more; checked at once."""
    out = _crawl(config_dir)
    totals = out.get("totals") or {}
    if totals.get("new") or totals.get("updated"):
        try:
            out["alerts"] = _check(config_dir)
        except YuqingError as exc:  # the check job reports it too; the crawl itself is done
            log.error("alerts check after the crawl failed: %s", exc.line())
    return out


def _crawl(config_dir: str) -> dict:
    from yuqing.config import load_config

    cfg = load_config(config_dir)
    if cfg.settings.cluster.enabled:
        from yuqing.crawlers.frontier.enqueue import frontier_pass
        from yuqing.storage import open_store

        with open_store(cfg) as store:
            return frontier_pass(cfg, store)
    from yuqing.app.crawl_process import run_in_child

    return run_in_child(config_dir)


def maintain_job(config_dir: str) -> dict:
    """Daily storage upkeep: Elasticsearch rollover and retention (nothing for SQLite)."""
    from yuqing.config import load_config
    from yuqing.storage import open_store

    cfg = load_config(config_dir)
    with open_store(cfg) as store:
        maintain = getattr(store, "maintain", None)
        if maintain is None:
            return {"skipped": f"{cfg.settings.storage.backend} needs no maintenance"}
        return maintain(_now(cfg.settings.timezone))


def events_rebuild_job(config_dir: str) -> dict:
    """Nightly event consolidation over ``nlp.events.rebuild_window`` (docs/nlp.md)."""

    from yuqing.config import load_config
    from yuqing.nlp.rebuild import consolidator_for, rebuild_events
    from yuqing.storage import open_store

    cfg = load_config(config_dir)
    now = _now(cfg.settings.timezone)
    since = now - cfg.settings.nlp.events.rebuild_window
    with open_store(cfg) as store:
        return rebuild_events(store, consolidator_for(cfg), since, now)


def digest_job(config_dir: str, force: bool = False, now: datetime | None = None) -> dict:
    """Run the scheduled digests (:func:`yuqing.dashboards.digest.run_scheduled_digest`: the
    latest day's, and any missed day's) once per day; the day is recorded in the digest
    ledger when every recipient got them. A failed run (SMTP down) is tried again after the
    alerts' retry backoff (``alerts.retry``: base × 2^(attempt-1), up to max_delay) by the
    delivery job and by ``yuqing cycle``; the error is raised so the caller reports it.
    Runs wait for each other (:func:`yuqing.app.lock.digest_lock`): a run that finds the day
    done by the one it waited for does nothing."""
    from yuqing.app.lock import digest_lock
    from yuqing.config import load_config

    cfg = load_config(config_dir)
    with digest_lock(cfg):
        return _digest(cfg, force, now or _now(cfg.settings.timezone))


def _digest(cfg: Config, force: bool, now: datetime) -> dict:
    from yuqing.dashboards.digest import run_scheduled_digest
    from yuqing.dashboards.ledger import open_ledger

    today = now.date().isoformat()
    with open_ledger(cfg) as ledger:
        if not force and ledger.last_day == today:
            return {"skipped": "already done today"}
        retry_at = ledger.retry_at
        if not force and retry_at is not None and now < datetime.fromisoformat(retry_at):
            # a run that waited for a failing one must not fail again at once: that would
            # double the backoff and mail nothing
            return {"skipped": f"a failed run is retried after {retry_at}"}
        attempts = ledger.attempts
    try:
        result = run_scheduled_digest(cfg, now)
    except Exception:
        retry = alert_settings(cfg).retry
        delay = min(retry.base * 2**attempts, retry.max_delay)
        with open_ledger(cfg) as ledger:
            ledger.set_retry((now + delay).isoformat(), attempts + 1)
        raise
    with open_ledger(cfg) as ledger:
        ledger.set_last_day(today)
    return {"digest": result}


def digest_if_due_job(config_dir: str) -> dict:
    from yuqing.config import load_config

    cfg = load_config(config_dir)
    due = digest_due(cfg, _now(cfg.settings.timezone))
    return digest_job(config_dir) if due else {"skipped": "not due"}


def digest_due(cfg, now: datetime) -> bool:
    """Past ``schedule.digest_time`` today, the scheduled digest has not completed today,
    and a failed attempt's backoff has passed."""
    from yuqing.dashboards.ledger import open_ledger

    hh, mm = (int(x) for x in cfg.settings.schedule.digest_time.split(":"))
    if (now.hour, now.minute) < (hh, mm):
        return False
    with open_ledger(cfg) as ledger:
        if ledger.last_day == now.date().isoformat():
            return False
        retry_at = ledger.retry_at
    return retry_at is None or now >= datetime.fromisoformat(retry_at)


def cycle(config_dir: str, crawl: bool = True) -> dict:
    """One full pass: crawl, alerts check + delivery, escalations, rechecks, digest if due,
    holding the store's pass lock (:mod:`yuqing.app.lock`). ``out["failed"]`` names every
    step that failed; the others still ran."""
    from yuqing.app.lock import pass_lock
    from yuqing.config import load_config

    with pass_lock(load_config(config_dir)):
        out = _cycle(config_dir, crawl)
    out["failed"] = failed_steps(out)
    return out


class StepFailed(YuqingError):
    """A step of a pass failed (the others ran): ``yuqing cycle`` exits 1 naming it."""


def failed_steps(out: dict) -> list[str]:
    """The steps of a pass summary that failed (crawl, delivery, digest)."""
    failed = []
    if isinstance(out.get("crawl"), dict) and out["crawl"].get("error"):
        failed.append("crawl")
    alerts = out.get("alerts", {})
    if alerts.get("failed") or alerts.get("problems") or alerts.get("failed_rules"):
        failed.append("alerts")
    if isinstance(out.get("digest"), dict) and out["digest"].get("error"):
        failed.append("digest")
    return failed


def _cycle(config_dir: str, crawl: bool) -> dict:
    out: dict = {}
    if crawl:
        try:
            out["crawl"] = _crawl(config_dir)
        except Exception as exc:  # noqa: BLE001 - a failed crawl must not stop alerting
            log.error("crawl failed: %s", exc)
            out["crawl"] = {"error": str(exc)}
    with runtime(config_dir) as rt:
        out["alerts"] = check_and_deliver(rt)
        log_rule_problems(out["alerts"])
        now = rt.now()
        out["escalated"] = [a.id for a in escalate_due(rt.engine, now)]
        out["supervised"] = [f"{a.id}:{kind}" for a, kind in supervise(rt.engine, now)]
        out["rechecked"] = {a.id: r for a, r in recheck_due(rt.engine, now)}
        report = rt.deliverer.run_once(now)
        out["alerts"]["sent"] += report.sent
        due = digest_due(rt.cfg, now)
    if due:
        try:
            out["digest"] = digest_job(config_dir)
        except Exception as exc:  # noqa: BLE001 - reported, and the pass exits non-zero
            out["digest"] = digest_step_failed(exc)
    return out
