"""Contests on the phone: PK queues over `/play` with real clients, 今日还可得, the 流动红旗 on /home.

Queues: cross-org first, colleagues after 10 s (the watchdog's pass), refusals with Chinese messages.
"""

from __future__ import annotations

from datetime import date

import pytest
from play_helpers import Table, assert_no_leak, connect, play_out, right
from sqlalchemy import select

from pkarena.models import Contest, LedgerEntry
from pkarena.realtime import driver
from pkarena.services.contests import manage as contests
from pkarena.services.contests import standings
from pkarena.services.contests.manage import ContestDraft
from pkarena.services.play import matchmaking

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)  # the test clock is 25 November


@pytest.fixture
def sides(world):
    """Branch A (three members) against branch B (two) of another company; a colleague of A's company outside."""
    company_a, company_b = world.org("华瑞金属"), world.org("星联通信")
    branch_a, other_a = world.org("一支部", company_a), world.org("二支部", company_a)
    branch_b = world.org("信息支部", company_b)
    return {"a": branch_a, "b": branch_b, "admin": world.member(company_a, "root", role="admin"),
            "a_members": [world.member(branch_a, f"a{i}") for i in range(1, 4)],
            "b_members": [world.member(branch_b, f"b{i}") for i in range(1, 3)],
            "outsider": world.member(other_a, "c1")}


def make_contest(session, clock, sides, *, schedule: bool = True, **changes):
    values = {"name": "十一月PK赛", "starts_on": NOV_1, "ends_on": NOV_30,
              "org_ids": [sides["a"].id, sides["b"].id], **changes}
    return contests.create(session, clock, sides["admin"], ContestDraft(**values), schedule=schedule)


def queue(table: Table, member: int, contest, mode: str = "pk1v1") -> dict:
    return table.emit(member, "queue.join", {"mode": mode, "scope": f"contest:{contest.id}"})


def started_with(table: Table, member: int) -> list[str] | None:
    start = table.last(member, "match.start")
    return start["players"] if start else None


def test_a_cross_org_pair_meets_at_once_while_a_colleague_waits_and_points_are_normal(
        app, session, clock, bank, sides, driven) -> None:
    contest = make_contest(session, clock, sides)
    (a1, a2, _a3), (b1, _b2) = sides["a_members"], sides["b_members"]
    table = Table({m.id: connect(app, m) for m in (a1, a2, b1)})
    assert queue(table, a1.id, contest) == {"ok": True, "status": "queued", "mode": "pk1v1"}
    assert queue(table, a2.id, contest)["status"] == "queued"  # a colleague: A's first waiter holds out
    matched = queue(table, b1.id, contest)
    assert matched["ok"] and matched["status"] == "matched" and driven == [matched["match_id"]]
    assert started_with(table, a1.id) == started_with(table, b1.id) == [str(a1.id), str(b1.id)]
    assert started_with(table, a2.id) is None and matchmaking.queued(app.extensions["pkarena.store"], a2.id)
    pair = Table({a1.id: table.socks[a1.id], b1.id: table.socks[b1.id]})
    pair.log = {m: table.log[m] for m in pair.socks}
    end = play_out(app, clock, pair, lambda m, q: right(q) if m == a1.id else "Z")
    assert end["awards"][str(a1.id)]["points"] == 2 and end["awards"][str(b1.id)]["points"] == 1
    for member in pair.socks:  # the leak spy: no answer or explanation before a question's reveal
        assert_no_leak(pair.log[member])
    # One ledger: plain pk1v1 entries, which the contest's standings count for each side.
    entries = session.execute(select(LedgerEntry.member_id, LedgerEntry.source, LedgerEntry.points)
                              .where(LedgerEntry.source_ref == matched["match_id"])).all()
    assert sorted(entries) == sorted([(a1.id, "pk1v1", 2), (b1.id, "pk1v1", 1)])
    totals = {row.org_id: (row.total, row.pk_wins) for row in standings.compute(session, clock, contest)}
    assert totals == {sides["a"].id: (2, 1), sides["b"].id: (1, 0)}
    # The waiting colleague can still leave the contest queue the ordinary way.
    assert table.emit(a2.id, "queue.leave") == {"ok": True}


def test_colleagues_meet_in_the_watchdog_pass_after_ten_seconds(app, session, clock, bank, sides, driven) -> None:
    contest = make_contest(session, clock, sides)
    a1, a2, _a3 = sides["a_members"]
    table = Table({m.id: connect(app, m) for m in (a1, a2)})
    assert queue(table, a1.id, contest)["status"] == "queued"
    assert queue(table, a2.id, contest)["status"] == "queued"
    clock.advance(seconds=9)
    with app.app_context():
        assert driver.form_contest_groups() == []
    clock.advance(seconds=1)
    with app.app_context():
        started = driver.form_contest_groups()
        assert driver.form_contest_groups() == []  # formed once
    assert len(started) == 1 and driven == started
    table.pull()
    assert started_with(table, a1.id) == started_with(table, a2.id) == [str(a1.id), str(a2.id)]
    assert table.last(a1.id, "question")["match_id"] == started[0]
    assert matchmaking.queued(app.extensions["pkarena.store"], a1.id) is None


def test_four_player_takes_two_of_each_side(app, session, clock, bank, sides, driven) -> None:
    contest = make_contest(session, clock, sides)
    (a1, a2, a3), (b1, b2) = sides["a_members"], sides["b_members"]
    table = Table({m.id: connect(app, m) for m in (a1, a2, a3, b1, b2)})
    acks = [queue(table, m.id, contest, "pk4") for m in (a1, a2, a3, b1, b2)]
    assert [a["status"] for a in acks] == ["queued", "queued", "queued", "queued", "matched"]
    players = [str(m.id) for m in (a1, a2, b1, b2)]
    for member in (a1, a2, b1, b2):
        assert started_with(table, member.id) == players
    assert started_with(table, a3.id) is None


def test_refusals_are_acked_with_stable_codes_and_chinese_messages(app, session, clock, bank, sides,
                                                                   driven) -> None:
    running = make_contest(session, clock, sides, sources=["daily", "pk1v1"])
    later = make_contest(session, clock, sides, name="十二月PK赛", starts_on=date(2026, 12, 1),
                         ends_on=date(2026, 12, 31))
    draft = make_contest(session, clock, sides, name="草稿", schedule=False)
    a1, outsider = sides["a_members"][0], sides["outsider"]
    table = Table({m.id: connect(app, m) for m in (a1, outsider)})
    cases = [
        (outsider.id, running, "pk1v1", "NOT_IN_CONTEST", "你所在的组织没有参加这个竞赛"),
        (a1.id, later, "pk1v1", "CONTEST_NOT_RUNNING", "竞赛不在进行中，现在不能匹配"),
        (a1.id, draft, "pk1v1", "CONTEST_NOT_FOUND", "竞赛不存在"),
        (a1.id, running, "pk4", "MODE_NOT_COUNTED", "这个竞赛不计入该对战模式的积分"),
    ]
    for member, contest, mode, code, message in cases:
        assert queue(table, member, contest, mode) == {"ok": False, "error": {"code": code, "message": message}}
    missing = table.emit(a1.id, "queue.join", {"mode": "pk1v1", "scope": "contest:424242"})
    assert missing["error"]["code"] == "CONTEST_NOT_FOUND"
    for scope in ("contest:abc", "contest:0", "contest:", "league:1"):
        bad = table.emit(a1.id, "queue.join", {"mode": "pk1v1", "scope": scope})
        assert bad["error"]["code"] == "INVALID_PAYLOAD"
    assert matchmaking.queued(app.extensions["pkarena.store"], a1.id) is None
    assert matchmaking.queued(app.extensions["pkarena.store"], outsider.id) is None
    assert driven == []
    # Refused members are free to queue anywhere else.
    assert queue(table, a1.id, running)["status"] == "queued"


def test_the_game_screen_keeps_a_contest_scope_and_names_the_contest(app, session, clock, sides, login,
                                                                     client) -> None:
    contest = make_contest(session, clock, sides)
    login(sides["a_members"][0])
    page = client.get(f"/play/match?mode=pk1v1&scope=contest:{contest.id}").get_data(as_text=True)
    assert f'data-scope="contest:{contest.id}"' in page and "十一月PK赛" in page
    assert f'data-lobby="/contests/{contest.id}"' in page
    # Solo modes and unknown scopes fall back to the company queue; another's contest keeps its scope (the
    # socket refuses it clearly) but its name is not shown.
    assert 'data-scope="company"' in client.get(f"/play/match?mode=daily&scope=contest:{contest.id}").get_data(
        as_text=True)
    assert 'data-scope="company"' in client.get("/play/match?mode=pk1v1&scope=contest:x").get_data(as_text=True)
    login(sides["outsider"])
    page = client.get(f"/play/match?mode=pk1v1&scope=contest:{contest.id}").get_data(as_text=True)
    assert f'data-scope="contest:{contest.id}"' in page and "十一月PK赛" not in page


def test_the_contest_page_says_what_still_counts_today(app, session, clock, sides, give, login, client) -> None:
    from pkarena.services.contests import views

    contest = make_contest(session, clock, sides)
    a1 = sides["a_members"][0]
    login(a1)
    page = client.get(f"/contests/{contest.id}").get_data(as_text=True)
    # daily 5 + challenge 6 + 1v1 2 + 4-player 5; live rounds have no daily bound and are left out.
    assert 'data-testid="points-left">今日还可得 18 分' in page
    give(a1, "daily", "d1", correct=3)
    give(a1, "pk1v1", "m1", won=False)
    give(a1, "pk4", "f1", place=1)
    give(sides["b_members"][0], "pk4", "f1", place=2)  # someone else's points change nothing of mine
    left = views.points_left(session, clock, contest.sources, a1.id)
    assert left == {"total": 8, "by_source": {"daily": 0, "challenge": 6, "pk1v1": 0, "pk4": 2}}
    page = client.get(f"/contests/{contest.id}").get_data(as_text=True)
    assert 'data-testid="points-left">今日还可得 8 分' in page and "四人赛 2 分" in page
    assert f'href="/play/match?mode=pk1v1&amp;scope=contest:{contest.id}"' in page
    clock.advance(days=1)  # a new day: everything counts again
    assert views.points_left(session, clock, contest.sources, a1.id)["total"] == 18


def test_the_winner_holds_the_red_flag_on_its_members_home_page_until_the_next_contest_ends(
        app, session, clock, world, sides, give, login, client) -> None:
    from datetime import UTC, datetime

    from pkarena.services.contests import series as contest_series
    from pkarena.services.contests import views

    values = {"name": "华瑞×星联 月度PK赛", "starts_on": None, "ends_on": None,
              "org_ids": [sides["a"].id, sides["b"].id]}
    run = contest_series.create_series(session, clock, sides["admin"], ContestDraft(**values), "monthly")
    november = session.execute(select(Contest).where(Contest.series_id == run.id)).scalar_one()
    (a1, *_), (b1, *_) = sides["a_members"], sides["b_members"]
    give(b1, "daily", "nov", correct=5)
    login(b1)
    assert 'data-testid="red-flag"' not in client.get("/home").get_data(as_text=True)  # nobody holds it yet
    clock.set(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
    assert standings.freeze(session, clock, november)
    contest_series.create_due(session, clock)  # December's contest of the series starts
    assert [f["org_id"] for f in views.flag_holders(session)] == [sides["b"].id]
    page = client.get("/home").get_data(as_text=True)
    assert 'data-testid="red-flag"' in page and "流动红旗" in page and "🚩" not in page
    assert november.name in page and f"/contests/{november.id}" in page
    login(world.member(world.org("信息支部一组", sides["b"]), "b-team"))  # the flag of an ancestor org shows too
    assert 'data-testid="red-flag"' in client.get("/home").get_data(as_text=True)
    login(a1)
    assert 'data-testid="red-flag"' not in client.get("/home").get_data(as_text=True)
    # December: A wins, and the flag moves when that contest ends (and freezes).
    december = session.execute(select(Contest).where(Contest.series_id == run.id,
                                                              Contest.id != november.id)).scalar_one()
    give(a1, "daily", "dec", correct=5)
    clock.set(datetime(2027, 1, 1, 4, 0, tzinfo=UTC))
    assert [f["org_id"] for f in views.flag_holders(session)] == [sides["b"].id]  # ended, not yet frozen
    assert standings.freeze(session, clock, december)
    assert [f["contest_id"] for f in views.flag_holders(session)] == [december.id]
    assert 'data-testid="red-flag"' in client.get("/home").get_data(as_text=True)
    login(b1)
    assert 'data-testid="red-flag"' not in client.get("/home").get_data(as_text=True)
