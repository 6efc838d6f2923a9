"""Calendar constants, board keys and the org tree of the ledger test modules (their fixtures: conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import Person
from sqlalchemy import func, select

from pkarena.models import LedgerEntry
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


def ledger_tree(world) -> dict:
    """A company with two branches, an organizer and three members in branch A, one in branch B."""
    tree = world.two_companies(company_a="华瑞金属", branches_a=("第一支部", "第二支部"), company_b=None, people={
        "host": Person("a", "host", role="organizer"), "p1": Person("a1", "a1"), "p2": Person("a1", "a2"),
        "p3": Person("a1", "a3"), "other": Person("a2", "b1")})
    return {"company": tree["a"], "a": tree["a1"], "b": tree["a2"], "host": tree["host"],
            "people": [tree["p1"], tree["p2"], tree["p3"]], "other": tree["other"]}


def ledger_rows(session) -> int:
    """How many ledger entries exist."""
    return session.execute(select(func.count(LedgerEntry.id))).scalar_one()
