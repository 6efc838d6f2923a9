"""Read frozen monthly snapshots (what screens, pages, exports and the API show)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.engine.snapshot import SCOPE_ORDER
from pkarena.models import JointGroup, MonthlySnapshot, Org, Pairing, SnapshotRow

ROW_FIELDS = (
    "position", "rank", "subject_kind", "subject_id", "name", "org_id", "points",
    "members", "participants", "per_member", "participation",
)


@dataclass(frozen=True)
class SnapshotView:
    """One frozen scope of one month with its rows as plain dicts (ordered by position)."""

    month: str
    scope_kind: str
    scope_id: int
    checksum: str
    created_at: datetime
    rows: list[dict]

    def as_dict(self) -> dict:
        """The JSON shape of one snapshot in `GET /api/v1/snapshots/<month>`."""
        return {"scope_kind": self.scope_kind, "scope_id": self.scope_id, "checksum": self.checksum,
                "created_at": self.created_at.isoformat(), "rows": self.rows}


def short_checksum(checksum: str) -> str:
    """The first 12 hex digits of a checksum (what screens and sheets show)."""
    return checksum[:12]


def row_dict(row: SnapshotRow) -> dict:
    """A snapshot row as a plain dict of ROW_FIELDS."""
    return {name: getattr(row, name) for name in ROW_FIELDS}


def latest_month(session: Session) -> str | None:
    """The most recent frozen month, or None when nothing is frozen yet."""
    return session.execute(select(func.max(MonthlySnapshot.month))).scalar_one_or_none()


def frozen_months(session: Session) -> list[str]:
    """Every month with at least one snapshot, newest first."""
    return list(session.execute(
        select(MonthlySnapshot.month).distinct().order_by(MonthlySnapshot.month.desc())
    ).scalars())


def _view(session: Session, snapshot: MonthlySnapshot) -> SnapshotView:
    rows = session.execute(
        select(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot.id).order_by(SnapshotRow.position)
    ).scalars()
    return SnapshotView(snapshot.month, snapshot.scope_kind, snapshot.scope_id, snapshot.checksum,
                        snapshot.created_at, [row_dict(row) for row in rows])


def get(session: Session, month: str, scope_kind: str, scope_id: int = 0) -> SnapshotView | None:
    """The frozen snapshot of one scope for `month`, or None when that scope was not frozen."""
    snapshot = session.execute(select(MonthlySnapshot).where(
        MonthlySnapshot.month == month, MonthlySnapshot.scope_kind == scope_kind,
        MonthlySnapshot.scope_id == scope_id,
    )).scalar_one_or_none()
    return None if snapshot is None else _view(session, snapshot)


def month_headers(session: Session, month: str) -> list[MonthlySnapshot]:
    """The snapshot headers (no rows) of `month`, in the freeze's scope order (members first)."""
    order = {kind: index for index, kind in enumerate(SCOPE_ORDER)}
    headers = session.execute(select(MonthlySnapshot).where(MonthlySnapshot.month == month)).scalars()
    return sorted(headers, key=lambda h: (order.get(h.scope_kind, len(order)), h.scope_id))


def scope_names(session: Session) -> dict[tuple[str, int], str]:
    """(scope kind, id) → the org's, pairing's or joint group's name, for the scopes that have an id."""
    names = {("members_org", oid): name for oid, name in session.execute(select(Org.id, Org.name))}
    names.update({("pairing", pid): name for pid, name in session.execute(select(Pairing.id, Pairing.name))})
    names.update({("joint_group", gid): name for gid, name in session.execute(select(JointGroup.id, JointGroup.name))})
    return names


def all_for_month(session: Session, month: str) -> list[SnapshotView]:
    """Every frozen scope of `month` with rows (empty when the month is not frozen)."""
    return [_view(session, snapshot) for snapshot in month_headers(session, month)]
