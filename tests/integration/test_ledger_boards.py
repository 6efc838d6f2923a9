"""Boards after ledger awards (DESIGN §4): updated after commit, checked and rebuilt; member totals and ranks."""

from __future__ import annotations

import logging

import pytest
from ledger_fixtures import (
    ALL_MONTH,
    DECEMBER,
    LOCAL_MIDNIGHT,
    NOV,
    TODAY,
    ledger_rows,
    ledger_tree,
    member_board,
)

from pkarena.models import LedgerEntry
from pkarena.services import ledger
from pkarena.services.boards import cache as boards
from pkarena.services.boards import metrics
from pkarena.store import keys


@pytest.fixture
def tree(world):
    """A company with two branches, an organizer and three members in branch A, one in branch B."""
    return ledger_tree(world)


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
    contest_board = member_board("contest:5", keys.PERIOD_ALL)
    store.board_incr(contest_board, "12", 300)
    assert boards.check(session, store) == []
    boards.rebuild(session, store)
    assert store.board_score(contest_board, "12") == 300


def test_rebuild_from_an_empty_store_reproduces_the_live_boards(session, clock, tree, give, updater, store):
    a1, a2, _ = tree["people"]
    give(a1, "daily", "r1", correct=3)
    give(a2, "live", "round-1", correct=2, org_won=True)
    won = give(a2, "pk1v1", "m1", won=True).entry
    ledger.issue_correction(session, clock, actor_id=tree["host"].id, entry_id=won.id, points=-2, reason="改判",
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
    summary = metrics.member_summary(session, store, clock, a3)
    assert summary.points == {"today": 0, "month": 0, "total": 0}
    assert summary.month == NOV
    assert [(r.org_id, r.points, r.rank, r.of) for r in summary.ranks] == [
        (tree["a"].id, 0, 3, 3), (tree["company"].id, 0, 3, 5)]


def test_members_with_equal_points_share_a_rank_in_their_summary(session, clock, tree, give, store):
    a1, a2, _ = tree["people"]
    give(a1, "daily", "r1", correct=5)
    give(a2, "pk4", "m1", place=1)
    give(a2, "pk4", "m2", place=1)
    ranks = [[(r.rank, r.of) for r in metrics.member_summary(session, store, clock, m).ranks] for m in (a1, a2)]
    assert ranks == [[(1, 3), (1, 5)], [(1, 3), (1, 5)]]
    summary = metrics.member_summary(session, store, clock, a1).as_dict()
    assert summary["points"]["month"] == 5
    assert summary["org"]["path"] == ["华瑞金属", "第一支部"]
