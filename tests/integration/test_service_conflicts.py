"""A unique row another request inserted first (an IntegrityError at commit) is the service's own error.

The services check usernames, phones and group names before writing, so these tests take the check away
(or act on a stale object) to reach the database constraint, as two racing requests would: the use case
rolls back, raises its error with a Chinese message, and the page flashes it instead of answering 500.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from pkarena.models import AuditLog, JointGroup, JointGroupOrg, Member, Pairing
from pkarena.services.people import invites, members, orgs


@pytest.fixture
def tree(world):
    a = world.org("华瑞公司")
    a1 = world.org("一支部", a)
    b = world.org("星联公司")
    b1 = world.org("运维支部", b)
    return {"a": a, "a1": a1, "b": b, "b1": b1, "c": world.org("远航公司"),
            "host": world.member(a1, "host-a1", role="organizer", scope=a),
            "m1": world.member(a1, "m1", phone="13800000001")}


@pytest.fixture
def check_skipped(monkeypatch):
    """The pre-check finds nothing, as when the other request commits between the check and the insert."""
    monkeypatch.setattr(members, "check_unique", lambda *args, **kwargs: None)


def count(session, model) -> int:
    session.rollback()  # a fresh snapshot: what the requests committed
    return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.mark.usefixtures("check_skipped")
@pytest.mark.parametrize(("username", "phone", "field", "message"), [
    ("m1", None, "username", "用户名已被使用"), ("fresh", "13800000001", "phone", "手机号已被使用")])
def test_a_username_or_phone_taken_meanwhile_is_a_member_error_naming_it(session, clock, tree, username, phone,
                                                                         field, message):
    before = count(session, Member), count(session, AuditLog)
    with pytest.raises(members.MemberError) as refused:
        members.create_member(session, clock, username=username, display_name="重名", org=tree["a1"],
                              password="secret-123", phone=phone)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert (count(session, Member), count(session, AuditLog)) == before  # rolled back, audit row too


@pytest.mark.usefixtures("check_skipped")
def test_adding_a_member_whose_username_was_just_taken_flashes_the_reason_not_a_500(client, session, tree, login):
    login(tree["host"])
    before = count(session, Member)
    response = client.post("/admin/members", data={"display_name": "重名", "username": "m1",
                                                   "org_id": tree["a1"].id, "password": "secret-123"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/members")
    assert "用户名已被使用" in client.get("/admin/members").get_data(as_text=True)
    assert count(session, Member) == before


@pytest.mark.usefixtures("check_skipped")
def test_editing_a_phone_just_taken_by_another_member_flashes_the_reason(client, session, world, tree, login):
    other = world.member(tree["a1"], "m2")
    login(tree["host"])
    response = client.post(f"/admin/members/{other.id}/edit", data={"display_name": "成员二",
                                                                    "phone": "13800000001"})
    assert response.status_code == 302
    assert "手机号已被使用" in client.get(f"/admin/members/{other.id}").get_data(as_text=True)
    session.rollback()
    assert session.get(Member, other.id).phone is None


@pytest.mark.usefixtures("check_skipped")
def test_registering_through_an_invite_with_a_username_just_taken_shows_it_on_the_form(client, session, clock,
                                                                                     tree):
    invite = invites.create_invite(session, clock, tree["a1"], auto_approve=True, expires_days=None,
                                   actor_id=tree["host"].id)
    before = count(session, Member)
    response = client.post(f"/join/{invite.token}", data={
        "display_name": "朱镕", "username": "m1", "phone": "", "password": "join-us-2026",
        "confirm": "join-us-2026"})
    assert response.status_code == 200 and "用户名已被使用" in response.get_data(as_text=True)
    assert count(session, Member) == before


def test_a_second_pairing_of_the_same_name_between_the_same_orgs_is_flashed_not_a_500(client, session, tree,
                                                                                      login):
    login(tree["host"])
    form = {"name": "结对一", "org_a_id": tree["a1"].id, "org_b_id": tree["b1"].id, "starts_on": "2026-11-01"}
    assert client.post("/admin/pairings", data=form).status_code == 302
    response = client.post("/admin/pairings", data=form)
    assert response.status_code == 302
    assert "这两个组织之间已有同名的结对" in client.get("/admin/pairings").get_data(as_text=True)
    assert count(session, Pairing) == 1
    assert session.execute(select(func.count()).where(AuditLog.action == "pairing.create")).scalar_one() == 1


def test_the_same_pairing_name_through_the_service_is_an_org_error(session, clock, tree):
    orgs.create_pairing(session, clock, "结对一", tree["a1"], tree["b1"], date(2026, 11, 1))
    with pytest.raises(orgs.OrgError, match="这两个组织之间已有同名的结对"):
        orgs.create_pairing(session, clock, "结对一", tree["a1"], tree["b1"], date(2026, 12, 1))
    assert count(session, Pairing) == 1


def test_adding_an_org_another_request_just_added_to_a_joint_group_is_an_org_error(app, session, clock, tree):
    from pkarena.extensions import db

    group = orgs.create_joint_group(session, clock, "联合党委", [tree["a"], tree["b"]], actor_id=tree["host"].id)
    stale = db.session_factory()  # another request's session, which loaded the group before the add
    try:
        stale_group = stale.get(JointGroup, group.id)
        assert len(stale_group.members) == 2
        stale.commit()
        orgs.add_to_joint_group(session, clock, group, tree["c"], actor_id=tree["host"].id)
        with pytest.raises(orgs.OrgError, match="该组织已在联合组中"):
            orgs.add_to_joint_group(stale, clock, stale_group, stale.get(type(tree["c"]), tree["c"].id),
                                    actor_id=tree["host"].id)
    finally:
        stale.close()
    assert count(session, JointGroupOrg) == 3
