"""Contests between organizations (PK赛), their series and their frozen results (DESIGN §4 "Contests")."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pkarena.models.org import Org
from question_bank.db import Base, UTCDateTime


class ContestSeries(Base):
    """A contest repeated every month or quarter between the same orgs; the worker creates each period's."""

    __tablename__ = "contest_series"
    __table_args__ = (CheckConstraint("cadence IN ('monthly','quarterly')", name="cadence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    cadence: Mapped[str] = mapped_column(String(16))
    org_ids: Mapped[list] = mapped_column(JSON)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairing.id"))
    joint_group_id: Mapped[int | None] = mapped_column(ForeignKey("joint_group.id"))
    metric: Mapped[str] = mapped_column(String(16))
    tie_breaks: Mapped[list] = mapped_column(JSON)
    sources: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Contest(Base):
    """One contest: participants, a window of local days, how it is scored, and where it stands."""

    __tablename__ = "contest"
    __table_args__ = (
        CheckConstraint("status IN ('draft','scheduled','running','ended','frozen','cancelled')", name="status"),
        CheckConstraint("metric IN ('per_member','total','participation','pk_wins')", name="metric"),
        CheckConstraint("ends_on >= starts_on", name="window"),
        # A series makes one contest per period, however many workers run at once.
        UniqueConstraint("series_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    series_id: Mapped[int | None] = mapped_column(ForeignKey("contest_series.id"), index=True)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairing.id"))
    joint_group_id: Mapped[int | None] = mapped_column(ForeignKey("joint_group.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(16), default="per_member")
    tie_breaks: Mapped[list] = mapped_column(JSON)
    sources: Mapped[list] = mapped_column(JSON)
    # draft | scheduled (running and ended follow from the dates) | frozen | cancelled
    status: Mapped[str] = mapped_column(String(16), default="draft")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checksum: Mapped[str | None] = mapped_column(String(64))
    winner_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))

    orgs: Mapped[list[ContestOrg]] = relationship(back_populates="contest", cascade="all, delete-orphan",
                                                  order_by="ContestOrg.position")
    series: Mapped[ContestSeries | None] = relationship()


class ContestOrg(Base):
    """One participating org of a contest, in the order the organizer listed them."""

    __tablename__ = "contest_org"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    contest: Mapped[Contest] = relationship(back_populates="orgs")
    org: Mapped[Org] = relationship()


class ContestResultRow(Base):
    """One participant's frozen line of a contest's result; written once at the freeze, never changed."""

    __tablename__ = "contest_result_row"

    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    total: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)
    participants: Mapped[int] = mapped_column(Integer)
    per_member: Mapped[float] = mapped_column(Float)
    participation: Mapped[float] = mapped_column(Float)
    pk_wins: Mapped[int] = mapped_column(Integer)
    reached_at: Mapped[str | None] = mapped_column(String(40))
