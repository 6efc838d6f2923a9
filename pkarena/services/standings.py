"""What a member sees about themselves: points from the ledger and ranks from the boards."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import periods
from pkarena.engine.ranking import shared_ranks
from pkarena.models import JointGroup, LedgerEntry, Member, MonthlySnapshot, Org, Pairing, SnapshotRow
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


def _side(metrics: OrgMetrics) -> dict:
    """One org's month metrics as a JSON-ready dict."""
    return {"org_id": metrics.org_id, "name": metrics.name, "kind": metrics.kind, "total": metrics.total,
            "members": metrics.members, "participants": metrics.participants,
            "per_member": round(metrics.per_member, 4), "participation": round(metrics.participation, 4)}


def pairing_standing(session: Session, store: Store, month: str, pairing: Pairing) -> dict:
    """A pairing's month, side by side (total, members, 人均, participation); leader by 人均 (None if equal)."""
    side_a, side_b = (_side(m) for m in org_month_metrics(session, store, month, [pairing.org_a, pairing.org_b]))
    leader = None
    if side_a["per_member"] != side_b["per_member"]:
        leader = max(side_a, side_b, key=lambda s: s["per_member"])["org_id"]
    return {"pairing": {"id": pairing.id, "name": pairing.name}, "month": month,
            "sides": [side_a, side_b], "leader": leader}


def joint_group_standing(session: Session, store: Store, month: str, group: JointGroup) -> dict:
    """A joint group's orgs for the month, ranked by 人均 points (equal 人均 share a rank)."""
    rows = {m.org_id: _side(m) for m in org_month_metrics(session, store, month, [link.org for link in group.members])}
    ranked = shared_ranks((org_id, row["per_member"]) for org_id, row in rows.items())
    return {"joint_group": {"id": group.id, "name": group.name}, "month": month,
            "rows": [{**rows[org_id], "rank": rank} for org_id, _score, rank in ranked]}


def period_months(period: str) -> list[str]:
    """The months of `quarter:YYYY-Qn` or `year:YYYY` (ValueError for anything else)."""
    kind, _, value = period.partition(":")
    if kind == "year" and value.isdigit() and len(value) == 4:
        return [f"{value}-{m:02d}" for m in range(1, 13)]
    if kind == "quarter" and len(value) == 7 and value[:4].isdigit() and value[4:6] == "-Q" and value[6] in "1234":
        first = (int(value[6]) - 1) * 3 + 1
        return [f"{value[:4]}-{m:02d}" for m in range(first, first + 3)]
    raise ValueError(f"not a quarter or year period: {period!r}")


def frozen_period_board(session: Session, period: str, scope_kind: str, scope_id: int = 0,
                        sort: str = "total") -> dict:
    """A quarter's or year's ranking summed over its frozen months' snapshots (see engine/periods.py)."""
    months = period_months(period)
    rows = [periods.FrozenRow(*row) for row in session.execute(
        select(MonthlySnapshot.month, SnapshotRow.subject_kind, SnapshotRow.subject_id, SnapshotRow.name,
               SnapshotRow.points, SnapshotRow.members, SnapshotRow.per_member, SnapshotRow.participation)
        .join(SnapshotRow, SnapshotRow.snapshot_id == MonthlySnapshot.id)
        .where(MonthlySnapshot.month.in_(months), MonthlySnapshot.scope_kind == scope_kind,
               MonthlySnapshot.scope_id == scope_id)
    )]
    frozen = sorted({row.month for row in rows})
    return {"months": months, "frozen_months": frozen, "sort": sort, "rows": periods.sum_months(rows, sort)}
