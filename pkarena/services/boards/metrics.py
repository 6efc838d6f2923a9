"""The read model of points: org metrics, populations, rankings and a member's places, one function per question.

Every page that shows a figure or a rank reads it here (boards page, `/api/v1/boards`, office screens,
the home and points pages, `/api/v1/me`, the organizer dashboard), so the same data gives the same order
everywhere. Orgs are ranked by `engine.ranking.rank_orgs`, which the monthly freeze uses too:

    人均 (full precision) → participation → total → org id; ranked by 人均, orgs share a rank only when
    人均, participation and total are all equal (see engine/ranking.py for the other sorts; a frozen
    month's org rows rank by total in the same order).

Members rank by points; equal points share a rank, and a member with no points ranks after everyone with
some. Who counts (the 人均 and participation denominator, and a rank's "of"): active human members of
the org's subtree now (a frozen month counts its own month-end population, see services/freeze.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine.periods import FrozenRow, Period, sum_months
from pkarena.engine.ranking import OrgFigures, rank_of, rank_orgs, share
from pkarena.models import JointGroup, JointGroupOrg, Member, MonthlySnapshot, Org, Pairing, SnapshotRow
from pkarena.services import ledger
from pkarena.store import keys
from pkarena.store.base import Store


# --- populations ----------------------------------------------------------------------------------
def populations(session: Session) -> list[tuple[str, int]]:
    """(org path, active human members directly in it) for every org with members."""
    return list(session.execute(
        select(Org.path, func.count(Member.id)).join(Member, Member.org_id == Org.id)
        .where(Member.status == "active", Member.is_bot.is_(False)).group_by(Org.path)
    ).all())


def subtree_population(session: Session, org: Org) -> int:
    """Active human members in the subtree of `org`."""
    return int(session.execute(
        select(func.count(Member.id)).join(Org, Member.org_id == Org.id)
        .where(Org.path.startswith(org.path), Member.status == "active", Member.is_bot.is_(False))
    ).scalar_one())


def outermost(org_list: list[Org]) -> list[Org]:
    """Drop orgs inside another listed org's subtree, so summing their boards counts nobody twice."""
    return [o for o in org_list if not any(o is not p and o.path.startswith(p.path) for p in org_list)]


# --- org metrics ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrgMetrics:
    """An org subtree over a live period: total points, members, participants, 人均, participation."""

    org_id: int
    name: str
    kind: str
    depth: int
    total: float
    members: int
    participants: int

    @property
    def per_member(self) -> float:
        """人均: total points ÷ members (0 for an empty org)."""
        return share(self.total, self.members)

    @property
    def participation(self) -> float:
        """参与率: members with ≥ 1 point in the period ÷ members."""
        return share(self.participants, self.members)

    @property
    def figures(self) -> OrgFigures:
        """What the org order ranks on (full precision)."""
        return OrgFigures(self.org_id, self.total, self.per_member, self.participation)

    def as_dict(self) -> dict:
        """The JSON shape of one org's metrics (ratios to 4 places, as the API always gave them)."""
        return {"org_id": self.org_id, "name": self.name, "kind": self.kind, "total": self.total,
                "members": self.members, "participants": self.participants,
                "per_member": round(self.per_member, 4), "participation": round(self.participation, 4)}


def org_metrics(session: Session, store: Store, period: Period, org_list: list[Org]) -> list[OrgMetrics]:
    """Each org subtree's total, members and participants for a live period (day, month or all)."""
    if period.is_frozen:
        raise ValueError(f"{period.key} is summed from frozen months: use frozen_board")
    counts = populations(session)
    org_board = store.board_all(keys.board_key("orgs", keys.scope_all(), period.key))
    metrics = []
    for org in org_list:
        member_board = store.board_all(keys.board_key("members", keys.scope_org(org.id), period.key))
        metrics.append(OrgMetrics(
            org.id, org.name, org.kind, len(org.ancestor_ids) - 1, org_board.get(str(org.id), 0.0),
            sum(count for path, count in counts if path.startswith(org.path)),
            sum(1 for score in member_board.values() if score > 0)))
    return metrics


def ranked_org_metrics(session: Session, store: Store, period: Period, org_list: list[Org],
                       sort: str = "per_member") -> list[tuple[OrgMetrics, int]]:
    """The orgs' live metrics in the one org order, with their ranks."""
    by_id = {m.org_id: m for m in org_metrics(session, store, period, org_list)}
    return [(by_id[figures.id], rank) for figures, rank in rank_orgs((m.figures for m in by_id.values()), sort)]


def pairing_sides(session: Session, store: Store, period: Period, pairing: Pairing) -> dict:
    """A pairing's month side by side, best first; `leader` the first side unless both share rank 1."""
    ranked = ranked_org_metrics(session, store, period, [pairing.org_a, pairing.org_b])
    leader = ranked[0][0].org_id if ranked[0][1] != ranked[1][1] else None
    return {"pairing": {"id": pairing.id, "name": pairing.name}, "month": period.month_key,
            "sides": [{**m.as_dict(), "rank": rank} for m, rank in ranked], "leader": leader}


def joint_group_rows(session: Session, store: Store, period: Period, group: JointGroup) -> dict:
    """A joint group's orgs for the month in the one org order, with ranks."""
    ranked = ranked_org_metrics(session, store, period, [link.org for link in group.members])
    return {"joint_group": {"id": group.id, "name": group.name}, "month": period.month_key,
            "rows": [{**m.as_dict(), "rank": rank} for m, rank in ranked]}


def frozen_board(session: Session, period: Period, scope_kind: str, scope_id: int = 0, sort: str = "total") -> dict:
    """A quarter's or year's ranking summed over its frozen months' snapshots (see engine/periods.py)."""
    months = period.months()
    rows = [FrozenRow(*row) for row in session.execute(
        select(MonthlySnapshot.month, SnapshotRow.subject_kind, SnapshotRow.subject_id, SnapshotRow.name,
               SnapshotRow.points, SnapshotRow.members, SnapshotRow.per_member, SnapshotRow.participation)
        .join(SnapshotRow, SnapshotRow.snapshot_id == MonthlySnapshot.id)
        .where(MonthlySnapshot.month.in_(months), MonthlySnapshot.scope_kind == scope_kind,
               MonthlySnapshot.scope_id == scope_id)
    )]
    frozen = sorted({row.month for row in rows})
    return {"months": months, "frozen_months": frozen, "sort": sort, "rows": sum_months(rows, sort)}


# --- a member's places ----------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardPlace:
    """A member's place on one board: rank among `of` members (ties share a rank)."""

    points: float
    rank: int
    of: int


def board_place(store: Store, board: str, member_id: int, population: int) -> BoardPlace:
    """Rank of a member on a board; a member with no points ranks after everyone with more."""
    row = store.board_rank(board, str(member_id))
    if row is not None:
        return BoardPlace(row.score, row.rank, max(population, row.rank))
    above = sum(1 for score in store.board_all(board).values() if score > 0)
    return BoardPlace(0, above + 1, max(population, above + 1))


def place_in_orgs(session: Session, store: Store, member_id: int, org_list: list[Org], period: Period) -> BoardPlace:
    """A member's place among the members of several org subtrees together (a pairing, a joint group)."""
    org_list = outermost(org_list)
    scores: dict[str, float] = {}
    for org in org_list:
        scores.update(store.board_all(keys.board_key("members", keys.scope_org(org.id), period.key)))
    mine = scores.get(str(member_id), 0.0)
    population = sum(subtree_population(session, org) for org in org_list)
    rank = rank_of(mine, [s for m, s in scores.items() if m != str(member_id) and s > 0])
    return BoardPlace(mine, rank, max(population, rank))


@dataclass(frozen=True)
class RankLine:
    """My rank this month within one org subtree (the `ranks` of `GET /api/v1/me`)."""

    org_id: int
    org_name: str
    org_kind: str
    points: float
    rank: int
    of: int


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


@dataclass(frozen=True)
class MemberSummary:
    """Points today / month / total of one member, this month's ranks in each ancestor org (`ranks`), and
    every place (month and all time; ancestor orgs, pairings, joint groups) in `scopes`."""

    member: dict
    org: dict
    month: str
    points: dict[str, int]
    ranks: list[RankLine]
    scopes: list[ScopeRank]

    def as_dict(self) -> dict:
        """The JSON shape of `GET /api/v1/me`."""
        return asdict(self)


def member_summary(session: Session, store: Store, clock: Clock, member: Member) -> MemberSummary:
    """Everything the home page, the points page and `/api/v1/me` show about `member`."""
    month = Period.for_month(clock.month_key())
    org = session.get(Org, member.org_id)
    ancestors = [session.get(Org, org_id) for org_id in reversed(org.ancestor_ids)]
    periods = (month, Period.parse(keys.PERIOD_ALL))
    scopes: list[ScopeRank] = []
    for scope_org in ancestors:
        population = subtree_population(session, scope_org)
        for period in periods:
            board = keys.board_key("members", keys.scope_org(scope_org.id), period.key)
            place = board_place(store, board, member.id, population)
            scopes.append(ScopeRank(scope_org.kind, scope_org.id, scope_org.name, period.key,
                                    place.points, place.rank, place.of))
    ids, today = [a.id for a in ancestors], clock.local().date()
    pairings = session.execute(select(Pairing).where(
        or_(Pairing.org_a_id.in_(ids), Pairing.org_b_id.in_(ids)), Pairing.starts_on <= today,
        or_(Pairing.ends_on.is_(None), Pairing.ends_on >= today)).order_by(Pairing.id)).scalars().all()
    groups = session.execute(select(JointGroup).join(JointGroupOrg).where(JointGroupOrg.org_id.in_(ids))
                             .distinct().order_by(JointGroup.id)).scalars().all()
    shared = [("pairing", p.id, p.name, [p.org_a, p.org_b]) for p in pairings]
    shared += [("joint_group", g.id, g.name, [link.org for link in g.members]) for g in groups]
    for kind, scope_id, name, org_list in shared:
        for period in periods:
            place = place_in_orgs(session, store, member.id, org_list, period)
            scopes.append(ScopeRank(kind, scope_id, name, period.key, place.points, place.rank, place.of))
    ranks = [RankLine(s.scope_id, s.name, s.kind, s.points, s.rank, s.of)
             for s in scopes if s.period == month.key and s.kind not in ("pairing", "joint_group")]
    return MemberSummary(
        member={"id": member.id, "username": member.username, "display_name": member.display_name,
                "role": member.role},
        org={"id": org.id, "name": org.name, "kind": org.kind, "path": [a.name for a in reversed(ancestors)]},
        month=month.month_key, points=ledger.member_totals(session, clock, member.id), ranks=ranks, scopes=scopes)
