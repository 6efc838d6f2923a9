"""Organizer org tree: scope limits, creating and renaming orgs (members are refused: test_route_audit)."""

from __future__ import annotations

import pytest
from factories import ADMIN, HOST_A1
from sqlalchemy import select

from pkarena.models import AuditLog, Org


@pytest.fixture
def tree(world):
    """Two companies; company A has two branches; an organizer scoped to branch A1; an admin."""
    return world.two_companies(people={"host": HOST_A1, "admin": ADMIN})


def actions(session, action: str) -> list[AuditLog]:
    return list(session.execute(select(AuditLog).where(AuditLog.action == action)).scalars())


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/admin/orgs")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_organizer_sees_only_the_managed_subtree(client, tree, login):
    login(tree["host"])
    page = client.get("/admin/orgs").get_data(as_text=True)
    assert "一支部" in page and "二支部" not in page and "星联公司" not in page


def test_admin_sees_every_org_and_member_counts(client, tree, login):
    login(tree["admin"])
    page = client.get("/admin/orgs").get_data(as_text=True)
    assert all(name in page for name in ("华瑞公司", "一支部", "二支部", "星联公司", "运维支部"))
    assert "（无上级：新建公司）" in page


def test_organizer_creates_a_group_under_the_scope_and_it_is_audited(client, session, tree, login):
    login(tree["host"])
    response = client.post("/admin/orgs", data={"parent_id": tree["a1"].id, "name": "第一小组"})
    assert response.status_code == 302
    org = session.execute(select(Org).where(Org.name == "第一小组")).scalar_one()
    assert org.kind == "group" and org.parent_id == tree["a1"].id
    assert [row.target_id for row in actions(session, "org.create")][-1] == str(org.id)


def test_organizer_cannot_create_under_an_org_outside_the_scope(client, session, tree, login):
    login(tree["host"])
    client.post("/admin/orgs", data={"parent_id": tree["a2"].id, "name": "越权小组"})
    assert session.execute(select(Org).where(Org.name == "越权小组")).first() is None


def test_organizer_cannot_create_a_company(client, session, tree, login):
    login(tree["host"])
    client.post("/admin/orgs", data={"parent_id": 0, "name": "新公司"})
    assert session.execute(select(Org).where(Org.name == "新公司")).first() is None


def test_admin_creates_a_company(client, session, tree, login):
    login(tree["admin"])
    client.post("/admin/orgs", data={"parent_id": 0, "name": "新公司"})
    assert session.execute(select(Org).where(Org.name == "新公司")).scalar_one().kind == "company"


def test_rename_inside_scope_is_audited_and_outside_is_403(client, session, tree, login):
    login(tree["host"])
    assert client.post(f"/admin/orgs/{tree['a1'].id}/rename", data={"name": "先锋支部"}).status_code == 302
    session.refresh(tree["a1"])
    assert tree["a1"].name == "先锋支部"
    assert actions(session, "org.rename")[-1].detail == {"old": "一支部", "new": "先锋支部"}
    assert client.post(f"/admin/orgs/{tree['b1'].id}/rename", data={"name": "x"}).status_code == 403
    assert client.post(f"/admin/orgs/{tree['a'].id}/rename", data={"name": "x"}).status_code == 403


def test_nav_links_to_the_organizer_pages(client, tree, login):
    login(tree["host"])
    page = client.get("/admin/orgs").get_data(as_text=True)
    assert 'href="/admin/members"' in page and 'aria-current="page"' in page
