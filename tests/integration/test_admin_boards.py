"""The organizer boards page: shared ranks, scope rules, periods, freeze note and the chart data."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest

from pkarena.services import ledger
from pkarena.services.monthly import freeze, snapshots
from pkarena.services.people import orgs


@pytest.fixture
def league(app, session, clock, world):
    a, b = world.org("华瑞公司"), world.org("星联公司")
    a1, a2, b1 = world.org("生产支部", a), world.org("运维支部", a), world.org("星联支部", b)
    people = {"甲": world.member(a1, "m-jia"), "乙": world.member(a1, "m-yi"), "丙": world.member(a2, "m-bing"),
              "丁": world.member(b1, "m-ding")}
    for name, person in people.items():
        person.display_name = name
    host = world.member(a, "host-a", role="organizer")
    admin = world.member(a, "boss", role="admin")
    pairing = orgs.create_pairing(session, clock, "结对一", a1, b1, date(2026, 11, 1))
    outside = orgs.create_pairing(session, clock, "外部结对", world.org("远航支部", world.org("远航公司")), b1, date(2026, 11, 1))
    group = orgs.create_joint_group(session, clock, "联合党委", [a1, a2])
    session.commit()
    return {"people": people, "host": host, "admin": admin, "orgs": {"a": a, "b": b, "a1": a1, "a2": a2, "b1": b1},
            "pairing": pairing, "outside": outside, "group": group}


def award(app, session, clock, member, correct: int, ref: str) -> None:
    ledger.award(session, clock, member_id=member.id, source="daily", source_ref=ref,
                 outcome={"correct": correct}, on_commit=app.extensions["pkarena.boards"])


def table_rows(html: str) -> list[tuple[int, str]]:
    """(rank, name) of each row of the ranking table, in order."""
    body = html.split('data-testid="board-table"', 1)[1].split("</table>", 1)[0]
    return [(int(rank), name) for rank, name in
            re.findall(r'data-rank="(\d+)"[^>]*>\s*<td[^>]*>.*?</td>\s*<td>([^<]+)</td>', body, re.S)]


def chart_data(html: str) -> dict:
    return json.loads(html.split('id="board-chart-data">', 1)[1].split("</script>", 1)[0])


def test_equal_points_share_a_rank_and_are_marked_as_ties(app, client, session, clock, league, login):
    p = league["people"]
    for name, correct in (("甲", 4), ("乙", 2), ("丙", 2), ("丁", 1)):
        award(app, session, clock, p[name], correct, f"d-{name}")
    login(league["host"])
    html = client.get("/admin/boards?scope=members&period=month").get_data(as_text=True)
    rows = table_rows(html)
    assert [r[0] for r in rows] == [1, 2, 2]
    assert rows[0][1] == "甲" and {r[1] for r in rows[1:]} == {"乙", "丙"}
    assert "<td class=\"muted\">生产支部</td>" in html and "<td class=\"muted\">运维支部</td>" in html  # each one's branch
    assert html.count('class="is-tied"') == 2 and "丁" not in html.split('data-testid="board-table"')[1]
    assert chart_data(html)["names"][0] == "甲" and len(chart_data(html)["values"]) == 3
    assert "vendor/echarts.min.js" in html


def test_admin_sees_every_company_and_the_org_board_ranks_points_per_member(app, client, session, clock, league,
                                                                             login):
    p = league["people"]
    for name, correct in (("甲", 4), ("丁", 3)):
        award(app, session, clock, p[name], correct, f"d-{name}")
    login(league["admin"])
    html = client.get("/admin/boards?scope=members").get_data(as_text=True)
    assert [r[1] for r in table_rows(html)] == ["甲", "丁"]
    orgs_html = client.get("/admin/boards?scope=orgs&sort=per_member").get_data(as_text=True)
    # 华瑞 has 3 members (+ organizer and admin, who count as members too) and 星联 1: 星联 leads by 人均.
    assert table_rows(orgs_html) == [(1, "星联公司"), (2, "华瑞公司"), (3, "远航公司")]
    by_total = client.get("/admin/boards?scope=orgs&sort=total").get_data(as_text=True)
    assert [r[1] for r in table_rows(by_total)] == ["华瑞公司", "星联公司", "远航公司"]


def test_organizer_boards_stay_inside_the_managed_subtree(app, client, session, clock, league, login):
    award(app, session, clock, league["people"]["丁"], 5, "d-ding")
    award(app, session, clock, league["people"]["丙"], 1, "d-bing")
    login(league["host"])
    html = client.get("/admin/boards?scope=members").get_data(as_text=True)
    assert [r[1] for r in table_rows(html)] == ["丙"]  # 丁 of 星联 scores more but is out of scope
    assert client.get(f"/admin/boards?scope=members&org={league['orgs']['b'].id}").status_code == 403
    assert client.get(f"/admin/boards?scope=orgs&org={league['orgs']['b1'].id}").status_code == 403
    assert client.get(f"/admin/boards?scope=pairing&pairing={league['outside'].id}").status_code == 403
    branch = client.get(f"/admin/boards?scope=orgs&org={league['orgs']['a'].id}").get_data(as_text=True)
    assert {r[1] for r in table_rows(branch)} == {"生产支部", "运维支部"}
    assert "外部结对" not in client.get("/admin/boards?scope=pairing").get_data(as_text=True)


def test_pairing_and_joint_group_boards_rank_sides_for_a_month_only(app, client, session, clock, league, login):
    p = league["people"]
    for name, correct in (("甲", 4), ("乙", 2), ("丁", 2)):
        award(app, session, clock, p[name], correct, f"d-{name}")
    login(league["host"])
    html = client.get(f"/admin/boards?scope=pairing&pairing={league['pairing'].id}").get_data(as_text=True)
    assert table_rows(html) == [(1, "生产支部"), (2, "星联支部")]
    group = client.get(f"/admin/boards?scope=joint-group&group={league['group'].id}").get_data(as_text=True)
    assert table_rows(group) == [(1, "生产支部"), (2, "运维支部")]
    response = client.get(f"/admin/boards?scope=pairing&pairing={league['pairing'].id}&period=all")
    assert response.status_code == 400 and 'data-testid="board-error"' in response.get_data(as_text=True)


def test_periods_separate_today_this_month_and_all_time(app, client, session, clock, league, login):
    p = league["people"]
    clock.set(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    award(app, session, clock, p["乙"], 5, "oct-yi")
    clock.set(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    award(app, session, clock, p["丙"], 3, "yesterday-bing")
    clock.set(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    award(app, session, clock, p["甲"], 1, "today-jia")
    login(league["host"])

    def names(period: str) -> list[str]:
        return [r[1] for r in table_rows(client.get(f"/admin/boards?period={period}").get_data(as_text=True))]

    assert names("today") == ["甲"]
    assert names("month") == ["丙", "甲"]
    assert names("month:2026-10") == ["乙"]
    assert names("all") == ["乙", "丙", "甲"]
    assert client.get("/admin/boards?period=week").status_code == 400


def test_a_frozen_month_shows_its_short_checksum_and_quarters_sum_frozen_months(app, client, session, clock,
                                                                                world, login):
    clock.set(datetime(2026, 10, 10, 2, 0, tzinfo=UTC))
    branch = world.org("生产支部", world.org("华瑞公司"))
    jia, admin = world.member(branch, "m-jia"), world.member(branch, "boss", role="admin")
    award(app, session, clock, jia, 3, "oct-jia")
    clock.set(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    freeze.freeze_month(session, clock, "2026-10")
    login(admin)
    html = client.get("/admin/boards?period=month:2026-10").get_data(as_text=True)
    stored = snapshots.get(session, "2026-10", "members_all").checksum
    assert 'data-testid="frozen-note"' in html and "/admin/snapshots" in html
    assert snapshots.short_checksum(stored) in html
    assert 'data-testid="frozen-note"' not in client.get("/admin/boards?period=month").get_data(as_text=True)
    quarter = client.get("/admin/boards?period=quarter:2026-Q4").get_data(as_text=True)
    # Frozen snapshots list every member, those without points too (here the admin).
    assert table_rows(quarter) == [(1, jia.display_name), (2, admin.display_name)] and "2026-11" in quarter.split("missing-months")[1]


def test_a_quarter_ranks_orgs_by_per_member_summed_over_its_frozen_months(app, client, session, clock, world,
                                                                          login):
    clock.set(datetime(2026, 10, 10, 2, 0, tzinfo=UTC))
    company = world.org("华瑞公司")
    big, small = world.org("生产支部", company), world.org("机关支部", company)
    crew = [world.member(big, f"big-{i}") for i in range(3)]
    solo, admin = world.member(small, "solo"), world.member(company, "boss", role="admin")
    for i, person in enumerate(crew):
        award(app, session, clock, person, 3, f"q-big-{i}")  # 3 × 3 points: the larger total
    award(app, session, clock, solo, 5, "q-solo")  # 5 points for one member: the better 人均
    clock.set(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    freeze.freeze_month(session, clock, "2026-10")
    login(admin)

    def board(sort: str) -> str:
        return client.get(f"/admin/boards?scope=orgs&org={company.id}&period=quarter:2026-Q4&sort={sort}"
                          ).get_data(as_text=True)

    by_member = board("per_member")
    assert [name for _rank, name in table_rows(by_member)] == ["机关支部", "生产支部"]
    assert "5.0" in by_member and "3.0" in by_member  # the 人均 column, not only the totals
    assert 'data-testid="period-note"' in by_member
    assert [name for _rank, name in table_rows(board("total"))] == ["生产支部", "机关支部"]
    api = app.test_client()
    api.post("/api/v1/auth/login", json={"username": "boss", "password": world.PASSWORD})
    ranked = api.get("/api/v1/boards/orgs?period=quarter:2026-Q4&sort=per_member").get_json()
    by_id = {row["id"]: row for row in ranked["rows"]}
    assert (by_id[small.id]["per_member"], by_id[small.id]["points"], by_id[big.id]["per_member"]) == (5.0, 5, 3.0)
    assert ranked["sort"] == "per_member"
    refused = api.get("/api/v1/boards/orgs?period=quarter:2026-Q4&sort=median")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "INVALID_SORT"


def test_pairings_and_joint_groups_have_quarter_boards_of_their_frozen_months(app, client, session, clock, world,
                                                                             login):
    clock.set(datetime(2026, 10, 2, 2, 0, tzinfo=UTC))
    home, away = world.org("华瑞公司"), world.org("星联公司")
    ours, theirs = world.org("生产支部", home), world.org("运维支部", away)
    pairing = orgs.create_pairing(session, clock, "结对一", ours, theirs, date(2026, 10, 1))
    group = orgs.create_joint_group(session, clock, "联合党委", [home, away])
    session.commit()
    pair_of_ours, solo = [world.member(ours, f"ours-{i}") for i in range(2)], world.member(theirs, "theirs")
    admin = world.member(home, "boss", role="admin")
    for i, person in enumerate(pair_of_ours):
        award(app, session, clock, person, 3, f"oct-ours-{i}")  # 6 points over 2 members (+ the admin)
    award(app, session, clock, solo, 4, "oct-theirs")  # 4 points for 1 member: the better 人均
    clock.set(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    freeze.freeze_month(session, clock, "2026-10")
    login(admin)
    paired = client.get(f"/admin/boards?scope=pairing&pairing={pairing.id}&period=quarter:2026-Q4")
    assert paired.status_code == 200
    assert table_rows(paired.get_data(as_text=True)) == [(1, "运维支部"), (2, "生产支部")]
    joint = client.get(f"/admin/boards?scope=joint-group&group={group.id}&period=year:2026").get_data(as_text=True)
    assert table_rows(joint) == [(1, "星联公司"), (2, "华瑞公司")] and 'data-testid="period-note"' in joint
