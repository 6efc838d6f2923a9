"""The demo's contests (PK赛): a monthly series of the paired branches, last month's frozen, a quarterly one.

Everything goes through the contest services as the organizer `host-a`, so the audit log shows it as an
organizer's work. The monthly series is created as of last month's first morning, so the series' own path
(`create_due`) makes last month's contest as well as this month's, whatever day the demo starts on; last
month's is then frozen like the worker freezes it. Every step looks for what exists first: seeding again,
or starting the demo again on a later day, adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock, FrozenClock
from pkarena.engine import contests as rules
from pkarena.models import Contest, ContestSeries, JointGroup, Member, Pairing
from pkarena.services.contests import series as contest_series
from pkarena.services.contests import standings as contest_standings
from pkarena.services.contests.manage import ContestDraft

# (name, description): fictional, written for this project.
MONTHLY = ("一支部×运维支部 月度PK赛", "结对支部每月比拼人均积分，月末冻结结果，第一名获得流动红旗。")
QUARTERLY = ("华瑞星联 季度联合竞赛", "联合党委两家公司按季度比拼人均积分，各支部齐心为本公司加分。")


@dataclass(frozen=True)
class DemoContests:
    """The demo's contests after seeding: this month's, last month's (frozen) and the quarter's; how many are new."""

    running_id: int | None
    frozen_id: int | None
    quarterly_id: int | None
    created: int


def last_month_start(clock: Clock) -> date:
    """The first day of the month before the clock's local month."""
    return (clock.local().date().replace(day=1) - timedelta(days=1)).replace(day=1)


def last_month_clock(clock: Clock, not_before: datetime) -> FrozenClock:
    """A clock at 09:00 on last month's first day (not before `not_before`: the demo world's creation)."""
    morning = datetime.combine(last_month_start(clock), time(9), tzinfo=clock.zone).astimezone(UTC)
    return FrozenClock(max(morning, not_before.astimezone(UTC) + timedelta(minutes=1)), clock.zone.key)


def _series(session: Session, clock: Clock, actor: Member, named: tuple[str, str], cadence: str,
            **sides: int) -> ContestSeries:
    """The series of this name, created (with its current period's contest) if the demo has none yet."""
    found = session.execute(select(ContestSeries).where(ContestSeries.name == named[0])).scalars().first()
    if found is not None:
        return found
    draft = ContestDraft(name=named[0], starts_on=None, ends_on=None, description=named[1], **sides)
    return contest_series.create_series(session, clock, actor, draft, cadence)


def _contest(session: Session, series: ContestSeries, starts_on: date) -> Contest | None:
    return session.execute(select(Contest).where(Contest.series_id == series.id,
                                                 Contest.starts_on == starts_on)).scalar_one_or_none()


def _count(session: Session) -> int:
    """How many contests the demo's series have."""
    named = select(ContestSeries.id).where(ContestSeries.name.in_([MONTHLY[0], QUARTERLY[0]]))
    return int(session.execute(select(func.count(Contest.id)).where(Contest.series_id.in_(named))).scalar_one())


def seed_contests(session: Session, clock: Clock, host: Member, pairing: Pairing, group: JointGroup) -> DemoContests:
    """The paired branches' monthly series (last month frozen, this month running) and the group's quarterly one."""
    before = _count(session)
    then = last_month_clock(clock, host.created_at)
    monthly = _series(session, then, host, MONTHLY, "monthly", pairing_id=pairing.id)
    quarterly = _series(session, clock, host, QUARTERLY, "quarterly", joint_group_id=group.id)
    if monthly.active:
        contest_series.create_due(session, then, [monthly])
    contest_series.create_due(session, clock, [s for s in (monthly, quarterly) if s.active])
    previous = _contest(session, monthly, last_month_start(clock))
    if previous is not None and previous.status == "scheduled":
        contest_standings.freeze(session, clock, previous)
    today = clock.local().date()
    running = _contest(session, monthly, rules.series_period_start("monthly", today))
    quarter = _contest(session, quarterly, rules.series_period_start("quarterly", today))
    ids = (running.id if running else None, previous.id if previous else None, quarter.id if quarter else None)
    created = _count(session) - before
    session.rollback()  # end the read transaction: the caller goes on with other work
    return DemoContests(*ids, created=created)
