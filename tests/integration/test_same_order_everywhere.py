"""Orgs tied on 人均 and on total come out in one order on every surface: API, boards page, screen, member
ranks, freeze, snapshots, export (both backends).

The order (engine/ranking.py): the figure ranked on (人均 by default; a frozen month's org rows rank by
total), then 人均 → participation → total → org id.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from pkarena.services import ledger
from pkarena.services.boards import metrics, screens
from pkarena.services.monthly import freeze, ledger_export, snapshots
from pkarena.services.people import orgs

OCTOBER = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
# Branch → points of each of its members. Every branch has 人均 3.00 exactly (so also at 2 and 4 places).
BRANCHES = {
    "甲支部": [3, 3],  # total 6, participation 100 %
    "乙支部": [6, 6, 0, 0],  # total 12, participation 50 %
    "丙支部": [5, 4, 0],  # total 9, participation 67 %
    "丁支部": [3, 3, 3, 3],  # total 12, participation 100 %: ahead of 甲 and 戊 on total
    "戊支部": [3, 3],  # the same figures as 甲 in every respect: shares 甲's rank, listed after it (higher id)
}
ORDER = ["丁支部", "甲支部", "戊支部", "丙支部", "乙支部"]
RANKS = [1, 2, 2, 4, 5]
# By total (what a frozen month's org rows rank by): equal totals share a rank, listed in the 人均 order.
BY_TOTAL = [("丁支部", 1), ("乙支部", 1), ("丙支部", 3), ("甲支部", 4), ("戊支部", 4)]


@pytest.fixture
def tied(app, session, clock, world):
    """One company whose five branches tie on 人均, joined in a joint group; points awarded in October."""
    now = clock.now()
    clock.set(datetime(2026, 10, 1, 1, 0, tzinfo=UTC))
    company = world.org("评比公司")
    host = world.member(company, "host", role="organizer")
    admin = world.member(company, "boss", role="admin")
    branches, people = {}, {}
    for number, (name, points) in enumerate(BRANCHES.items()):
        branches[name] = world.org(name, company)
        people[name] = [world.member(branches[name], f"b{number}-{i}") for i in range(len(points))]
    group = orgs.create_joint_group(session, clock, "评比联合组", list(branches.values()))
    session.commit()
    clock.set(OCTOBER)
    for name, points in BRANCHES.items():
        for member, amount in zip(people[name], points, strict=True):
            if amount:
                ledger.manual_award(session, clock, actor_id=host.id, member_ids=[member.id], points=amount,
                                    category="思想学习", reason="评比", request_id=f"r-{member.id}",
                                    on_commit=app.extensions["pkarena.boards"])
    yield {"company": company, "branches": branches, "people": people, "group": group, "admin": admin,
           "ids": {org.id: name for name, org in branches.items()}}
    clock.set(now)


def page_rows(html: str) -> list[tuple[str, int]]:
    """(name, rank) of each row of the boards page's table, in order."""
    body = html.split('data-testid="board-table"', 1)[1].split("</table>", 1)[0]
    return [(name, int(rank)) for rank, name in
            re.findall(r'data-rank="(\d+)"[^>]*>\s*<td[^>]*>.*?</td>\s*<td>([^<]+)</td>', body, re.S)]


def names_and_ranks(rows: list[dict], ids: dict[int, str], id_key: str = "id") -> list[tuple[str, int]]:
    return [(ids[row[id_key]], row["rank"]) for row in rows if row[id_key] in ids]


def test_tied_orgs_come_out_in_one_order_on_every_surface(app, client, session, clock, tied, login):
    store, ids, expected = app.extensions["pkarena.store"], tied["ids"], list(zip(ORDER, RANKS, strict=True))
    company, group = tied["company"], tied["group"]

    # The office screen of the company races its branches (this month: October).
    scope = screens.load_scope(session, "org", company.id)
    race = screens.scope_payload(session, store, clock, scope)["orgs"]
    assert names_and_ranks(race, ids, "org_id") == expected

    # The boards page, the API (every org, and the joint group) and the read model itself.
    login(tied["admin"])
    page = client.get(f"/admin/boards?scope=orgs&org={company.id}&period=month:2026-10").get_data(as_text=True)
    assert page_rows(page) == expected
    group_page = client.get(f"/admin/boards?scope=joint-group&group={group.id}&period=month:2026-10")
    assert [name for name in re.findall(r"<td>([^<]+支部)</td>", group_page.get_data(as_text=True))] == ORDER
    api = client.get("/api/v1/boards/orgs?period=month:2026-10").get_json()
    assert names_and_ranks(api["rows"], ids) == expected
    joint = client.get(f"/api/v1/boards/joint-group/{group.id}?period=month:2026-10").get_json()
    assert names_and_ranks(joint["rows"], ids, "org_id") == expected
    ranked = metrics.ranked_org_metrics(session, store, metrics.Period.for_month("2026-10"),
                                        list(tied["branches"].values()))
    assert [(m.name, rank) for m, rank in ranked] == expected
    by_total = client.get(f"/admin/boards?scope=orgs&org={company.id}&period=month:2026-10&sort=total")
    assert page_rows(by_total.get_data(as_text=True)) == BY_TOTAL
    # The API's `orgs` ranks every org (the company too, first by total): the branches keep their order.
    api_by_total = client.get("/api/v1/boards/orgs?period=month:2026-10&sort=total").get_json()["rows"]
    assert [name for name, _rank in names_and_ranks(api_by_total, ids)] == [name for name, _rank in BY_TOTAL]

    # The member pages: a member's rank in the company is the rank of the company's member board.
    board = {row["id"]: row["rank"] for row in client.get(f"/api/v1/boards/org/{company.id}?period=month:2026-10")
             .get_json()["rows"]}
    for member in (tied["people"]["乙支部"][0], tied["people"]["丙支部"][1], tied["people"]["甲支部"][0]):
        places = metrics.member_summary(session, store, clock, member).scopes
        assert next(p.rank for p in places if p.kind == "company" and p.period == "month:2026-10") == board[member.id]
    assert sorted(board.values())[:3] == [1, 1, 3]  # 乙's two sixes share the top, 丙's five comes third
    phone = app.test_client()  # `/api/v1/me` and the points page of 丙's five, as its member sees them
    member = tied["people"]["丙支部"][0]
    assert phone.post("/api/v1/auth/login", json={"username": member.username, "password": "correct-horse-9"}).status_code == 200
    me = phone.get("/api/v1/me").get_json()
    assert {"member", "org", "month", "points", "ranks"} <= set(me)  # the keys of DESIGN §8, extended only
    assert next(r["rank"] for r in me["ranks"] if r["org_id"] == company.id) == board[member.id] == 3
    assert next(r["rank"] for r in me["scopes"] if r["kind"] == "joint_group" and r["period"] == "month:2026-10") == 3
    assert phone.get("/me/points").status_code == 200

    # The freeze of October (orgs and the joint group), the snapshots API and the workbook export.
    clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    freeze.freeze_month(session, clock, "2026-10")
    frozen_group = snapshots.get(session, "2026-10", "joint_group", group.id).rows
    assert names_and_ranks(frozen_group, ids, "subject_id") == BY_TOTAL
    frozen_orgs = snapshots.get(session, "2026-10", "orgs").rows
    assert [ids[r["subject_id"]] for r in frozen_orgs if r["subject_id"] in ids] == [name for name, _ in BY_TOTAL]
    listed = client.get("/api/v1/snapshots/2026-10").get_json()["snapshots"]
    api_group = next(s for s in listed if s["scope_kind"] == "joint_group")["rows"]
    assert names_and_ranks(api_group, ids, "subject_id") == BY_TOTAL
    book = load_workbook(io.BytesIO(ledger_export.xlsx_bytes(session, clock, "2026-10")), read_only=True)
    sheet = next(book[title] for title in book.sheetnames if title.startswith("联合组"))
    exported = [(row[3], row[0]) for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert exported == BY_TOTAL
    assert freeze.check_month(session, "2026-10", clock) == []
    # The live boards page still agrees with the frozen month it now notes.
    after = client.get(f"/admin/boards?scope=joint-group&group={group.id}&period=month:2026-10")
    assert 'data-testid="frozen-note"' in after.get_data(as_text=True)
    assert [name for name in re.findall(r"<td>([^<]+支部)</td>", after.get_data(as_text=True))] == ORDER
    # A quarter ranks the frozen sums the same way.
    quarter = client.get(f"/admin/boards?scope=joint-group&group={group.id}&period=quarter:2026-Q4")
    assert [name for name in re.findall(r"<td>([^<]+支部)</td>", quarter.get_data(as_text=True))] == ORDER


def test_an_impossible_period_is_refused_alike_by_the_api_and_the_boards_page(client, tied, login):
    login(tied["admin"])
    for period in ("month:2026-13", "day:2026-02-30", "quarter:2026-Q5", "junk"):
        api = client.get(f"/api/v1/boards/orgs?period={period}")
        assert api.status_code == 400 and api.get_json()["error"]["code"] == "INVALID_PERIOD"
        assert "周期" in api.get_json()["error"]["message"]
        page = client.get(f"/admin/boards?scope=orgs&period={period}")
        assert page.status_code == 400 and 'data-testid="board-error"' in page.get_data(as_text=True)
