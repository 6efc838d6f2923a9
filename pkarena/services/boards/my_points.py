"""A member's own points from the ledger: the month's trend and entries (ranks: services/metrics.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine.periods import Period
from pkarena.models import LedgerEntry

PER_PAGE = 20


def month_trend(session: Session, clock: Clock, member_id: int, month: str) -> dict[str, list]:
    """Points per local day of `month` (up to today for the current month) and their running total."""
    start = Period.for_month(month).start
    following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    today = clock.local().date()
    last = min(following - timedelta(days=1), today) if start <= today else following - timedelta(days=1)
    rows = dict(session.execute(
        select(LedgerEntry.day, func.sum(LedgerEntry.points))
        .where(LedgerEntry.member_id == member_id, LedgerEntry.month == month).group_by(LedgerEntry.day)
    ).all())
    days, daily, cumulative, running = [], [], [], 0
    day = start
    while day <= last:
        key = day.isoformat()
        points = int(rows.get(key) or 0)
        running += points
        days.append(key)
        daily.append(points)
        cumulative.append(running)
        day += timedelta(days=1)
    return {"month": month, "days": days, "daily": daily, "cumulative": cumulative}


@dataclass(frozen=True)
class EntryPage:
    """One page of a member's ledger entries, newest first."""

    items: list[LedgerEntry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def entry_page(session: Session, member_id: int, *, month: str | None = None, page: int = 1,
               per_page: int = PER_PAGE) -> EntryPage:
    """A member's ledger entries (of one month if given), newest first, one page."""
    query = select(LedgerEntry).where(LedgerEntry.member_id == member_id)
    if month:
        query = query.where(LedgerEntry.month == month)
    total = int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    page = max(1, page)
    items = session.execute(query.order_by(LedgerEntry.awarded_at.desc(), LedgerEntry.id.desc())
                            .offset((page - 1) * per_page).limit(per_page)).scalars().all()
    return EntryPage(list(items), total, page, per_page)


def entry_dict(entry: LedgerEntry, clock: Clock) -> dict:
    """The JSON shape of one ledger entry as its member sees it."""
    return {
        "id": entry.id, "points": entry.points, "requested": entry.requested, "source": entry.source,
        "source_ref": entry.source_ref, "reason": entry.reason, "category": entry.category, "note": entry.note,
        "adjusts_month": entry.adjusts_month, "corrects_entry_id": entry.corrects_entry_id,
        "awarded_at": entry.awarded_at.isoformat(), "local_time": clock.local(entry.awarded_at).isoformat(),
        "day": entry.day, "month": entry.month,
    }


def recent_entries(session: Session, member_id: int, limit: int = 10) -> list[LedgerEntry]:
    """A member's latest ledger entries, newest first (what the points came from)."""
    return list(session.execute(
        select(LedgerEntry).where(LedgerEntry.member_id == member_id)
        .order_by(LedgerEntry.awarded_at.desc(), LedgerEntry.id.desc()).limit(limit)
    ).scalars())
