"""The ledger contract (DESIGN §4): append-only, idempotent, capped in one transaction; boards follow it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pkarena.models import AuditLog, LedgerEntry, Org
from pkarena.services import boards, ledger, members, standings
from pkarena.services.ledger import LedgerError
from pkarena.store import keys

NOV = "2026-11"
TODAY = "2026-11-25"
# 23:59:59.999 and 00:00:00 in Shanghai (UTC+8), around the end of the fixture clock's day.
LAST_MS_OF_TODAY = datetime(2026, 11, 25, 15, 59, 59, 999_000, tzinfo=UTC)
LOCAL_MIDNIGHT = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def member_board(scope: str, period: str) -> str:
    return keys.board_key("members", scope, period)


ALL_MONTH = member_board(keys.scope_all(), keys.period_month(NOV))
ORGS_MONTH = keys.board_key("orgs", keys.scope_all(), keys.period_month(NOV))


@pytest.fixture
def store(app):
    """The app's store (memory or Redis)."""
    return app.extensions["pkarena.store"]


@pytest.fixture
def updater(app):
    """The app's BoardUpdater, passed as `on_commit` like the services do."""
    return app.extensions["pkarena.boards"]


@pytest.fixture
def tree(world):
    """A company with two branches, an organizer and three members in branch A, one in branch B."""
    company = world.org("华瑞金属")
    branch_a = world.org("第一支部", company)
    branch_b = world.org("第二支部", company)
    host = world.member(company, "host", role="organizer")
    people = [world.member(branch_a, f"a{i}") for i in (1, 2, 3)]
    other = world.member(branch_b, "b1")
    return {"company": company, "a": branch_a, "b": branch_b, "host": host, "people": people, "other": other}


@pytest.fixture
def give(session, clock, updater):
    """Award through the real path with the app's board updater."""

    def do(member, source: str, ref: str, **outcome) -> ledger.AwardResult:
        return ledger.award(session, clock, member_id=member.id, source=source, source_ref=ref, outcome=outcome,
                            on_commit=updater)

    return do


def ledger_rows(session) -> int:
    return session.execute(select(func.count(LedgerEntry.id))).scalar_one()


# --- idempotency -----------------------------------------------------------------------------------
def test_awarding_the_same_key_twice_returns_the_first_entry(session, tree, give):
    member = tree["people"][0]
    first = give(member, "daily", "run-1", correct=3)
    again = give(member, "daily", "run-1", correct=5)
    assert (first.created, again.created) == (True, False)
    assert again.entry.id == first.entry.id
    assert again.points == 3
    assert ledger_rows(session) == 1


def test_a_repeated_award_returns_a_loaded_entry_and_leaves_no_transaction_open(session, tree, give):
    member = tree["people"][0]
    give(member, "daily", "run-1", correct=3)
    again = give(member, "daily", "run-1", correct=3)
    assert (again.entry.points, again.entry.source_ref) == (3, "run-1")
    assert not session.in_transaction()


def test_a_repeated_award_does_not_move_the_boards_again(session, tree, give, store):
    member = tree["people"][0]
    give(member, "pk1v1", "match-7", won=True)
    give(member, "pk1v1", "match-7", won=True)
    assert store.board_score(ALL_MONTH, str(member.id)) == 2


def test_the_same_reference_for_two_members_or_two_sources_makes_separate_entries(session, tree, give):
    a1, a2 = tree["people"][:2]
    give(a1, "live", "round-1", correct=2)
    give(a2, "live", "round-1", correct=1)
    give(a1, "pk4", "round-1", place=2)
    assert ledger_rows(session) == 3


# --- caps and first-N matches ----------------------------------------------------------------------
def test_daily_points_stop_at_the_cap_across_several_runs_of_a_day(tree, give):
    member = tree["people"][0]
    results = [give(member, "daily", f"run-{i}", correct=c) for i, c in enumerate((3, 4, 5))]
    assert [r.points for r in results] == [3, 2, 0]
    assert [r.entry.requested for r in results] == [3, 4, 5]
    assert [r.reason for r in results] == ["", "daily_cap", "daily_cap"]


def test_the_daily_cap_holds_until_the_last_millisecond_of_the_local_day_and_resets_at_local_midnight(
        clock, tree, give):
    member = tree["people"][0]
    assert give(member, "daily", "run-1", correct=5).points == 5
    clock.set(LAST_MS_OF_TODAY)
    late = give(member, "daily", "run-2", correct=5)
    clock.set(LOCAL_MIDNIGHT)
    early = give(member, "daily", "run-3", correct=5)
    assert (late.points, late.entry.day) == (0, TODAY)
    assert (early.points, early.entry.day) == (5, "2026-11-26")


def test_only_the_first_one_on_one_match_of_a_day_earns_points(clock, tree, give):
    member = tree["people"][0]
    first = give(member, "pk1v1", "m1", won=False)
    second = give(member, "pk1v1", "m2", won=True)
    clock.set(LOCAL_MIDNIGHT)
    next_day = give(member, "pk1v1", "m3", won=True)
    assert (first.points, second.points, second.reason, next_day.points) == (1, 0, "match_limit", 2)


def test_four_player_matches_pay_three_then_two_and_nothing_after_the_second(tree, give):
    member = tree["people"][0]
    results = [give(member, "pk4", f"m{i}", place=1) for i in range(4)]
    assert [r.points for r in results] == [3, 2, 0, 0]
    assert sum(r.points for r in results) == 5
    assert results[2].reason == "match_limit"


def test_challenge_points_stop_at_six_a_day(tree, give):
    member = tree["people"][0]
    assert [give(member, "challenge", f"c{i}", streak=s).points for i, s in enumerate((5, 5, 10))] == [3, 3, 0]


def test_caps_count_per_member_and_per_source(tree, give):
    a1, a2 = tree["people"][:2]
    give(a1, "daily", "r1", correct=5)
    assert give(a2, "daily", "r1", correct=5).points == 5
    assert give(a1, "challenge", "c1", streak=10).points == 6


def test_manual_points_do_not_use_up_a_game_cap(session, clock, tree, give):
    member = tree["people"][0]
    ledger.manual_award(session, clock, actor_id=tree["host"].id, member_ids=[member.id], points=9,
                        category="思想学习", reason="学习", request_id="req-1")
    assert give(member, "daily", "r1", correct=5).points == 5


def test_a_bot_is_awarded_nothing_and_never_reaches_the_boards(world, tree, give, store):
    bot = world.member(tree["a"], "bot-1", is_bot=True)
    result = give(bot, "pk4", "m1", place=1)
    assert (result.points, result.reason) == (0, "bot")
    assert store.board_score(ALL_MONTH, str(bot.id)) is None


def test_an_award_records_the_rule_version_time_and_calendar_keys(clock, tree, give):
    entry = give(tree["people"][0], "live", "round-3", correct=2, org_won=True).entry
    assert (entry.points, entry.rule_version, entry.day, entry.month) == (4, "2026.1", TODAY, NOV)
    assert entry.awarded_at == clock.now()


# --- org at award time -----------------------------------------------------------------------------
def test_an_entry_keeps_the_org_of_award_time_after_the_member_moves(session, clock, tree, give, store):
    member = tree["people"][0]
    before = give(member, "daily", "r1", correct=3)
    members.move_member(session, clock, member, tree["b"], actor_id=tree["host"].id)
    session.commit()
    after = give(member, "challenge", "c1", streak=5)
    session.expire_all()
    assert session.get(LedgerEntry, before.entry.id).org_id == tree["a"].id
    assert after.entry.org_id == tree["b"].id
    scope_a = member_board(keys.scope_org(tree["a"].id), keys.period_month(NOV))
    scope_b = member_board(keys.scope_org(tree["b"].id), keys.period_month(NOV))
    assert (store.board_score(scope_a, str(member.id)), store.board_score(scope_b, str(member.id))) == (3, 3)


# --- refusals --------------------------------------------------------------------------------------
def test_an_award_to_an_unknown_member_is_refused(session, clock, tree):
    with pytest.raises(LedgerError, match="no member"):
        ledger.award(session, clock, member_id=99_999, source="daily", source_ref="r", outcome={"correct": 1})
    assert ledger_rows(session) == 0


def test_an_award_from_an_unknown_source_is_refused(session, clock, tree):
    with pytest.raises(LedgerError, match="unknown source"):
        ledger.award(session, clock, member_id=tree["people"][0].id, source="lottery", source_ref="r",
                     outcome={"points": 100})


def test_an_award_with_unflushed_changes_in_the_session_is_refused_and_keeps_them(session, clock, tree):
    pending = Org(name="草稿组织", kind="company", path="", created_at=clock.now())
    session.add(pending)
    with pytest.raises(LedgerError, match="pending changes"):
        ledger.award(session, clock, member_id=tree["people"][0].id, source="daily", source_ref="r",
                     outcome={"correct": 1})
    assert pending in session.new
    session.rollback()


# --- manual points (积分制) ------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_manual_award_without_a_reason_is_refused_and_writes_nothing(session, clock, tree, reason):
    with pytest.raises(LedgerError, match="reason"):
        ledger.manual_award(session, clock, actor_id=tree["host"].id, member_ids=[tree["people"][0].id], points=3,
                            category="思想学习", reason=reason, request_id="req-1")
    assert ledger_rows(session) == 0


@pytest.mark.parametrize(("points", "category", "message"), [(0, "思想学习", "zero"), (3, "打卡", "category")])
def test_a_manual_award_of_zero_points_or_an_unknown_category_is_refused(session, clock, tree, points, category,
                                                                         message):
    with pytest.raises(LedgerError, match=message):
        ledger.manual_award(session, clock, actor_id=tree["host"].id, member_ids=[tree["people"][0].id],
                            points=points, category=category, reason="理由", request_id="req-1")


def test_a_manual_award_is_audited_with_its_actor_points_category_and_reason(session, clock, tree, updater):
    host, (a1, a2, _) = tree["host"], tree["people"]
    results = ledger.manual_award(session, clock, actor_id=host.id, member_ids=[a1.id, a2.id], points=3,
                                  category="履职尽责", reason="  安全隐患排查表现突出 ", request_id="req-1",
                                  on_commit=updater)
    assert [(r.entry.points, r.entry.actor_id, r.entry.note) for r in results] == [(3, host.id, "安全隐患排查表现突出")] * 2
    audit = session.execute(select(AuditLog).where(AuditLog.action == "ledger.manual").order_by(AuditLog.id)).scalars().all()
    assert [(a.actor_id, a.target_kind, a.target_id) for a in audit] == [
        (host.id, "ledger_entry", str(results[0].entry.id)), (host.id, "ledger_entry", str(results[1].entry.id))]
    assert audit[0].detail == {"member_id": a1.id, "points": 3, "category": "履职尽责", "note": "安全隐患排查表现突出",
                               "adjusts_month": None}


def test_resubmitting_a_manual_award_with_the_same_request_id_changes_nothing(session, clock, tree, updater, store):
    host, member = tree["host"], tree["people"][0]

    def submit():
        return ledger.manual_award(session, clock, actor_id=host.id, member_ids=[member.id], points=4,
                                   category="攻坚克难", reason="夜间保障", request_id="req-42", on_commit=updater)

    first, again = submit(), submit()
    assert again[0].entry.id == first[0].entry.id and not again[0].created
    assert ledger_rows(session) == 1
    assert session.execute(select(func.count(AuditLog.id)).where(AuditLog.action == "ledger.manual")).scalar_one() == 1
    assert store.board_score(ALL_MONTH, str(member.id)) == 4


# --- corrections -----------------------------------------------------------------------------------
def test_a_correction_is_a_new_entry_and_the_original_is_never_updated(session, clock, tree, give, store):
    member = tree["people"][0]
    original = give(member, "daily", "r1", correct=5).entry
    fix = ledger.correct(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=-2,
                         reason="两题判分有误", request_id="fix-1")
    session.expire_all()
    stored = session.get(LedgerEntry, original.id)
    assert (stored.points, stored.source, stored.note, stored.day) == (5, "daily", None, TODAY)
    assert fix.entry.id != original.id
    assert (fix.entry.source, fix.entry.points, fix.entry.corrects_entry_id) == ("adjustment", -2, original.id)
    assert (fix.entry.adjusts_month, fix.entry.actor_id, fix.entry.note) == (NOV, tree["host"].id, "两题判分有误")
    assert ledger.member_totals(session, clock, member.id)["month"] == 3
    assert session.execute(select(AuditLog).where(AuditLog.action == "ledger.adjustment")).scalar_one().detail[
        "adjusts_month"] == NOV


def test_a_correction_in_a_later_month_lands_in_that_month_and_names_the_corrected_one(session, clock, tree, give):
    member = tree["people"][0]
    original = give(member, "pk1v1", "m1", won=True).entry
    clock.set(DECEMBER)
    fix = ledger.correct(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=-1,
                         reason="对手掉线，胜负改判", request_id="fix-1").entry
    assert (fix.month, fix.day, fix.adjusts_month) == ("2026-12", "2026-12-03", NOV)
    assert ledger.member_totals(session, clock, member.id) == {"today": -1, "month": -1, "total": 1}


def test_a_correction_counts_for_the_org_of_the_corrected_entry_after_a_move(session, clock, tree, give, updater,
                                                                             store):
    member = tree["people"][0]
    original = give(member, "daily", "r1", correct=4).entry
    members.move_member(session, clock, member, tree["b"], actor_id=tree["host"].id)
    session.commit()
    fix = ledger.correct(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=-4,
                         reason="重复计分", request_id="fix-1", on_commit=updater).entry
    assert fix.org_id == tree["a"].id
    assert store.board_score(ORGS_MONTH, str(tree["a"].id)) == 0
    assert store.board_score(ORGS_MONTH, str(tree["b"].id)) is None
    assert boards.check(session, store) == []


def test_correcting_twice_with_one_request_id_makes_one_adjustment(session, clock, tree, give):
    original = give(tree["people"][0], "daily", "r1", correct=2).entry
    fixes = [ledger.correct(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=1, reason="补分",
                            request_id="fix-9") for _ in range(2)]
    assert fixes[0].entry.id == fixes[1].entry.id
    assert ledger_rows(session) == 2


def test_a_correction_without_a_reason_or_of_zero_points_or_of_a_missing_entry_is_refused(session, clock, tree,
                                                                                           give):
    original = give(tree["people"][0], "daily", "r1", correct=2).entry
    cases = [(original.id, 1, " ", "reason"), (original.id, 0, "无", "0 points"), (99_999, 1, "无", "no ledger entry")]
    for entry_id, points, reason, message in cases:
        with pytest.raises(LedgerError, match=message):
            ledger.correct(session, clock, actor_id=tree["host"].id, entry_id=entry_id, points=points,
                           reason=reason, request_id="fix-1")
    assert ledger_rows(session) == 1


def test_an_adjustment_naming_another_members_entry_is_refused(session, clock, tree, give):
    original = give(tree["people"][0], "daily", "r1", correct=2).entry
    with pytest.raises(LedgerError, match="not an entry of member"):
        ledger.award(session, clock, member_id=tree["people"][1].id, source="adjustment", source_ref="x",
                     outcome={"points": -2}, actor_id=tree["host"].id, corrects_entry_id=original.id)
    assert ledger_rows(session) == 1


# --- boards after commit ---------------------------------------------------------------------------
def test_boards_are_updated_only_after_the_award_is_committed(app, tree, give, updater, store):
    from pkarena.extensions import db

    seen = []

    def committed_elsewhere(entry):
        with db.new_session() as other:
            seen.append(other.get(LedgerEntry, entry.id) is not None)

    updater.listeners.append(committed_elsewhere)
    member = tree["people"][0]
    give(member, "daily", "r1", correct=2)
    assert seen == [True]
    company, branch = tree["company"].id, tree["a"].id
    for period in (keys.period_day(TODAY), keys.period_month(NOV), keys.PERIOD_ALL):
        assert store.board_score(member_board(keys.scope_all(), period), str(member.id)) == 2
        assert store.board_score(member_board(keys.scope_org(company), period), str(member.id)) == 2
        assert store.board_score(member_board(keys.scope_org(branch), period), str(member.id)) == 2
        org_board = keys.board_key("orgs", keys.scope_all(), period)
        assert (store.board_score(org_board, str(company)), store.board_score(org_board, str(branch))) == (2, 2)
    assert store.board_score(member_board(keys.scope_org(tree["b"].id), keys.PERIOD_ALL), str(member.id)) is None


def test_a_capped_award_of_zero_points_leaves_the_boards_alone(tree, give, store):
    member = tree["people"][0]
    give(member, "pk1v1", "m1", won=True)
    give(member, "pk1v1", "m2", won=True)
    assert store.board_score(ALL_MONTH, str(member.id)) == 2


def test_a_failing_board_update_does_not_undo_or_hide_the_award(session, clock, tree, caplog):
    def store_down(entry):
        raise ConnectionError("store unreachable")

    with caplog.at_level(logging.ERROR, logger="pkarena.ledger"):
        result = ledger.award(session, clock, member_id=tree["people"][0].id, source="daily", source_ref="r1",
                              outcome={"correct": 2}, on_commit=store_down)
    assert result.created and result.points == 2
    assert ledger_rows(session) == 1
    assert "board update failed" in caplog.text


def test_check_finds_no_drift_when_every_award_went_through_the_updater(session, clock, tree, give, store):
    a1, a2, _ = tree["people"]
    give(a1, "daily", "r1", correct=4)
    give(a2, "pk4", "m1", place=1)
    clock.set(LOCAL_MIDNIGHT)
    give(a1, "challenge", "c1", streak=10)
    assert boards.check(session, store) == []


def test_check_reports_tampering_and_rebuild_repairs_it(session, tree, give, store):
    a1, a2, a3 = tree["people"]
    give(a1, "daily", "r1", correct=4)
    give(a2, "daily", "r1", correct=2)
    store.board_incr(ALL_MONTH, str(a1.id), 10)  # inflated
    store.board_incr(ALL_MONTH, str(a3.id), 7)  # a member with no points at all
    day_board = member_board(keys.scope_all(), keys.period_day(TODAY))
    store.delete(day_board)  # a lost board
    stale = member_board(keys.scope_all(), keys.period_day("2026-11-01"))
    store.board_incr(stale, str(a2.id), 1)  # a board the ledger knows nothing of
    drift = boards.check(session, store)
    assert {(d.key, d.member, d.cached, d.ledger) for d in drift} == {
        (ALL_MONTH, str(a1.id), 14, 4), (ALL_MONTH, str(a3.id), 7, None),
        (day_board, str(a1.id), None, 4), (day_board, str(a2.id), None, 2), (stale, str(a2.id), 1, None)}
    assert boards.rebuild(session, store) > 0
    assert boards.check(session, store) == []
    assert store.board_keys(stale) == []
    assert store.board_all(ALL_MONTH) == {str(a1.id): 4, str(a2.id): 2}


def test_rebuild_and_check_leave_boards_with_another_source_alone(session, tree, give, store):
    give(tree["people"][0], "daily", "r1", correct=1)
    contest_board = member_board(keys.scope_contest(5), keys.PERIOD_ALL)
    store.board_incr(contest_board, "12", 300)
    assert boards.check(session, store) == []
    boards.rebuild(session, store)
    assert store.board_score(contest_board, "12") == 300


def test_rebuild_from_an_empty_store_reproduces_the_live_boards(session, clock, tree, give, updater, store):
    a1, a2, _ = tree["people"]
    give(a1, "daily", "r1", correct=3)
    give(a2, "live", "round-1", correct=2, org_won=True)
    won = give(a2, "pk1v1", "m1", won=True).entry
    ledger.correct(session, clock, actor_id=tree["host"].id, entry_id=won.id, points=-2, reason="改判",
                   request_id="fix", on_commit=updater)
    clock.set(DECEMBER)
    give(a1, "challenge", "c1", streak=5)

    def snapshot():
        return {key: {m: s for m, s in store.board_all(key).items() if s}
                for key in store.board_keys(keys.board_prefix())}

    live = snapshot()
    store.delete(*live)
    boards.rebuild(session, store)
    assert snapshot() == {key: board for key, board in live.items() if board}


# --- what a member sees ----------------------------------------------------------------------------
def test_member_totals_split_today_this_month_and_all_time(session, clock, tree, give):
    member = tree["people"][0]
    give(member, "daily", "r1", correct=2)  # 25 Nov
    clock.set(LOCAL_MIDNIGHT)
    give(member, "daily", "r2", correct=3)  # 26 Nov
    give(member, "pk1v1", "m1", won=True)
    assert ledger.member_totals(session, clock, member.id) == {"today": 5, "month": 7, "total": 7}
    clock.set(DECEMBER)
    give(member, "live", "round-1", correct=1)
    assert ledger.member_totals(session, clock, member.id) == {"today": 1, "month": 1, "total": 8}
    assert ledger.member_totals(session, clock, tree["other"].id) == {"today": 0, "month": 0, "total": 0}


def test_a_member_with_no_points_ranks_after_everyone_with_points(session, clock, tree, give, store):
    a1, a2, a3 = tree["people"]
    give(a1, "daily", "r1", correct=5)
    give(a2, "daily", "r1", correct=5)
    summary = standings.member_summary(session, store, clock, a3)
    assert summary.points == {"today": 0, "month": 0, "total": 0}
    assert summary.month == NOV
    assert [(r.org_id, r.points, r.rank, r.of) for r in summary.ranks] == [
        (tree["a"].id, 0, 3, 3), (tree["company"].id, 0, 3, 5)]


def test_members_with_equal_points_share_a_rank_in_their_summary(session, clock, tree, give, store):
    a1, a2, _ = tree["people"]
    give(a1, "daily", "r1", correct=5)
    give(a2, "pk4", "m1", place=1)
    give(a2, "pk4", "m2", place=1)
    ranks = [[(r.rank, r.of) for r in standings.member_summary(session, store, clock, m).ranks] for m in (a1, a2)]
    assert ranks == [[(1, 3), (1, 5)], [(1, 3), (1, 5)]]
    summary = standings.member_summary(session, store, clock, a1).as_dict()
    assert summary["points"]["month"] == 5
    assert summary["org"]["path"] == ["华瑞金属", "第一支部"]
