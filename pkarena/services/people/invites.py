"""Invite links: an organizer creates one per org; people open it on the phone and register themselves."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.models import Invite, Member, Org
from pkarena.services import audit
from pkarena.services.people import members
from pkarena.services.transaction import use_case

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"


class InviteError(Exception):
    """A refused invite change, with a Chinese message."""


def _changed_meanwhile() -> InviteError:
    return InviteError("邀请链接刚被其他人修改，请刷新页面后重试")


def create_invite(session: Session, clock: Clock, org: Org, *, auto_approve: bool, expires_days: int | None,
                  actor_id: int) -> Invite:
    """A new unguessable invite link for `org`, optionally expiring after `expires_days` (audited, committed)."""
    now = clock.now()
    with use_case(session, _changed_meanwhile):  # 192 random bits: a token clash is not a real case
        invite = Invite(token=secrets.token_urlsafe(24), org_id=org.id, auto_approve=auto_approve,
                        created_by_id=actor_id, created_at=now,
                        expires_at=now + timedelta(days=expires_days) if expires_days else None)
        session.add(invite)
        session.flush()
        audit.record(session, clock, actor_id, "invite.create", "invite", invite.id, org_id=org.id,
                     auto_approve=auto_approve, expires_days=expires_days)
    return invite


def revoke_invite(session: Session, clock: Clock, invite: Invite, *, actor_id: int) -> Invite:
    """Stop an invite link from accepting registrations (audited, committed; revoking twice changes nothing)."""
    if invite.revoked_at is None:
        with use_case(session, _changed_meanwhile):
            invite.revoked_at = clock.now()
            audit.record(session, clock, actor_id, "invite.revoke", "invite", invite.id, org_id=invite.org_id)
    return invite


def state(invite: Invite, clock: Clock) -> str:
    """Whether the invite accepts registrations now: valid, expired or revoked."""
    if invite.revoked_at is not None:
        return REVOKED
    if invite.expires_at is not None and invite.expires_at <= clock.now():
        return EXPIRED
    return VALID


def find(session: Session, token: str) -> Invite | None:
    """The invite with this token, whatever its state."""
    if not token or len(token) > 64:
        return None
    return session.execute(select(Invite).where(Invite.token == token)).scalar_one_or_none()


def invites_for(session: Session, path_prefix: str) -> list[Invite]:
    """Invites of orgs under `path_prefix` ('' = all), newest first."""
    return list(session.execute(
        select(Invite).join(Org, Org.id == Invite.org_id).where(Org.path.startswith(path_prefix))
        .order_by(Invite.created_at.desc(), Invite.id.desc())
    ).scalars())


def register(session: Session, clock: Clock, invite: Invite, *, display_name: str, username: str,
             phone: str | None, password: str) -> Member:
    """Create the member of a valid invite: active if it auto-approves, else pending (audited, committed).

    A username or phone taken meanwhile by another registration is a MemberError naming the field.
    """
    if state(invite, clock) != VALID:
        raise members.MemberError("邀请链接已失效，请联系组织管理员获取新的链接")
    username, org = username.strip(), invite.org
    with use_case(session, members.taken(session, username, (phone or "").strip() or None)):
        member = members.add_member(session, clock, username=username, display_name=display_name, org=org,
                                    password=password, phone=phone,
                                    status="active" if invite.auto_approve else "pending")
        audit.record(session, clock, member.id, "invite.register", "member", member.id, invite_id=invite.id,
                     org_id=invite.org_id, status=member.status)
    return member
