"""Members, their membership history, invites and screen tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pkarena.models.org import Org
from question_bank.db import Base, UTCDateTime

ROLES = ("member", "organizer", "admin")
STATUSES = ("active", "pending", "inactive")


class Member(Base):
    """A person who logs in: a member, an organizer scoped to an org subtree, or an admin."""

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("role IN ('member','organizer','admin')", name="role"),
        CheckConstraint("status IN ('active','pending','inactive')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    status: Mapped[str] = mapped_column(String(16), default="active")
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    # The subtree an organizer manages; members and admins leave it empty.
    scope_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    org: Mapped[Org] = relationship(foreign_keys=[org_id])
    scope_org: Mapped[Org | None] = relationship(foreign_keys=[scope_org_id])

    # Flask-Login protocol, kept here so the model needs no Flask import.
    @property
    def is_authenticated(self) -> bool:
        """Always true for a loaded member (Flask-Login protocol)."""
        return True

    @property
    def is_active(self) -> bool:
        """Only active members may hold a session."""
        return self.status == "active"

    @property
    def is_anonymous(self) -> bool:
        """Never anonymous (Flask-Login protocol)."""
        return False

    def get_id(self) -> str:
        """The session identifier (Flask-Login protocol)."""
        return str(self.id)


class Membership(Base):
    """A period during which a member belonged to an org; moving a member closes one, opens one."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    org: Mapped[Org] = relationship()


class Invite(Base):
    """A per-org link members open on their phone to register themselves."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    org: Mapped[Org] = relationship()


class ScreenToken(Base):
    """A revocable, read-only token for an office screen of an org, pairing, joint group or contest."""

    __tablename__ = "screen_token"
    __table_args__ = (CheckConstraint("scope_kind IN ('org','pairing','joint_group','contest')", name="scope_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    scope_kind: Mapped[str] = mapped_column(String(16))
    scope_id: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
