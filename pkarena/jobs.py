"""The scheduler's job registry: later capabilities add jobs with `@job(...)`; every job is idempotent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger("pkarena.jobs")
FREEZE_LEASE_TTL = 15 * 60  # seconds; a full-size freeze takes well under a minute (docs/performance.md)


@dataclass(frozen=True)
class Job:
    """A registered job: its stable id, the function (called with the app) and its cron fields."""

    id: str
    func: Callable[[Any], Any]
    cron: dict[str, Any] = field(default_factory=dict)
    run_at_start: bool = False


JOBS: dict[str, Job] = {}


def job(job_id: str, *, run_at_start: bool = False, **cron: Any) -> Callable[[Callable], Callable]:
    """Register `func(app)` under `job_id` with cron fields (hour=3, minute=30, …)."""

    def decorator(func: Callable) -> Callable:
        JOBS[job_id] = Job(job_id, func, cron, run_at_start)
        return func

    return decorator


def schedule_all(scheduler: BaseScheduler, app: Any) -> list[str]:
    """Add every registered job to `scheduler` with an explicit id, coalescing and a generous grace time."""
    for registered in JOBS.values():
        scheduler.add_job(
            _runner(registered, app), "cron", id=registered.id, name=registered.id, replace_existing=True,
            coalesce=True, max_instances=1, misfire_grace_time=6 * 3600,
            timezone=app.config["PKARENA_TIMEZONE"], **registered.cron,
        )
    return sorted(JOBS)


def run_startup_jobs(app: Any) -> None:
    """Run the jobs that catch up missed work when a worker starts."""
    for registered in JOBS.values():
        if registered.run_at_start:
            _runner(registered, app)()


def _runner(registered: Job, app: Any) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                registered.func(app)
            except Exception:  # one failing job must not stop the scheduler
                log.exception("job %s failed", registered.id)

    return run


@job("boards.verify", hour=3, minute=30)
def verify_boards(app: Any) -> None:
    """Nightly: compare the live boards with the ledger and rebuild them if they drifted."""
    from pkarena.extensions import db
    from pkarena.services.boards import cache as boards
    from pkarena.services.contests import standings as contest_standings

    store = app.extensions["pkarena.store"]
    with db.new_session() as session:
        drift = boards.check(session, store)
        if drift:
            log.warning("boards drifted on %d rows; rebuilding from the ledger", len(drift))
            boards.rebuild(session, store)
        contest_drift = contest_standings.check(session, store)
        if contest_drift:
            log.warning("contest boards drifted on %d rows; rebuilding from the ledger", len(contest_drift))
            contest_standings.rebuild(session, store)


@job("boards.freeze", run_at_start=True, day=1, hour=0, minute=5)
def freeze_months(app: Any) -> list[str]:
    """Monthly (and at start): freeze every finished month that has no snapshot yet (catch-up)."""
    import os
    import socket

    from pkarena.extensions import db
    from pkarena.services.monthly import freeze
    from pkarena.store import keys

    store, clock = app.extensions["pkarena.store"], app.extensions["pkarena.clock"]
    owner = f"{socket.gethostname()}:{os.getpid()}"
    lease = keys.lease_key("job:freeze")
    # The lease only saves a second worker the work; the UNIQUE constraint makes a double run harmless.
    if not store.lease_acquire(lease, owner, FREEZE_LEASE_TTL):
        log.info("another worker is freezing months; skipping")
        return []
    try:
        with db.new_session() as session:
            months = freeze.months_to_freeze(session, clock)
            for month in months:
                scopes = freeze.freeze_month(session, clock, month)
                log.info("froze %s: %d scopes (%d new)", month, len(scopes), sum(s.created for s in scopes))
        return months
    finally:
        store.lease_release(lease, owner)


@job("contests.freeze", run_at_start=True, hour=0, minute=10)
def freeze_contests(app: Any) -> list[int]:
    """Daily (and at start): freeze every contest whose window has ended (catch-up; idempotent)."""
    from pkarena.extensions import db
    from pkarena.services.boards import screens
    from pkarena.services.contests import standings as contest_standings

    store, clock = app.extensions["pkarena.store"], app.extensions["pkarena.clock"]
    frozen = []
    with db.new_session() as session:
        for contest in contest_standings.to_freeze(session, clock):
            if contest_standings.freeze(session, clock, contest):
                frozen.append(contest.id)
                log.info("froze contest %s", contest.id)
        if frozen:
            contest_standings.rebuild(session, store)  # a frozen contest's boards are no longer kept
            contest_standings.changed(store)
        for contest_id in frozen:  # its office screens turn to the podium without a reload
            screens.push_contest(session, store, clock, contest_id)
    return frozen


@job("contests.series", run_at_start=True, hour=0, minute=1)
def create_series_contests(app: Any) -> list[int]:
    """Daily (and at start): each active series gets its contest for the current month or quarter."""
    from pkarena.extensions import db
    from pkarena.services.contests import series as contest_series

    store, clock = app.extensions["pkarena.store"], app.extensions["pkarena.clock"]
    from pkarena.models import Contest
    from pkarena.services.contests import standings as contest_standings

    with db.new_session() as session:
        created = contest_series.create_due(session, clock)
        # A period's contest may be created mid-period (the worker was down): its boards start from the ledger.
        for contest_id in created:
            contest_standings.rebuild_one(session, store, session.get(Contest, contest_id))
    return created
