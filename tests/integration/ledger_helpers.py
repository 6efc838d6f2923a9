"""Helpers shared by the ledger tests that build their own engines (concurrency, CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from pkarena.clock import Clock
from pkarena.database import make_engine
from pkarena.models import LedgerEntry
from pkarena.services.people import members, orgs

PASSWORD = "correct-horse-9"


@dataclass(frozen=True)
class Seeded:
    """Ids of a small world: one company, one branch and its members."""

    company_id: int
    branch_id: int
    member_ids: list[int]


@contextmanager
def database(url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on a fresh engine for `url` (as a web process or worker would build it)."""
    engine: Engine = make_engine(url)
    try:
        yield sessionmaker(engine, expire_on_commit=False)
    finally:
        engine.dispose()


def seed(factory: sessionmaker[Session], clock: Clock, members_count: int = 1, prefix: str = "m") -> Seeded:
    """Create a company with one branch and `members_count` members, committed."""
    with factory() as session:
        company = orgs.create_org(session, clock, "测试公司")
        branch = orgs.create_org(session, clock, "第一支部", company)
        people = [
            members.create_member(session, clock, username=f"{prefix}{i:03d}", display_name=f"成员{i}", org=branch,
                                  password=PASSWORD)
            for i in range(members_count)
        ]
        session.commit()
        return Seeded(company.id, branch.id, [m.id for m in people])


def entries_of(factory: sessionmaker[Session], member_id: int) -> list[LedgerEntry]:
    """Every ledger entry of a member, oldest first."""
    with factory() as session:
        return list(session.execute(
            select(LedgerEntry).where(LedgerEntry.member_id == member_id).order_by(LedgerEntry.id)).scalars())


def count_entries(factory: sessionmaker[Session]) -> int:
    """Number of ledger entries."""
    with factory() as session:
        return int(session.execute(select(func.count(LedgerEntry.id))).scalar_one())
