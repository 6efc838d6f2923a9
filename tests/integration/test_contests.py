"""Contests between organizations: creation rules, standings from the ledger and the Store, freeze, API."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from pkarena.models import AuditLog, Contest, ContestResultRow
from pkarena.services import ledger
from pkarena.services.contests import manage as contests
from pkarena.services.contests import standings
from pkarena.services.contests.manage import ContestDraft, ContestError
from pkarena.services.people import members, orgs

DEC_1, DEC_31 = date(2026, 12, 1), date(2026, 12, 31)
IN_DECEMBER = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # noon in Shanghai
AFTER_DECEMBER = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def sides(world, session, clock):
    """Two companies; their branches paired; an organizer of company A; members on both sides."""
    company_a, company_b = world.org("华瑞金属"), world.org("星联通信")
    branch_a, other_a = world.org("一支部", company_a), world.org("二支部", company_a)
    branch_b = world.org("信息支部", company_b)
    pairing = orgs.create_pairing(session, clock, "华瑞×星联", branch_a, branch_b, date(2026, 1, 1))
    session.commit()
    host = world.member(company_a, "host-a", role="organizer")
    admin = world.member(company_a, "root", role="admin")
    a = [world.member(branch_a, f"a{i}") for i in range(1, 4)]
    b = [world.member(branch_b, f"b{i}") for i in range(1, 3)]
    outsider = world.member(other_a, "c1")
    return {"company_a": company_a, "company_b": company_b, "a": branch_a, "b": branch_b, "other_a": other_a,
            "pairing": pairing, "host": host, "admin": admin, "a_members": a, "b_members": b, "outsider": outsider}


def draft(sides, **changes) -> ContestDraft:
    values = {"name": "十二月PK赛", "starts_on": DEC_1, "ends_on": DEC_31, "org_ids": [sides["a"].id, sides["b"].id]}
    return ContestDraft(**{**values, **changes})


@pytest.fixture
def give(session, clock, app):
    updater = app.extensions["pkarena.boards"]

    def do(member, source, ref, **outcome):
        return ledger.award(session, clock, member_id=member.id, source=source, source_ref=ref, outcome=outcome,
                            on_commit=updater).entry

    return do


def test_an_organizer_creates_a_contest_with_a_paired_org_and_it_is_audited(session, clock, sides):
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    assert [link.org_id for link in contest.orgs] == [sides["a"].id, sides["b"].id]
    assert (contest.metric, contest.status) == ("per_member", "scheduled")
    assert list(contest.tie_breaks) == ["participation", "total", "earliest"]
    row = session.execute(select(AuditLog).where(AuditLog.action == "contest.create")).scalar_one()
    assert (row.actor_id, row.target_id, row.detail["org_ids"]) == (sides["host"].id, str(contest.id),
                                                                     [sides["a"].id, sides["b"].id])


def test_a_pairing_gives_its_two_orgs(session, clock, sides):
    contest = contests.create(session, clock, sides["host"], draft(sides, org_ids=[], pairing_id=sides["pairing"].id))
    assert [link.org_id for link in contest.orgs] == [sides["a"].id, sides["b"].id]


@pytest.mark.parametrize(("changes", "code", "words"), [
    ({"org_ids": "company_a+a"}, "OVERLAPPING_ORGS", "不能互相包含"),
    ({"ends_on": date(2026, 11, 30)}, "WINDOW_EMPTY", "结束日期不能早于开始日期"),
    ({"name": "  "}, "NAME_REQUIRED", "请填写竞赛名称"),
    ({"org_ids": "a"}, "TOO_FEW_ORGS", "至少需要两个"),
    ({"metric": "luck"}, "INVALID_METRIC", "评比指标"),
])
def test_invalid_contests_are_refused_with_a_chinese_reason_and_nothing_is_written(session, clock, sides, changes,
                                                                                    code, words):
    if isinstance(changes.get("org_ids"), str):
        changes["org_ids"] = [sides[key].id for key in changes["org_ids"].split("+")]
    with pytest.raises(ContestError) as refused:
        contests.create(session, clock, sides["host"], draft(sides, **changes))
    assert refused.value.code == code and words in refused.value.message
    session.rollback()
    assert session.execute(select(func.count(Contest.id))).scalar_one() == 0
    assert session.execute(select(func.count(AuditLog.id)).where(AuditLog.action.like("contest.%"))).scalar_one() == 0


def test_an_org_outside_the_organizers_scope_and_partners_is_refused(world, session, clock, sides):
    stranger = world.org("无关公司")
    with pytest.raises(ContestError) as refused:
        contests.create(session, clock, sides["host"], draft(sides, org_ids=[sides["a"].id, stranger.id]))
    assert refused.value.code == "OUT_OF_SCOPE" and "无关公司" in refused.value.message
    # Partners only is refused too: one side must be the organizer's own.
    host_b = world.member(sides["company_b"], "host-b", role="organizer")
    orgs.create_pairing(session, clock, "second", sides["other_a"], sides["b"], date(2026, 1, 1))
    session.commit()
    with pytest.raises(ContestError, match="至少要有一个是您管理的组织"):
        contests.create(session, clock, host_b, draft(sides, org_ids=[sides["a"].id, sides["other_a"].id]))
    # An admin may compare any orgs.
    assert contests.create(session, clock, sides["admin"], draft(sides, org_ids=[sides["a"].id, stranger.id])).id


def test_standings_count_the_org_at_award_time_with_the_end_population(session, clock, sides, give, app):
    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    standings.changed(store)
    a1, a2, a3 = sides["a_members"]
    b1, _b2 = sides["b_members"]
    give(a1, "daily", "before-the-window", correct=5)  # November: not counted
    clock.set(IN_DECEMBER)
    give(a1, "daily", "d1", correct=4)
    give(b1, "daily", "d2", correct=5)
    give(sides["outsider"], "daily", "d3", correct=5)  # another branch of company A: not a side
    # a3 moves to the B side mid-window: earlier points stay with A, later ones go to B, and the head to B.
    give(a3, "challenge", "c1", streak=5)
    members.move_member(session, clock, a3, sides["b"], actor_id=sides["admin"].id)
    session.commit()
    clock.advance(hours=1)
    give(a3, "daily", "d4", correct=2)
    rows = {row["org_id"]: row for row in standings.standings_rows(session, store, clock, contest)}
    side_a, side_b = rows[sides["a"].id], rows[sides["b"].id]
    assert (side_a["total"], side_a["members"], side_a["participants"]) == (4 + 3, 2, 2)
    assert (side_b["total"], side_b["members"], side_b["participants"]) == (5 + 2, 3, 2)
    assert side_a["per_member"] == pytest.approx(3.5) and side_b["per_member"] == pytest.approx(7 / 3)
    assert [row["org_id"] for row in standings.standings_rows(session, store, clock, contest)] == \
        [sides["a"].id, sides["b"].id]
    # The cache agrees with the ledger, and a rebuild gives the same boards.
    assert standings.check(session, store) == []
    live = standings.standings_rows(session, store, clock, contest)
    assert [row.as_row() for row in standings.compute(session, clock, contest)] == live
    store.delete(*store.board_keys(standings.keys.contest_board_prefix()))
    assert standings.check(session, store) != []
    standings.rebuild(session, store)
    assert standings.check(session, store) == []
    assert standings.standings_rows(session, store, clock, contest) == live


def test_draft_and_cancelled_contests_keep_no_boards(session, clock, sides, give, app):
    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides))
    standings.changed(store)
    clock.set(IN_DECEMBER)
    give(sides["a_members"][0], "daily", "d1", correct=3)
    assert store.board_keys(standings.keys.contest_board_prefix()) == []
    contests.schedule(session, clock, sides["host"], contest)
    standings.rebuild_one(session, store, contest)
    assert store.board_all(standings.keys.contest_side_key(contest.id, sides["a"].id)) == {
        str(sides["a_members"][0].id): 3}
    contests.cancel(session, clock, sides["host"], contest, "活动取消")
    standings.rebuild(session, store)
    assert store.board_keys(standings.keys.contest_board_prefix()) == []
    with pytest.raises(ContestError, match="须填写原因"):
        contests.cancel(session, clock, sides["host"], contest, " ")


def test_freeze_writes_the_result_once_and_check_verifies_it_from_the_ledger(session, clock, sides, give, app):
    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    clock.set(IN_DECEMBER)
    give(sides["b_members"][0], "daily", "d1", correct=5)
    give(sides["a_members"][0], "daily", "d2", correct=1)
    with pytest.raises(standings.ContestFreezeError, match="尚未结束"):
        standings.freeze(session, clock, contest)
    clock.set(AFTER_DECEMBER)
    assert [c.id for c in standings.to_freeze(session, clock)] == [contest.id]
    assert standings.freeze(session, clock, contest) is True
    session.refresh(contest)
    assert contest.status == "frozen" and len(contest.checksum) == 64
    assert contest.winner_org_id == sides["b"].id
    assert standings.freeze(session, clock, contest) is False
    assert session.execute(select(func.count()).select_from(ContestResultRow)).scalar_one() == 2
    assert standings.verify(session, clock, contest) == []
    # An entry now (January) does not change the frozen result; an altered row does.
    give(sides["a_members"][1], "daily", "jan", correct=5)
    assert standings.verify(session, clock, contest) == []
    row = session.execute(select(ContestResultRow).where(ContestResultRow.position == 1)).scalar_one()
    row.total += 1
    session.commit()
    assert standings.verify(session, clock, contest) == ["rows_altered"]  # the ledger still gives the checksum
    assert standings.frozen_rows(session, contest)[0]["org_id"] == sides["b"].id
    assert standings.standings_rows(session, store, clock, contest)[0]["total"] == 6


def test_cli_freezes_and_checks_a_contest(session, clock, sides, give, app):
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    clock.set(IN_DECEMBER)
    give(sides["a_members"][0], "daily", "d1", correct=2)
    runner = CliRunner()
    from pkarena.cli import main

    early = runner.invoke(main, ["contests", "freeze", str(contest.id)], obj=_script_info(app))
    assert early.exit_code == 1 and "尚未结束" in early.output
    clock.set(AFTER_DECEMBER)
    frozen = runner.invoke(main, ["contests", "freeze", str(contest.id)], obj=_script_info(app))
    assert frozen.exit_code == 0, frozen.output
    checked = runner.invoke(main, ["contests", "check", str(contest.id)], obj=_script_info(app))
    assert checked.exit_code == 0 and "verified" in checked.output
    missing = runner.invoke(main, ["contests", "check", "9999"], obj=_script_info(app))
    assert missing.exit_code == 1 and "不存在" in missing.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def test_pk_wins_count_only_against_the_other_side(session, clock, sides, give, app):
    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides, metric="pk_wins", tie_breaks=[]),
                              schedule=True)
    clock.set(IN_DECEMBER)
    a1, a2, _a3 = sides["a_members"]
    b1, _b2 = sides["b_members"]
    give(a1, "pk1v1", "m1", won=True)
    give(b1, "pk1v1", "m1", won=False)
    give(a1, "pk1v1", "m2", won=True)  # colleagues: a1 beat a2
    give(a2, "pk1v1", "m2", won=False)
    give(b1, "pk4", "m3", place=1)
    give(a2, "pk4", "m3", place=2)
    rows = {row["org_id"]: row["pk_wins"] for row in standings.standings_rows(session, store, clock, contest)}
    assert rows == {sides["a"].id: 1, sides["b"].id: 1}


def test_api_lists_my_contests_and_shows_standings(session, clock, sides, give, app, login, client):
    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    hidden = contests.create(session, clock, sides["host"], draft(sides, name="草稿"))
    standings.changed(store)
    clock.set(IN_DECEMBER)
    give(sides["b_members"][0], "daily", "d1", correct=3)
    login(sides["b_members"][1])
    listed = client.get("/api/v1/contests").get_json()["contests"]
    assert [c["id"] for c in listed] == [contest.id]
    assert listed[0]["status"] == "running" and listed[0]["days_left"] == 29
    body = client.get(f"/api/v1/contests/{contest.id}").get_json()
    assert body["metric"] == "per_member" and body["frozen"] is False and body["checksum"] is None
    assert [row["org_id"] for row in body["standings"]] == [sides["b"].id, sides["a"].id]
    assert body["standings"][0]["total"] == 3
    assert client.get(f"/api/v1/contests/{hidden.id}").status_code == 404
    assert client.get("/api/v1/contests/424242").get_json()["error"]["code"] == "NOT_FOUND"
    login(sides["outsider"])  # company A but not a side: sees nothing
    assert client.get("/api/v1/contests").get_json()["contests"] == []
    assert client.get(f"/api/v1/contests/{contest.id}").status_code == 404


def test_member_pages_show_our_side_against_theirs(session, clock, sides, give, app, login, client):
    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    standings.changed(store)
    clock.set(IN_DECEMBER)
    a1 = sides["a_members"][0]
    give(a1, "daily", "d1", correct=4)
    give(sides["b_members"][0], "daily", "d2", correct=5)
    login(a1)
    listing = client.get("/contests").get_data(as_text=True)
    assert "十二月PK赛" in listing and "一支部 vs 信息支部" in listing
    page = client.get(f"/contests/{contest.id}").get_data(as_text=True)
    assert 'data-testid="tug-of-war"' in page and "还剩 29 天" in page
    assert 'data-testid="my-points">4 分' in page
    assert f"scope=contest:{contest.id}" in page
    assert client.get("/contests/99999").status_code == 404
    login(sides["outsider"])
    assert client.get(f"/contests/{contest.id}").status_code == 404
    # Frozen: the result, its checksum and the 流动红旗.
    clock.set(AFTER_DECEMBER)
    standings.freeze(session, clock, contest)
    login(a1)
    page = client.get(f"/contests/{contest.id}").get_data(as_text=True)
    assert "流动红旗：信息支部" in page and 'data-testid="checksum"' in page


def test_organizer_reports_breakdown_participation_reminder_and_export(session, clock, sides, give, app):
    from io import BytesIO

    from openpyxl import load_workbook

    from pkarena.services.contests import reports

    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    clock.set(IN_DECEMBER)
    a1, a2, a3 = sides["a_members"]
    give(a1, "daily", "d1", correct=4)
    give(a2, "challenge", "c1", streak=5)
    parts = reports.breakdown(session, contest)
    assert parts["by_source"][sides["a"].id] == {"daily": 4, "challenge": 3}
    assert parts["by_day"][sides["a"].id][2] == 7 and len(parts["days"]) == 31
    today = {row["org_id"]: row for row in reports.participation(session, clock, contest)}
    assert [p["name"] for p in today[sides["a"].id]["missing"]] == [a3.display_name]
    assert a3.display_name in today[sides["a"].id]["reminder"] and "1 位同志" in today[sides["a"].id]["reminder"]
    assert today[sides["b"].id]["played"] == 0 and today[sides["b"].id]["members"] == 2
    book = load_workbook(BytesIO(reports.xlsx_bytes(session, store, clock, contest)))
    assert book.sheetnames == ["竞赛排名", "来源明细", "每日积分"]
    assert book["竞赛排名"]["A8"].value == 1 and book["竞赛排名"]["C8"].value == "一支部"


def test_deliberate_loss_signals_list_evidence_without_penalty(session, clock, sides, give, world):
    from pkarena.services.contests import reports
    from question_bank.answers import record_answers

    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    clock.set(IN_DECEMBER)
    [version] = world.questions(1)
    a1, b1 = sides["a_members"][0], sides["b_members"][0]
    for n in range(3):
        give(a1, "pk1v1", f"m{n}", won=False)
        give(b1, "pk1v1", f"m{n}", won=True)
        record_answers(session, [
            {"question_version_id": version, "member_id": a1.id, "match_ref": f"m{n}", "choice": "A",
             "correct": False, "elapsed_ms": 2000, "answered_at": clock.now()},
            {"question_version_id": version, "member_id": b1.id, "match_ref": f"m{n}", "choice": "B",
             "correct": True, "elapsed_ms": 2000, "answered_at": clock.now()}])
        session.commit()
    found = reports.signals(session, contest)
    assert [(s["member_id"], len(s["matches"])) for s in found] == [(a1.id, 3)]
    assert found[0]["matches"][0]["all_wrong"] is True
    assert reports.signals(session, contest, min_matches=4) == []


def test_a_correction_of_counted_manual_points_moves_the_contest(session, clock, sides, app):
    store = app.extensions["pkarena.store"]
    contest = contests.create(session, clock, sides["host"], draft(sides, sources=["daily", "manual"]), schedule=True)
    standings.changed(store)
    clock.set(IN_DECEMBER)
    updater = app.extensions["pkarena.boards"]
    a1 = sides["a_members"][0]
    [entry] = ledger.manual_award(session, clock, actor_id=sides["host"].id, member_ids=[a1.id], points=5,
                                  category="思想学习", reason="学习", request_id="r1", on_commit=updater)
    ledger.issue_correction(session, clock, actor_id=sides["host"].id, entry_id=entry.entry.id, points=-2,
                            reason="多记了", request_id="c1", on_commit=updater)
    rows = {row["org_id"]: row for row in standings.standings_rows(session, store, clock, contest)}
    assert rows[sides["a"].id]["total"] == 3
    assert standings.check(session, store) == []


def test_the_boards_api_serves_a_contest_scope(session, clock, sides, give, app, login, client):
    contest = contests.create(session, clock, sides["host"], draft(sides), schedule=True)
    standings.changed(app.extensions["pkarena.store"])
    clock.set(IN_DECEMBER)
    give(sides["b_members"][0], "daily", "d1", correct=3)
    login(sides["a_members"][0])
    body = client.get(f"/api/v1/boards/contest/{contest.id}").get_json()
    assert body["scope"] == f"contest/{contest.id}" and body["metric"] == "per_member"
    assert [(row["id"], row["points"], row["rank"]) for row in body["rows"]] == [
        (sides["b"].id, 3, 1), (sides["a"].id, 0, 2)]
    login(sides["outsider"])
    assert client.get(f"/api/v1/boards/contest/{contest.id}").status_code == 404
    assert client.get("/api/v1/boards/contest/99999999999999999999").status_code == 404
