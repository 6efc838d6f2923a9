"""Two workers freezing the same month at once give one snapshot per scope (the UNIQUE constraint decides)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from ledger_helpers import database, seed
from sqlalchemy import func, select

from pkarena.clock import FrozenClock
from pkarena.models import MonthlySnapshot, SnapshotRow
from pkarena.services import ledger
from pkarena.services.monthly import freeze

pytestmark = pytest.mark.postgres

MONTH = "2026-10"


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_freezes_of_one_month_write_each_scope_once(postgres_url, workers):
    clock = FrozenClock(datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    with database(postgres_url) as factory:
        ids = seed(factory, clock, members_count=6).member_ids
        clock.set(datetime(2026, 10, 12, 2, 0, tzinfo=UTC))
        with factory() as session:
            for i, member_id in enumerate(ids):
                ledger.award(session, clock, member_id=member_id, source="manual", source_ref=f"r{i}",
                             outcome={"points": i % 3 + 1}, category="思想学习", note="并发")
        clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
        barrier = threading.Barrier(workers)
        results: list[list[freeze.FrozenScope]] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with factory() as session:
                    barrier.wait(timeout=30)
                    results.append(freeze.freeze_month(session, clock, MONTH))
            except BaseException as exc:  # reported below: a thread's exception is otherwise lost
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert len(results) == workers
        scopes = {(s.scope_kind, s.scope_id) for s in results[0]}
        for scope in scopes:
            outcomes = [s for run in results for s in run if (s.scope_kind, s.scope_id) == scope]
            assert sum(s.created for s in outcomes) == 1, scope
            assert len({s.checksum for s in outcomes}) == 1, scope
        with factory() as session:
            assert session.execute(select(func.count(MonthlySnapshot.id))).scalar_one() == len(scopes)
            rows = session.execute(select(func.sum(MonthlySnapshot.row_count))).scalar_one()
            assert session.execute(select(func.count()).select_from(SnapshotRow)).scalar_one() == rows
            assert freeze.check_month(session, MONTH, clock) == []
