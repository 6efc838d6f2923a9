"""The ledger award path (DESIGN §4): idempotent, capped per day and source, org of award time, refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ledger_fixtures import ALL_MONTH, LOCAL_MIDNIGHT, NOV, TODAY, ledger_rows, ledger_tree, member_board

from pkarena.models import LedgerEntry, Org
from pkarena.services import ledger
from pkarena.services.ledger import LedgerError
from pkarena.services.people import members
from pkarena.store import keys


@pytest.fixture
def tree(world):
    """A company with two branches, an organizer and three members in branch A, one in branch B."""
    return ledger_tree(world)


# 23:59:59.999 in Shanghai (UTC+8), the last moment of the fixture clock's day.
LAST_MS_OF_TODAY = datetime(2026, 11, 25, 15, 59, 59, 999_000, tzinfo=UTC)


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
