"""Invite links: created and revoked by organizers in scope, QR code shown, self-registration on /join."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from factories import HOST_A1
from sqlalchemy import select

from pkarena.models import AuditLog, Invite, Member
from pkarena.services.people import invites

REGISTRATION = {"display_name": "朱镕", "username": "zhurong", "phone": "13700000001", "password": "join-us-2026",
                "confirm": "join-us-2026"}


@pytest.fixture
def tree(world):
    """Two companies of one branch each, an organizer of A's branch."""
    return world.two_companies(branches_a=("一支部",), people={"host": HOST_A1})


def make_invite(session, clock, org, actor, *, auto_approve: bool, expires_days: int | None = None) -> Invite:
    invite = invites.create_invite(session, clock, org, auto_approve=auto_approve, expires_days=expires_days,
                                   actor_id=actor.id)
    session.commit()
    return invite


def test_organizer_creates_an_invite_and_sees_link_and_qr_code(client, session, tree, login):
    login(tree["host"])
    response = client.post("/admin/invites", data={"org_id": tree["a1"].id, "auto_approve": "y", "expires_days": "7"})
    assert response.status_code == 302
    invite = session.execute(select(Invite)).scalar_one()
    assert invite.auto_approve and invite.org_id == tree["a1"].id
    assert invite.expires_at - invite.created_at == timedelta(days=7)
    page = client.get("/admin/invites").get_data(as_text=True)
    assert f"/join/{invite.token}" in page and "<svg" in page
    audit = session.execute(select(AuditLog).where(AuditLog.action == "invite.create")).scalar_one()
    assert audit.actor_id == tree["host"].id


def test_invite_defaults_to_the_configured_auto_approve(client, app, tree, login):
    login(tree["host"])
    app.config["INVITE_AUTO_APPROVE"] = True
    checkbox = re.search(r'<input[^>]*name="auto_approve"[^>]*>', client.get("/admin/invites").get_data(as_text=True))
    assert checkbox and "checked" in checkbox.group(0)


def test_organizer_cannot_create_or_revoke_an_invite_outside_the_scope(client, session, clock, world, tree, login):
    other = make_invite(session, clock, tree["b1"], world.member(tree["b1"], "host-b", role="organizer"),
                        auto_approve=True)
    login(tree["host"])
    client.post("/admin/invites", data={"org_id": tree["b1"].id})
    assert session.execute(select(Invite).where(Invite.org_id == tree["b1"].id)).scalars().all() == [other]
    assert client.post(f"/admin/invites/{other.id}/revoke").status_code == 403
    assert other.token not in client.get("/admin/invites").get_data(as_text=True)


def test_auto_approve_invite_registers_an_active_member_and_logs_in(client, session, clock, tree):
    invite = make_invite(session, clock, tree["a1"], tree["host"], auto_approve=True)
    page = client.get(f"/join/{invite.token}").get_data(as_text=True)
    assert "一支部" in page and "注册" in page
    response = client.post(f"/join/{invite.token}", data=REGISTRATION)
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    member = session.execute(select(Member).where(Member.username == "zhurong")).scalar_one()
    assert (member.status, member.org_id, member.display_name) == ("active", tree["a1"].id, "朱镕")
    assert client.get("/home").status_code == 200


def test_invite_without_auto_approve_registers_a_pending_member(client, session, clock, tree, login):
    invite = make_invite(session, clock, tree["a1"], tree["host"], auto_approve=False)
    response = client.post(f"/join/{invite.token}", data=REGISTRATION)
    assert response.status_code == 200 and "等待组织管理员审核" in response.get_data(as_text=True)
    member = session.execute(select(Member).where(Member.username == "zhurong")).scalar_one()
    assert member.status == "pending"
    assert client.post("/api/v1/auth/login", json={"username": "zhurong", "password": "join-us-2026"}).status_code == 403
    login(tree["host"])
    assert "zhurong" in client.get("/admin/members?status=pending").get_data(as_text=True)
    client.post(f"/admin/members/{member.id}/status", data={"status": "active"})
    session.refresh(member)
    assert member.status == "active"


def test_revoked_invite_is_refused_with_410(client, session, clock, tree, login):
    invite = make_invite(session, clock, tree["a1"], tree["host"], auto_approve=True)
    login(tree["host"])
    client.post(f"/admin/invites/{invite.id}/revoke")
    client.post("/logout")
    session.refresh(invite)
    assert invite.revoked_at is not None
    response = client.get(f"/join/{invite.token}")
    assert response.status_code == 410 and "邀请链接已作废" in response.get_data(as_text=True)
    assert client.post(f"/join/{invite.token}", data=REGISTRATION).status_code == 410
    assert session.execute(select(Member).where(Member.username == "zhurong")).first() is None


def test_expired_invite_is_refused_with_410(client, session, clock, tree):
    invite = make_invite(session, clock, tree["a1"], tree["host"], auto_approve=True, expires_days=1)
    clock.advance(days=1, seconds=1)
    response = client.get(f"/join/{invite.token}")
    assert response.status_code == 410 and "邀请链接已过期" in response.get_data(as_text=True)


def test_unknown_invite_is_404_in_chinese(client):
    response = client.get("/join/not-a-token")
    assert response.status_code == 404 and "邀请链接不存在" in response.get_data(as_text=True)


def test_registration_errors_are_shown_on_the_form(client, session, clock, world, tree):
    world.member(tree["a1"], "taken")
    invite = make_invite(session, clock, tree["a1"], tree["host"], auto_approve=True)
    page = client.post(f"/join/{invite.token}", data={**REGISTRATION, "username": "taken"}).get_data(as_text=True)
    assert "用户名已被使用" in page
    page = client.post(f"/join/{invite.token}", data={**REGISTRATION, "confirm": "different-1"}).get_data(as_text=True)
    assert "两次输入的密码不一致" in page
    page = client.post(f"/join/{invite.token}", data={**REGISTRATION, "phone": "12345"}).get_data(as_text=True)
    assert "手机号须为 11 位数字" in page
    assert session.execute(select(Member).where(Member.display_name == "朱镕")).first() is None


def test_registration_is_audited_with_the_invite(client, session, clock, tree):
    invite = make_invite(session, clock, tree["a1"], tree["host"], auto_approve=False)
    client.post(f"/join/{invite.token}", data=REGISTRATION)
    row = session.execute(select(AuditLog).where(AuditLog.action == "invite.register")).scalar_one()
    assert row.detail["invite_id"] == invite.id and row.detail["status"] == "pending"
