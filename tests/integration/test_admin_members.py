"""Organizer member pages: scope, add, edit, move (history kept), approve/deactivate, password reset."""

from __future__ import annotations

import pytest
from factories import ADMIN, HOST_A, HOST_A1, Person
from sqlalchemy import select

from pkarena.models import AuditLog, Member
from pkarena.services.people import members


@pytest.fixture
def tree(world):
    """Company A (branches A1, A2), company B (branch B1), an organizer of A1, an admin and members."""
    return world.two_companies(people={
        "host": HOST_A1, "host_a": HOST_A, "admin": ADMIN,
        "m1": Person("a1", "m1", phone="13800000001"), "m2": Person("a2", "m2"), "mb": Person("b1", "mb")})


def audit_actions(session, member_id: int) -> list[str]:
    rows = session.execute(select(AuditLog).where(AuditLog.target_kind == "member",
                                                  AuditLog.target_id == str(member_id)).order_by(AuditLog.id))
    return [row.action for row in rows.scalars()]


def test_list_shows_only_members_of_the_scope(client, tree, login):
    login(tree["host"])
    page = client.get("/admin/members").get_data(as_text=True)
    assert ">m1<" in page and ">m2<" not in page and ">mb<" not in page


def test_search_filters_by_name_username_and_phone(client, tree, login):
    login(tree["host_a"])
    assert ">m2<" not in client.get("/admin/members?q=13800000001").get_data(as_text=True)
    page = client.get("/admin/members?q=13800000001").get_data(as_text=True)
    assert ">m1<" in page
    page = client.get(f"/admin/members?org={tree['a2'].id}").get_data(as_text=True)
    assert ">m2<" in page and ">m1<" not in page


def test_filter_by_status(client, world, tree, login):
    world.member(tree["a1"], "waiting", status="pending")
    login(tree["host"])
    page = client.get("/admin/members?status=pending").get_data(as_text=True)
    assert ">waiting<" in page and ">m1<" not in page


def test_filter_on_an_org_outside_the_scope_is_403(client, tree, login):
    login(tree["host"])
    assert client.get(f"/admin/members?org={tree['b1'].id}").status_code == 403


def test_pagination_shows_fifty_a_page(client, session, clock, tree, login):
    # rows added directly: 55 password hashes would make this test slow for nothing
    session.add_all(Member(username=f"p{i:02d}", display_name=f"批量{i}", password_hash="-", org_id=tree["a2"].id,
                           created_at=clock.now()) for i in range(55))
    session.commit()
    login(tree["host_a"])
    first = client.get(f"/admin/members?org={tree['a2'].id}").get_data(as_text=True)
    second = client.get(f"/admin/members?org={tree['a2'].id}&page=2").get_data(as_text=True)
    assert first.count("data-member-id=") == 50 and second.count("data-member-id=") == 6
    assert "下一页" in first and "上一页" in second


def test_organizer_cannot_open_or_touch_a_member_outside_the_scope(client, tree, login):
    login(tree["host"])
    target = tree["mb"].id
    assert client.get(f"/admin/members/{target}").status_code == 403
    assert client.post(f"/admin/members/{target}/edit", data={"display_name": "x"}).status_code == 403
    assert client.post(f"/admin/members/{target}/status", data={"status": "inactive"}).status_code == 403
    assert client.post(f"/admin/members/{target}/password",
                       data={"password": "abcdefgh1", "confirm": "abcdefgh1"}).status_code == 403
    assert client.post(f"/admin/members/{target}/move", data={"org_id": tree["a1"].id}).status_code == 403
    assert client.get("/admin/members/99999").status_code == 404


def test_add_member_in_scope_is_audited(client, session, tree, login):
    login(tree["host"])
    response = client.post("/admin/members", data={"display_name": "王小明", "username": "wxm", "phone": "",
                                                   "org_id": tree["a1"].id, "password": "secret-123"})
    assert response.status_code == 302
    member = session.execute(select(Member).where(Member.username == "wxm")).scalar_one()
    assert member.org_id == tree["a1"].id and member.status == "active" and member.role == "member"
    assert audit_actions(session, member.id) == ["member.create"]
    assert members.authenticate(session, "wxm", "secret-123") is not None


def test_add_member_to_an_org_outside_the_scope_is_refused(client, session, tree, login):
    login(tree["host"])
    client.post("/admin/members", data={"display_name": "越权", "username": "outside", "org_id": tree["b1"].id,
                                        "password": "secret-123"})
    assert session.execute(select(Member).where(Member.username == "outside")).first() is None


def test_add_member_with_a_taken_username_flashes_the_reason(client, tree, login):
    login(tree["host"])
    response = client.post("/admin/members", data={"display_name": "重名", "username": "m1",
                                                   "org_id": tree["a1"].id, "password": "secret-123"},
                           follow_redirects=True)
    assert "用户名已被使用" in response.get_data(as_text=True)


def test_edit_name_and_phone(client, session, tree, login):
    login(tree["host"])
    client.post(f"/admin/members/{tree['m1'].id}/edit", data={"display_name": "新名字", "phone": "13900000009"})
    session.refresh(tree["m1"])
    assert (tree["m1"].display_name, tree["m1"].phone) == ("新名字", "13900000009")
    assert audit_actions(session, tree["m1"].id)[-1] == "member.update"


def test_organizer_cannot_change_roles_but_admin_can(client, session, tree, login):
    login(tree["host"])
    client.post(f"/admin/members/{tree['m1'].id}/edit",
                data={"display_name": "m1", "role": "organizer", "scope_org_id": tree["a1"].id})
    session.refresh(tree["m1"])
    assert tree["m1"].role == "member"
    login(tree["admin"])
    client.post(f"/admin/members/{tree['m1'].id}/edit",
                data={"display_name": "m1", "role": "organizer", "scope_org_id": tree["a1"].id})
    session.refresh(tree["m1"])
    assert tree["m1"].role == "organizer" and tree["m1"].scope_org_id == tree["a1"].id


def test_organizer_cannot_modify_another_organizer_inside_the_scope(client, session, world, tree, login):
    peer = world.member(tree["a1"], "peer", role="organizer")
    login(tree["host"])
    assert client.get(f"/admin/members/{peer.id}").status_code == 200
    assert client.post(f"/admin/members/{peer.id}/password",
                       data={"password": "hijacked-1", "confirm": "hijacked-1"}).status_code == 403
    assert client.post(f"/admin/members/{tree['host_a'].id}/status", data={"status": "inactive"}).status_code == 403


def test_move_keeps_history_and_is_audited(client, session, tree, login):
    login(tree["host_a"])
    member = tree["m1"]
    client.post(f"/admin/members/{member.id}/move", data={"org_id": tree["a2"].id})
    session.expire_all()
    assert member.org_id == tree["a2"].id
    periods = members.history(session, member.id)
    assert [p.org_id for p in periods] == [tree["a1"].id, tree["a2"].id]
    assert periods[0].ended_at is not None and periods[1].ended_at is None
    assert audit_actions(session, member.id)[-1] == "member.move"
    page = client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert "华瑞公司 / 一支部" in page and "华瑞公司 / 二支部" in page


def test_move_to_an_org_outside_the_scope_is_refused(client, session, tree, login):
    login(tree["host"])
    client.post(f"/admin/members/{tree['m1'].id}/move", data={"org_id": tree["b1"].id})
    session.refresh(tree["m1"])
    assert tree["m1"].org_id == tree["a1"].id


def test_approve_deactivate_and_reactivate_are_audited(client, session, world, tree, login):
    pending = world.member(tree["a1"], "newbie", status="pending")
    login(tree["host"])
    client.post(f"/admin/members/{pending.id}/status", data={"status": "active"})
    session.refresh(pending)
    assert pending.status == "active"
    client.post(f"/admin/members/{pending.id}/status", data={"status": "inactive"})
    session.refresh(pending)
    assert pending.status == "inactive"
    client.post(f"/admin/members/{pending.id}/status", data={"status": "active"})
    session.refresh(pending)
    assert pending.status == "active"
    assert audit_actions(session, pending.id)[-3:] == ["member.status.active", "member.status.inactive",
                                                      "member.status.active"]


def test_deactivated_member_cannot_log_in(client, session, tree, login):
    login(tree["host"])
    client.post(f"/admin/members/{tree['m1'].id}/status", data={"status": "inactive"})
    response = client.post("/api/v1/auth/login", json={"username": "m1", "password": "correct-horse-9"})
    assert response.status_code == 403


def test_organizer_cannot_deactivate_themselves(client, session, tree, login):
    login(tree["admin"])
    assert client.post(f"/admin/members/{tree['admin'].id}/status", data={"status": "inactive"}).status_code == 403


def test_password_reset_sets_the_typed_password_and_is_audited(client, session, tree, login):
    login(tree["host"])
    response = client.post(f"/admin/members/{tree['m1'].id}/password",
                           data={"password": "brand-new-1", "confirm": "brand-new-1"})
    assert response.status_code == 302
    session.expire_all()  # the factory's m1 is still loaded with the old hash
    assert members.authenticate(session, "m1", "brand-new-1") is not None
    assert audit_actions(session, tree["m1"].id)[-1] == "member.password.reset"


def test_password_reset_with_mismatched_confirmation_changes_nothing(client, session, tree, login):
    login(tree["host"])
    client.post(f"/admin/members/{tree['m1'].id}/password", data={"password": "brand-new-1", "confirm": "other-1234"})
    assert members.authenticate(session, "m1", "correct-horse-9") is not None


def test_member_page_shows_details_and_history(client, tree, login):
    login(tree["host"])
    page = client.get(f"/admin/members/{tree['m1'].id}").get_data(as_text=True)
    assert "组织变动记录" in page and "至今" in page and "重置密码" in page
