"""Fixtures and calendar constants shared by the ledger test modules (test_ledger*.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pkarena.models import LedgerEntry
from pkarena.services import ledger
from pkarena.store import keys

NOV = "2026-11"
TODAY = "2026-11-25"
# 00:00:00 in Shanghai (UTC+8), at the end of the fixture clock's day.
LOCAL_MIDNIGHT = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def member_board(scope: str, period: str) -> str:
    """The key of a members board."""
    return keys.board_key("members", scope, period)


ALL_MONTH = member_board(keys.scope_all(), keys.period_month(NOV))


@pytest.fixture
def store(app):
    """The app's store (memory or Redis)."""
    return app.extensions["pkarena.store"]


@pytest.fixture
def updater(app):
    """The app's BoardUpdater, passed as `on_commit` like the services do."""
    return app.extensions["pkarena.boards"]


@pytest.fixture
def tree(world):
    """A company with two branches, an organizer and three members in branch A, one in branch B."""
    company = world.org("华瑞金属")
    branch_a = world.org("第一支部", company)
    branch_b = world.org("第二支部", company)
    host = world.member(company, "host", role="organizer")
    people = [world.member(branch_a, f"a{i}") for i in (1, 2, 3)]
    other = world.member(branch_b, "b1")
    return {"company": company, "a": branch_a, "b": branch_b, "host": host, "people": people, "other": other}


@pytest.fixture
def give(session, clock, updater):
    """Award through the real path with the app's board updater."""

    def do(member, source: str, ref: str, **outcome) -> ledger.AwardResult:
        return ledger.award(session, clock, member_id=member.id, source=source, source_ref=ref, outcome=outcome,
                            on_commit=updater)

    return do


def ledger_rows(session) -> int:
    """How many ledger entries exist."""
    return session.execute(select(func.count(LedgerEntry.id))).scalar_one()
