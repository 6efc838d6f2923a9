"""Pairing and joint-group boards: the JSON API's side-by-side metrics and a member's ranks in them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pkarena.services import ledger
from pkarena.services.boards import metrics
from pkarena.services.monthly import freeze
from pkarena.services.people import orgs


@pytest.fixture
def paired(app, session, clock, world):
    a, b, c = world.org("华瑞公司"), world.org("星联公司"), world.org("远航公司")
    a1, b1, c1 = world.org("生产支部", a), world.org("运维支部", b), world.org("远航支部", c)
    people = {"a-1": world.member(a1, "a-1"), "a-2": world.member(a1, "a-2"), "b-1": world.member(b1, "b-1"),
              "b-2": world.member(b1, "b-2"), "c-1": world.member(c1, "c-1")}
    pairing = orgs.create_pairing(session, clock, "结对", a1, b1, date(2026, 10, 1))
    group = orgs.create_joint_group(session, clock, "联合党委", [a, b, c])
    session.commit()
    for username, correct in (("a-1", 4), ("a-2", 2), ("b-1", 5), ("c-1", 1)):
        ledger.award(session, clock, member_id=people[username].id, source="daily", source_ref=f"d-{username}",
                     outcome={"correct": correct}, on_commit=app.extensions["pkarena.boards"])
    return {"pairing": pairing, "group": group, "people": people, "orgs": {"a1": a1, "b1": b1, "a": a, "b": b, "c": c}}


def test_pairing_board_compares_both_sides_by_points_per_member(client, paired, login):
    login(paired["people"]["a-1"])
    body = client.get(f"/api/v1/boards/pairing/{paired['pairing'].id}?period=month:2026-11").get_json()
    sides = {s["name"]: (s["total"], s["members"], s["per_member"], s["participation"]) for s in body["sides"]}
    assert sides == {"生产支部": (6, 2, 3.0, 1.0), "运维支部": (5, 2, 2.5, 0.5)}
    assert body["leader"] == paired["orgs"]["a1"].id and body["pairing"]["name"] == "结对"


def test_joint_group_board_ranks_orgs_by_points_per_member(client, paired, login):
    login(paired["people"]["a-1"])
    body = client.get(f"/api/v1/boards/joint-group/{paired['group'].id}?period=month:2026-11").get_json()
    assert [(r["name"], r["per_member"], r["rank"]) for r in body["rows"]] == [
        ("华瑞公司", 3.0, 1), ("星联公司", 2.5, 2), ("远航公司", 1.0, 3)]


def test_group_boards_refuse_other_periods_and_unknown_ids(client, paired, login):
    login(paired["people"]["a-1"])
    assert client.get(f"/api/v1/boards/pairing/{paired['pairing'].id}?period=all").status_code == 400
    assert client.get("/api/v1/boards/pairing/999?period=month:2026-11").status_code == 404
    assert client.get("/api/v1/boards/joint-group/999").get_json()["error"]["code"] == "NOT_FOUND"


def test_member_ranks_cover_branch_company_pairing_and_joint_group(app, session, clock, paired):
    ranks = metrics.member_summary(session, app.extensions["pkarena.store"], clock, paired["people"]["a-2"]).scopes
    table = {(r.kind, r.period): (r.points, r.rank, r.of) for r in ranks}
    assert table[("branch", "month:2026-11")] == (2, 2, 2)
    assert table[("company", "all")] == (2, 2, 2)
    assert table[("pairing", "month:2026-11")] == (2, 3, 4)  # behind b-1 (5) and a-1 (4)
    assert table[("joint_group", "all")] == (2, 3, 5)


def test_quarter_and_year_boards_sum_the_frozen_months(app, session, clock, world):
    clock.set(datetime(2026, 10, 10, 2, 0, tzinfo=UTC))
    company = world.org("华瑞公司")
    branch = world.org("生产支部", company)
    first, second = world.member(branch, "q-1"), world.member(branch, "q-2")
    for member, correct in ((first, 3), (second, 5)):
        ledger.award(session, clock, member_id=member.id, source="daily", source_ref="oct", outcome={"correct": correct})
    clock.set(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    ledger.award(session, clock, member_id=first.id, source="daily", source_ref="nov", outcome={"correct": 5})
    freeze.freeze_month(session, clock, "2026-10")
    quarter = client_get(app, first, "/api/v1/boards/members?period=quarter:2026-Q4")
    assert quarter["frozen_months"] == ["2026-10"] and quarter["months"] == ["2026-10", "2026-11", "2026-12"]
    assert [(r["id"], r["points"], r["rank"]) for r in quarter["rows"]] == [(second.id, 5, 1), (first.id, 3, 2)]
    year = client_get(app, first, f"/api/v1/boards/org/{branch.id}?period=year:2026")
    assert [(r["id"], r["points"]) for r in year["rows"]] == [(second.id, 5), (first.id, 3)]
    assert client_get(app, first, "/api/v1/boards/members?period=quarter:2026-Q3")["rows"] == []


def client_get(app, member, url: str) -> dict:
    client = app.test_client()
    client.post("/api/v1/auth/login", json={"username": member.username, "password": "correct-horse-9"})
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    return response.get_json()
