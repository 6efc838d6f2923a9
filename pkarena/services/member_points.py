"""A member's own points: the month's trend and entries from the ledger, ranks from the live boards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine.ranking import rank_of
from pkarena.models import JointGroup, JointGroupOrg, LedgerEntry, Member, Org, Pairing
from pkarena.services import boards
from pkarena.services.standings import subtree_population
from pkarena.store import keys
from pkarena.store.base import Store

PER_PAGE = 20


def month_trend(session: Session, clock: Clock, member_id: int, month: str) -> dict[str, list]:
    """Points per local day of `month` (up to today for the current month) and their running total."""
    start = date.fromisoformat(f"{month}-01")
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


@dataclass(frozen=True)
class ScopeRank:
    """My place within one scope (an org subtree, a pairing, a joint group) for one period."""

    kind: str  # company | branch | group | pairing | joint_group
    scope_id: int
    name: str
    period: str
    points: float
    rank: int
    of: int


def _merged_rank(session: Session, store: Store, member_id: int, org_list: list[Org], period: str) -> tuple:
    """(points, rank, of) of a member on the union of several disjoint org subtrees' member boards."""
    scores: dict[str, float] = {}
    for org in org_list:
        scores.update(store.board_all(keys.board_key("members", keys.scope_org(org.id), period)))
    mine = scores.get(str(member_id), 0.0)
    population = sum(subtree_population(session, org) for org in org_list)
    rank = rank_of(mine, [s for m, s in scores.items() if m != str(member_id) and s > 0])
    return mine, rank, max(population, rank)


def _disjoint(org_list: list[Org]) -> list[Org]:
    """Drop orgs lying inside another listed org's subtree, so no member is counted twice."""
    return [o for o in org_list if not any(o is not p and o.path.startswith(p.path) for p in org_list)]


def my_ranks(session: Session, store: Store, clock: Clock, member: Member) -> list[ScopeRank]:
    """My rank this month and all time in my branch and company, my org's pairings and joint groups."""
    org = session.get(Org, member.org_id)
    ancestors = [session.get(Org, org_id) for org_id in reversed(org.ancestor_ids)]
    periods = (keys.period_month(clock.month_key()), keys.PERIOD_ALL)
    ranks: list[ScopeRank] = []
    for scope in ancestors:
        population = subtree_population(session, scope)
        for period in periods:
            board = keys.board_key("members", keys.scope_org(scope.id), period)
            place = boards.standing(store, board, member.id, population)
            ranks.append(ScopeRank(scope.kind, scope.id, scope.name, period, place.points, place.rank, place.of))
    ids = [a.id for a in ancestors]
    today = clock.local().date()
    pairings = session.execute(select(Pairing).where(
        or_(Pairing.org_a_id.in_(ids), Pairing.org_b_id.in_(ids)), Pairing.starts_on <= today,
        or_(Pairing.ends_on.is_(None), Pairing.ends_on >= today)).order_by(Pairing.id)).scalars().all()
    for pairing in pairings:
        sides = _disjoint([pairing.org_a, pairing.org_b])
        for period in periods:
            ranks.append(ScopeRank("pairing", pairing.id, pairing.name, period,
                                   *_merged_rank(session, store, member.id, sides, period)))
    groups = session.execute(select(JointGroup).join(JointGroupOrg).where(JointGroupOrg.org_id.in_(ids))
                             .distinct().order_by(JointGroup.id)).scalars().all()
    for group in groups:
        group_orgs = _disjoint([link.org for link in group.members])
        for period in periods:
            ranks.append(ScopeRank("joint_group", group.id, group.name, period,
                                   *_merged_rank(session, store, member.id, group_orgs, period)))
    return ranks
