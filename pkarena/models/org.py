"""Organizations (company → branch → group), pairings and joint groups."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, UTCDateTime

ORG_KINDS = ("company", "branch", "group")


class Org(Base):
    """A node of the org tree; `path` ("/1/4/") makes subtree queries one LIKE."""

    __tablename__ = "org"
    __table_args__ = (CheckConstraint("kind IN ('company','branch','group')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    parent: Mapped[Org | None] = relationship(remote_side=[id])

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root company down to this org (inclusive)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def company_id(self) -> int:
        """The id of the company at the root of this org's tree."""
        return self.ancestor_ids[0]


class Pairing(Base):
    """Two orgs of different companies paired for joint building (结对共建)."""

    __tablename__ = "pairing"
    __table_args__ = (
        CheckConstraint("org_a_id <> org_b_id", name="distinct_orgs"),
        UniqueConstraint("org_a_id", "org_b_id", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    org_a_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    org_b_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    org_a: Mapped[Org] = relationship(foreign_keys=[org_a_id])
    org_b: Mapped[Org] = relationship(foreign_keys=[org_b_id])


class JointGroup(Base):
    """Several orgs gathered in one joint group (联合党委)."""

    __tablename__ = "joint_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[JointGroupOrg]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="JointGroupOrg.org_id"
    )


class JointGroupOrg(Base):
    """One org's place in a joint group."""

    __tablename__ = "joint_group_org"

    group_id: Mapped[int] = mapped_column(ForeignKey("joint_group.id"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), primary_key=True)

    group: Mapped[JointGroup] = relationship(back_populates="members")
    org: Mapped[Org] = relationship()
