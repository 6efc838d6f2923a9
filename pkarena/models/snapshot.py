"""Immutable monthly snapshots of the rankings (DESIGN §4 "Monthly freeze")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from question_bank.db import Base, UTCDateTime

SCOPE_KINDS = ("members_all", "members_org", "orgs", "pairing", "joint_group")
SUBJECT_KINDS = ("member", "org")


class MonthlySnapshot(Base):
    """One frozen ranking of one scope for one month, with the SHA-256 of its canonical rows."""

    __tablename__ = "monthly_snapshot"
    __table_args__ = (
        # The database, not a lock, guarantees one snapshot per scope when two workers freeze at once.
        UniqueConstraint("month", "scope_kind", "scope_id"),
        CheckConstraint(
            "scope_kind IN ('members_all','members_org','orgs','pairing','joint_group')", name="scope_kind"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    scope_kind: Mapped[str] = mapped_column(String(16))
    # 0 for the scopes that cover everything (members_all, orgs).
    scope_id: Mapped[int] = mapped_column(Integer, default=0)
    checksum: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SnapshotRow(Base):
    """One ranked line of a snapshot: a member or an org with its frozen figures."""

    __tablename__ = "snapshot_row"
    __table_args__ = (
        CheckConstraint("subject_kind IN ('member','org')", name="subject_kind"),
    )

    # No foreign key to monthly_snapshot (migration 0004): the freeze writes a header and its rows in one
    # transaction and nothing deletes them, so the key only cost a check on each of a freeze's rows.
    snapshot_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    subject_kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    members: Mapped[int | None] = mapped_column(Integer)
    participants: Mapped[int | None] = mapped_column(Integer)
    per_member: Mapped[float | None] = mapped_column(Float)
    participation: Mapped[float | None] = mapped_column(Float)
