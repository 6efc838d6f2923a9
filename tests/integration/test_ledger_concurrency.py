"""Real races on the ledger: threads released together by a barrier, each with its own session.

PostgreSQL serializes awards of one member on the member row (SELECT … FOR UPDATE); SQLite on its
database write lock (BEGIN IMMEDIATE). Either way the idempotency key and the daily caps must hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from ledger_helpers import count_entries, database, entries_of, seed
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from pkarena.clock import FrozenClock
from pkarena.models import AuditLog
from pkarena.services import ledger

THREADS = 8
START = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

DATABASES = [
    pytest.param("postgres_url", id="postgres", marks=pytest.mark.postgres),
    pytest.param("sqlite_url", id="sqlite-file"),
]


@pytest.fixture(params=DATABASES)
def factory(request):
    """A session factory on its own engine, for PostgreSQL and for a SQLite file."""
    with database(request.getfixturevalue(request.param)) as sessions:
        yield sessions


@pytest.fixture
def clock() -> FrozenClock:
    """Every thread awards at the same server time (so all races are within one day)."""
    return FrozenClock(START)


def race(factory: sessionmaker[Session], work: Callable[[Session, int], object], n: int = THREADS) -> list:
    """Run `work(session, i)` in `n` threads released at once; return results in thread order."""
    barrier = threading.Barrier(n, timeout=30)
    results: list = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        with factory() as session:
            session.execute(text("SELECT 1"))  # open the connection before the start line
            session.rollback()
            try:
                barrier.wait()
                results[i] = work(session, i)
            except BaseException as exc:  # reported below, with the thread's own traceback
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"award-{i}") for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing award never finished"
    if errors:
        raise errors[0]
    return results


def test_racing_awards_of_the_same_key_make_one_entry_and_all_get_its_id(factory, clock):
    member_id = seed(factory, clock).member_ids[0]

    def same_key(session, _i):
        return ledger.award(session, clock, member_id=member_id, source="pk4", source_ref="match-1",
                            outcome={"place": 1})

    results = race(factory, same_key)
    assert len({r.entry.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert [e.points for e in entries_of(factory, member_id)] == [3]


def test_racing_resubmits_of_a_manual_award_write_one_entry_and_one_audit_row(factory, clock):
    seeded = seed(factory, clock, members_count=2)
    actor, member = seeded.member_ids

    def resubmit(session, _i):
        return ledger.manual_award(session, clock, actor_id=actor, member_ids=[member], points=2,
                                   category="思想学习", reason="集中学习", request_id="req-1")[0]

    results = race(factory, resubmit)
    assert len({r.entry.id for r in results}) == 1
    assert count_entries(factory) == 1
    with factory() as session:
        assert session.execute(select(func.count(AuditLog.id)).where(AuditLog.action == "ledger.manual")).scalar_one() == 1


def test_racing_daily_runs_never_take_a_member_past_the_daily_cap(factory, clock):
    member_id = seed(factory, clock).member_ids[0]

    def daily_run(session, i):
        return ledger.award(session, clock, member_id=member_id, source="daily", source_ref=f"run-{i}",
                            outcome={"correct": 2})

    results = race(factory, daily_run)
    assert sum(r.points for r in results) == 5
    assert sorted(r.points for r in results) == [0] * (THREADS - 3) + [1, 2, 2]
    assert sum(e.points for e in entries_of(factory, member_id)) == 5


def test_racing_four_player_matches_pay_exactly_the_first_two(factory, clock):
    member_id = seed(factory, clock).member_ids[0]

    def first_place(session, i):
        return ledger.award(session, clock, member_id=member_id, source="pk4", source_ref=f"match-{i}",
                            outcome={"place": 1})

    results = race(factory, first_place)
    assert sorted(r.points for r in results) == [0] * (THREADS - 2) + [2, 3]
    assert sum(r.reason == "match_limit" for r in results) == THREADS - 2
    assert sum(e.points for e in entries_of(factory, member_id)) == 5


def test_racing_members_do_not_share_a_cap(factory, clock):
    member_ids = seed(factory, clock, members_count=THREADS).member_ids

    def each_their_own(session, i):
        return ledger.award(session, clock, member_id=member_ids[i], source="daily", source_ref="run-1",
                            outcome={"correct": 5})

    assert [r.points for r in race(factory, each_their_own)] == [5] * THREADS
