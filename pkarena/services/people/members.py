"""Members: accounts, passwords, moves between orgs (history kept), approval and deactivation."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from pkarena.blocking import limited, limited_map
from pkarena.clock import Clock
from pkarena.models import Member, Membership, Org
from pkarena.services import audit
from pkarena.services.transaction import use_case

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
PHONE_RE = re.compile(r"^1\d{10}$")
MIN_PASSWORD = 8


class MemberError(Exception):
    """A refused member change, with a Chinese message and the field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password` (through the process's hashing gate: 32 MiB each)."""
    return limited(generate_password_hash, password)


def hash_passwords(passwords: Sequence[str]) -> list[str]:
    """`hash_password` of each, as many at once as the gate allows (0.1 s each: bulk imports)."""
    return limited_map(generate_password_hash, passwords)


def validate_password(password: str) -> None:
    """Refuse passwords that are too short."""
    if len(password or "") < MIN_PASSWORD:
        raise MemberError(f"密码至少 {MIN_PASSWORD} 位", "password")


def find_login(session: Session, login: str) -> Member | None:
    """The member whose username or phone is `login`."""
    login = (login or "").strip()
    if not login:
        return None
    return session.execute(select(Member).where(or_(Member.username == login, Member.phone == login))).scalar_one_or_none()


def authenticate(session: Session, login: str, password: str) -> Member | None:
    """The member if `login` (username or phone) and `password` match, else None."""
    member = find_login(session, login)
    if member is None or not limited(check_password_hash, member.password_hash, password or ""):
        return None
    return member


def find_clash(session: Session, username: str, phone: str | None,
               exclude_id: int | None = None) -> MemberError | None:
    """The refusal for a username or phone that another member already uses (None when both are free)."""
    clash = select(Member).where(Member.username == username)
    if exclude_id:
        clash = clash.where(Member.id != exclude_id)
    if session.execute(clash).first():
        return MemberError("用户名已被使用", "username")
    if phone:
        clash = select(Member).where(Member.phone == phone)
        if exclude_id:
            clash = clash.where(Member.id != exclude_id)
        if session.execute(clash).first():
            return MemberError("手机号已被使用", "phone")
    return None


def check_unique(session: Session, username: str, phone: str | None, exclude_id: int | None = None) -> None:
    """Refuse a username or phone that another member already uses."""
    clash = find_clash(session, username, phone, exclude_id)
    if clash is not None:
        raise clash


def _unchanged() -> MemberError:
    # No unique column changes in these use cases; a conflict means the row changed under us.
    return MemberError("该成员的资料刚被其他人修改，请刷新页面后重试")


def taken(session: Session, username: str, phone: str | None,
           exclude_id: int | None = None) -> Callable[[], MemberError]:
    """A use case's conflict error: what clashes, found after the rollback (the other writer has committed)."""
    return lambda: find_clash(session, username, phone, exclude_id) or MemberError("用户名或手机号已被使用", "username")


def validate_identity(username: str, phone: str | None, display_name: str) -> None:
    """Refuse malformed usernames, phones and names."""
    if not USERNAME_RE.match(username or ""):
        raise MemberError("用户名须为 2–64 位字母、数字、下划线、点或横线", "username")
    if phone and not PHONE_RE.match(phone):
        raise MemberError("手机号须为 11 位数字，以 1 开头", "phone")
    if not (display_name or "").strip():
        raise MemberError("姓名不能为空", "display_name")


def add_member(session: Session, clock: Clock, *, username: str, display_name: str, org: Org, password: str,
                  phone: str | None = None, role: str = "member", status: str = "active",
                  scope_org: Org | None = None, is_bot: bool = False, actor_id: int | None = None,
                  password_hash: str | None = None) -> Member:
    """Add a member to `org` and open their first membership period, in the caller's transaction.

    `password_hash`, when given, must be `hash_password(password)`: accounts created together with one
    known password (the demo's) share one hash instead of paying scrypt's 0.1 s each.
    """
    phone = (phone or "").strip() or None
    validate_identity(username, phone, display_name)
    validate_password(password)
    check_unique(session, username, phone)
    now = clock.now()
    member = Member(username=username, phone=phone, display_name=display_name.strip(),
                    password_hash=password_hash or hash_password(password), role=role, status=status, org_id=org.id,
                    scope_org_id=scope_org.id if scope_org else None, is_bot=is_bot, created_at=now)
    session.add(member)
    session.flush()
    session.add(Membership(member_id=member.id, org_id=org.id, started_at=now))
    audit.record(session, clock, actor_id, "member.create", "member", member.id, username=username,
                 org_id=org.id, role=role, status=status)
    return member


def create_member(session: Session, clock: Clock, *, username: str, display_name: str, org: Org, password: str,
                  phone: str | None = None, role: str = "member", status: str = "active",
                  scope_org: Org | None = None, is_bot: bool = False, actor_id: int | None = None,
                  password_hash: str | None = None) -> Member:
    """`add_member` as a use case of its own: committed, or nothing written and a MemberError."""
    with use_case(session, taken(session, username, (phone or "").strip() or None)):
        member = add_member(session, clock, username=username, display_name=display_name, org=org,
                            password=password, phone=phone, role=role, status=status, scope_org=scope_org,
                            is_bot=is_bot, actor_id=actor_id, password_hash=password_hash)
    return member


def update_member(session: Session, clock: Clock, member: Member, *, display_name: str, phone: str | None,
                  actor_id: int, role: str | None = None, scope_org: Org | None = None) -> Member:
    """Edit a member's name, phone and (for admins) role (audited, committed)."""
    phone = (phone or "").strip() or None
    with use_case(session, taken(session, member.username, phone, exclude_id=member.id)):
        validate_identity(member.username, phone, display_name)
        check_unique(session, member.username, phone, exclude_id=member.id)
        before = {"display_name": member.display_name, "phone": member.phone, "role": member.role}
        member.display_name, member.phone = display_name.strip(), phone
        if role is not None:
            member.role = role
            member.scope_org_id = scope_org.id if (role == "organizer" and scope_org) else None
        audit.record(session, clock, actor_id, "member.update", "member", member.id, before=before,
                     after={"display_name": member.display_name, "phone": phone, "role": member.role})
    return member


def move_member(session: Session, clock: Clock, member: Member, to_org: Org, *, actor_id: int) -> Member:
    """Move a member to another org: close the current membership, open a new one (history kept; committed)."""
    if member.org_id == to_org.id:
        return member
    with use_case(session, _unchanged):
        now = clock.now()
        current = session.execute(
            select(Membership).where(Membership.member_id == member.id, Membership.ended_at.is_(None))
        ).scalars().all()
        for period in current:
            period.ended_at = now
        session.add(Membership(member_id=member.id, org_id=to_org.id, started_at=now))
        audit.record(session, clock, actor_id, "member.move", "member", member.id, from_org=member.org_id,
                     to_org=to_org.id)
        member.org_id = to_org.id
    return member


def set_status(session: Session, clock: Clock, member: Member, status: str, *, actor_id: int) -> Member:
    """Activate, approve or deactivate a member (audited, committed)."""
    if status not in ("active", "pending", "inactive"):
        raise MemberError("未知状态", "status")
    with use_case(session, _unchanged):
        audit.record(session, clock, actor_id, f"member.status.{status}", "member", member.id, before=member.status)
        member.status = status
    return member


def change_password(session: Session, clock: Clock, member: Member, old: str, new: str) -> None:
    """The member changes their own password, proving the old one (audited, committed)."""
    if not limited(check_password_hash, member.password_hash, old or ""):
        raise MemberError("原密码不正确", "old_password")
    validate_password(new)
    with use_case(session, _unchanged):
        member.password_hash = hash_password(new)
        audit.record(session, clock, member.id, "member.password.change", "member", member.id)


def reset_password(session: Session, clock: Clock, member: Member, new: str, *, actor_id: int) -> None:
    """An organizer sets a new password for a member of their subtree (audited, committed)."""
    validate_password(new)
    with use_case(session, _unchanged):
        member.password_hash = hash_password(new)
        audit.record(session, clock, actor_id, "member.password.reset", "member", member.id)


def history(session: Session, member_id: int) -> list[Membership]:
    """A member's membership periods, oldest first."""
    return list(session.execute(
        select(Membership).where(Membership.member_id == member_id).order_by(Membership.started_at, Membership.id)
    ).scalars())


# --- organizer pages: searching members -------------------------------------------------------------
@dataclass(frozen=True)
class MemberPage:
    """One page of a member search."""

    items: list[Member]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the search has (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def search(session: Session, path_prefix: str, *, text: str = "", status: str | None = None, page: int = 1,
           per_page: int = 50) -> MemberPage:
    """Members (no bots) of orgs under `path_prefix`, matching `text` in name, username or phone; by name."""
    query = select(Member).join(Org, Org.id == Member.org_id).where(
        Member.is_bot.is_(False), Org.path.startswith(path_prefix))
    text = (text or "").strip()
    if text:
        query = query.where(or_(Member.display_name.icontains(text, autoescape=True),
                                Member.username.icontains(text, autoescape=True),
                                Member.phone.icontains(text, autoescape=True)))
    if status:
        query = query.where(Member.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, page)
    items = session.execute(query.order_by(Org.path, Member.username).offset((page - 1) * per_page)
                            .limit(per_page)).scalars().all()
    return MemberPage(list(items), total, page, per_page)
