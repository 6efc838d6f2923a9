"""The audit page: organizers see rows of their subtree only, admins everything, times in the local zone."""

from __future__ import annotations

import pytest
from factories import ADMIN, HOST_A1, HOST_B1, Person

from pkarena.services.people import members, orgs


@pytest.fixture
def tree(world):
    """Two companies of one branch each, an organizer and a member in each, an admin of A."""
    return world.two_companies(branches_a=("一支部",), people={
        "host": HOST_A1, "host_b": HOST_B1, "admin": ADMIN, "m1": Person("a1", "m1"), "mb": Person("b1", "mb")})


def test_organizer_sees_only_rows_about_the_subtree(client, session, clock, tree, login):
    orgs.rename_org(session, clock, tree["b1"], "运维二支部", actor_id=tree["host_b"].id)
    members.reset_password(session, clock, tree["mb"], "other-secret-1", actor_id=tree["host_b"].id)
    members.reset_password(session, clock, tree["m1"], "own-secret-1", actor_id=tree["host"].id)
    session.commit()
    login(tree["host"])
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "运维二支部" not in page and tree["mb"].display_name not in page
    assert page.count("<code>member.password.reset</code>") == 1 and tree["m1"].display_name in page


def test_admin_sees_every_row(client, session, clock, tree, login):
    orgs.rename_org(session, clock, tree["b1"], "运维二支部", actor_id=tree["host_b"].id)
    session.commit()
    login(tree["admin"])
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "运维二支部" in page and "org.rename" in page


def test_times_are_shown_in_the_configured_zone(client, session, clock, tree, login):
    # the frozen clock is 06:00 UTC = 14:00 in Shanghai
    members.reset_password(session, clock, tree["m1"], "own-secret-1", actor_id=tree["host"].id)
    session.commit()
    login(tree["host"])
    assert "2026-11-25 14:00:00" in client.get("/admin/audit").get_data(as_text=True)


def test_page_writes_through_the_ui_show_up_with_actor_and_details(client, tree, login):
    login(tree["host"])
    client.post(f"/admin/orgs/{tree['a1'].id}/rename", data={"name": "先锋支部"})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "重命名组织" in page and "先锋支部" in page and tree["host"].display_name in page
