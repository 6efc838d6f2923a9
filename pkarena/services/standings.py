"""What a member sees about themselves: points from the ledger and ranks from the boards."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.models import LedgerEntry, Member, Org
from pkarena.services import boards, ledger
from pkarena.store import keys
from pkarena.store.base import Store


@dataclass(frozen=True)
class RankLine:
    """My rank this month within one org subtree."""

    org_id: int
    org_name: str
    org_kind: str
    points: float
    rank: int
    of: int


@dataclass(frozen=True)
class MemberSummary:
    """Points today / month / total and ranks of one member."""

    member: dict
    org: dict
    month: str
    points: dict[str, int]
    ranks: list[RankLine]

    def as_dict(self) -> dict:
        """The JSON shape of `GET /api/v1/me`."""
        return asdict(self)


def subtree_population(session: Session, org: Org) -> int:
    """Active human members in the subtree of `org`."""
    return int(session.execute(
        select(func.count(Member.id)).join(Org, Member.org_id == Org.id)
        .where(Org.path.startswith(org.path), Member.status == "active", Member.is_bot.is_(False))
    ).scalar_one())


def member_summary(session: Session, store: Store, clock: Clock, member: Member) -> MemberSummary:
    """Everything the home page and `/api/v1/me` show about `member`."""
    month = clock.month_key()
    points = ledger.member_totals(session, clock, member.id)
    org = session.get(Org, member.org_id)
    ranks: list[RankLine] = []
    ancestors = [session.get(Org, org_id) for org_id in reversed(org.ancestor_ids)]
    for scope_org in ancestors:
        board = keys.board_key("members", keys.scope_org(scope_org.id), keys.period_month(month))
        place = boards.standing(store, board, member.id, subtree_population(session, scope_org))
        ranks.append(RankLine(scope_org.id, scope_org.name, scope_org.kind, place.points, place.rank, place.of))
    return MemberSummary(
        member={"id": member.id, "username": member.username, "display_name": member.display_name,
                "role": member.role},
        org={"id": org.id, "name": org.name, "kind": org.kind, "path": [a.name for a in reversed(ancestors)]},
        month=month,
        points=points,
        ranks=ranks,
    )


def recent_entries(session: Session, member_id: int, limit: int = 10) -> list[LedgerEntry]:
    """A member's latest ledger entries, newest first (what the points came from)."""
    return list(session.execute(
        select(LedgerEntry).where(LedgerEntry.member_id == member_id)
        .order_by(LedgerEntry.awarded_at.desc(), LedgerEntry.id.desc()).limit(limit)
    ).scalars())


@dataclass(frozen=True)
class OrgMetrics:
    """An org subtree's month: total points, members, points per member, participation."""

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
        return self.total / self.members if self.members else 0.0

    @property
    def participation(self) -> float:
        """参与率: members with ≥ 1 point this month ÷ members."""
        return self.participants / self.members if self.members else 0.0


def org_month_metrics(session: Session, store: Store, month: str, org_list: list[Org]) -> list[OrgMetrics]:
    """Month metrics of each org's subtree, read from the live boards."""
    rows = session.execute(
        select(Org.path, func.count(Member.id)).join(Member, Member.org_id == Org.id)
        .where(Member.status == "active", Member.is_bot.is_(False)).group_by(Org.path)
    ).all()
    period = keys.period_month(month)
    org_board = store.board_all(keys.board_key("orgs", keys.scope_all(), period))
    metrics = []
    for org in org_list:
        population = sum(count for path, count in rows if path.startswith(org.path))
        member_board = store.board_all(keys.board_key("members", keys.scope_org(org.id), period))
        metrics.append(OrgMetrics(org.id, org.name, org.kind, len(org.ancestor_ids) - 1,
                                  org_board.get(str(org.id), 0.0), population,
                                  sum(1 for score in member_board.values() if score > 0)))
    return metrics
