"""The append-only points ledger and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from question_bank.db import Base, UTCDateTime


class LedgerEntry(Base):
    """One award of points; never updated or deleted (corrections are new entries)."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_member_day_source", "member_id", "day", "source"),
        Index("ix_ledger_month_org", "month", "org_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    points: Mapped[int] = mapped_column(Integer)
    # What the rules asked for before caps; points < requested means a cap applied.
    requested: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(24))
    source_ref: Mapped[str] = mapped_column(String(120))
    rule_version: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(48), default="")
    # What a PK match ended with for this member ('win', 'loss', 'draw', 'place:N'): contests count wins.
    outcome: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(48))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    adjusts_month: Mapped[str | None] = mapped_column(String(7))
    corrects_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[str] = mapped_column(String(10))
    month: Mapped[str] = mapped_column(String(7))


class AuditLog(Base):
    """One organizer or admin write: who, what, on which object, with which details."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
