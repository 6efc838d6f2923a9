"""Pairings and joint groups from the organizer pages: scope rules, creation, ending, org membership."""

from __future__ import annotations

from datetime import date

import pytest
from factories import HOST_A1, HOST_B1
from sqlalchemy import select

from pkarena.models import AuditLog, JointGroup, Pairing
from pkarena.services.people import orgs


@pytest.fixture
def tree(world):
    """Two companies (A with two branches) and a third company C, an organizer of A1 and one of B1."""
    return world.two_companies(company_c="远航公司", people={"host": HOST_A1, "host_b": HOST_B1})


def last_action(session) -> str:
    return session.execute(select(AuditLog.action).order_by(AuditLog.id.desc())).scalars().first()


def test_organizer_pairs_an_org_in_scope_with_another_company(client, session, tree, login):
    login(tree["host"])
    response = client.post("/admin/pairings", data={"name": "结对一", "org_a_id": tree["a1"].id,
                                                    "org_b_id": tree["b1"].id, "starts_on": "2026-11-01"})
    assert response.status_code == 302
    pairing = session.execute(select(Pairing)).scalar_one()
    assert (pairing.org_a_id, pairing.org_b_id, pairing.starts_on) == (tree["a1"].id, tree["b1"].id, date(2026, 11, 1))
    assert last_action(session) == "pairing.create"
    assert "结对一" in client.get("/admin/pairings").get_data(as_text=True)


def test_pairing_within_one_company_is_refused(client, session, world, tree, login):
    login(world.member(tree["a"], "host-a", role="organizer"))
    page = client.post("/admin/pairings", data={"org_a_id": tree["a1"].id, "org_b_id": tree["a2"].id,
                                                "starts_on": "2026-11-01"}, follow_redirects=True)
    assert "结对双方必须属于不同的公司" in page.get_data(as_text=True)
    assert session.execute(select(Pairing)).first() is None


def test_pairing_needs_one_side_in_the_scope(client, session, tree, login):
    login(tree["host"])
    client.post("/admin/pairings", data={"org_a_id": tree["b1"].id, "org_b_id": tree["c"].id,
                                         "starts_on": "2026-11-01"})
    assert session.execute(select(Pairing)).first() is None


def test_organizer_ends_a_pairing_of_either_side_but_not_others(client, session, clock, tree, login):
    mine = orgs.create_pairing(session, clock, "结对一", tree["b1"], tree["a1"], date(2026, 1, 1))
    theirs = orgs.create_pairing(session, clock, "结对二", tree["b1"], tree["c"], date(2026, 1, 1))
    session.commit()
    login(tree["host"])
    page = client.get("/admin/pairings").get_data(as_text=True)
    assert "结对一" in page and "结对二" not in page
    assert client.post(f"/admin/pairings/{mine.id}/end", data={"ends_on": "2026-12-31"}).status_code == 302
    session.refresh(mine)
    assert mine.ends_on == date(2026, 12, 31) and last_action(session) == "pairing.end"
    assert client.post(f"/admin/pairings/{theirs.id}/end", data={"ends_on": "2026-12-31"}).status_code == 403


def test_ending_before_the_start_is_refused(client, session, clock, tree, login):
    pairing = orgs.create_pairing(session, clock, "结对一", tree["a1"], tree["b1"], date(2026, 6, 1))
    session.commit()
    login(tree["host"])
    page = client.post(f"/admin/pairings/{pairing.id}/end", data={"ends_on": "2026-01-01"}, follow_redirects=True)
    assert "结束日期不能早于开始日期" in page.get_data(as_text=True)
    session.refresh(pairing)
    assert pairing.ends_on is None


def test_create_joint_group_and_manage_its_orgs(client, session, tree, login):
    login(tree["host"])
    client.post("/admin/joint-groups", data={"name": "联合党委", "org_ids": [tree["a1"].id, tree["b1"].id]})
    group = session.execute(select(JointGroup)).scalar_one()
    assert sorted(link.org_id for link in group.members) == sorted([tree["a1"].id, tree["b1"].id])
    assert last_action(session) == "joint_group.create"
    client.post(f"/admin/joint-groups/{group.id}/orgs", data={"org_id": tree["c"].id})
    session.refresh(group)
    assert len(group.members) == 3 and last_action(session) == "joint_group.add_org"
    # an organizer removes only orgs of their own subtree
    assert client.post(f"/admin/joint-groups/{group.id}/orgs/{tree['c'].id}/remove").status_code == 403
    client.post(f"/admin/joint-groups/{group.id}/orgs/{tree['a1'].id}/remove")
    session.refresh(group)
    assert tree["a1"].id not in [link.org_id for link in group.members]
    assert last_action(session) == "joint_group.remove_org"


def test_joint_group_keeps_two_orgs(client, session, clock, tree, login):
    group = orgs.create_joint_group(session, clock, "联合党委", [tree["a1"], tree["b1"]])
    session.commit()
    login(tree["host"])
    page = client.post(f"/admin/joint-groups/{group.id}/orgs/{tree['a1'].id}/remove", follow_redirects=True)
    assert "联合组至少需要两个组织" in page.get_data(as_text=True)
    session.refresh(group)
    assert len(group.members) == 2


def test_joint_group_without_an_org_in_scope_is_refused(client, session, clock, tree, login):
    other = orgs.create_joint_group(session, clock, "别人的联合组", [tree["b1"], tree["c"]])
    session.commit()
    login(tree["host"])
    assert client.post("/admin/joint-groups", data={"name": "越权", "org_ids": [tree["b1"].id, tree["c"].id]}
                       ).status_code == 403
    assert client.post(f"/admin/joint-groups/{other.id}/orgs", data={"org_id": tree["a1"].id}).status_code == 403
    assert "别人的联合组" not in client.get("/admin/joint-groups").get_data(as_text=True)
