"""Organizer-written ledger entries (DESIGN §4): manual points (积分制) and corrections as new adjustment rows."""

from __future__ import annotations

import pytest
from ledger_fixtures import ALL_MONTH, DECEMBER, NOV, TODAY, ledger_rows, ledger_tree
from sqlalchemy import func, select

from pkarena.models import AuditLog, LedgerEntry
from pkarena.services import ledger
from pkarena.services.boards import cache as boards
from pkarena.services.ledger import LedgerError
from pkarena.services.people import members
from pkarena.store import keys


@pytest.fixture
def tree(world):
    """A company with two branches, an organizer and three members in branch A, one in branch B."""
    return ledger_tree(world)


ORGS_MONTH = keys.board_key("orgs", keys.scope_all(), keys.period_month(NOV))


# --- manual points (积分制) ------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_manual_award_without_a_reason_is_refused_and_writes_nothing(session, clock, tree, reason):
    with pytest.raises(LedgerError, match="请填写记分理由"):
        ledger.manual_award(session, clock, actor_id=tree["host"].id, member_ids=[tree["people"][0].id], points=3,
                            category="思想学习", reason=reason, request_id="req-1")
    assert ledger_rows(session) == 0


@pytest.mark.parametrize(("points", "category", "message"), [(0, "思想学习", "积分须在 1–100 之间"),
                                                             (3, "打卡", "请选择积分类别")])
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
    fix = ledger.issue_correction(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=-2,
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
    fix = ledger.issue_correction(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=-1,
                                  reason="对手掉线，胜负改判", request_id="fix-1").entry
    assert (fix.month, fix.day, fix.adjusts_month) == ("2026-12", "2026-12-03", NOV)
    assert ledger.member_totals(session, clock, member.id) == {"today": -1, "month": -1, "total": 1}


def test_a_correction_counts_for_the_org_of_the_corrected_entry_after_a_move(session, clock, tree, give, updater,
                                                                             store):
    member = tree["people"][0]
    original = give(member, "daily", "r1", correct=4).entry
    members.move_member(session, clock, member, tree["b"], actor_id=tree["host"].id)
    session.commit()
    fix = ledger.issue_correction(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=-4,
                                  reason="重复计分", request_id="fix-1", on_commit=updater).entry
    assert fix.org_id == tree["a"].id
    assert store.board_score(ORGS_MONTH, str(tree["a"].id)) == 0
    assert store.board_score(ORGS_MONTH, str(tree["b"].id)) is None
    assert boards.check(session, store) == []


def test_correcting_twice_with_one_request_id_makes_one_adjustment(session, clock, tree, give):
    original = give(tree["people"][0], "daily", "r1", correct=2).entry
    fixes = [ledger.issue_correction(session, clock, actor_id=tree["host"].id, entry_id=original.id, points=1,
                                     reason="补分", request_id="fix-9") for _ in range(2)]
    assert fixes[0].entry.id == fixes[1].entry.id
    assert ledger_rows(session) == 2


def test_a_correction_without_a_reason_or_of_zero_points_or_of_a_missing_entry_is_refused(session, clock, tree,
                                                                                           give):
    original = give(tree["people"][0], "daily", "r1", correct=2).entry
    cases = [(original.id, 1, " ", "请填写更正理由"), (original.id, 0, "无", "更正分值须为非零整数"),
             (99_999, 1, "无", "找不到要更正的积分记录")]
    for entry_id, points, reason, message in cases:
        with pytest.raises(LedgerError, match=message):
            ledger.issue_correction(session, clock, actor_id=tree["host"].id, entry_id=entry_id, points=points,
                                    reason=reason, request_id="fix-1")
    assert ledger_rows(session) == 1


def test_an_adjustment_naming_another_members_entry_is_refused(session, clock, tree, give):
    original = give(tree["people"][0], "daily", "r1", correct=2).entry
    with pytest.raises(LedgerError, match="not an entry of member"):
        ledger.award(session, clock, member_id=tree["people"][1].id, source="adjustment", source_ref="x",
                     outcome={"points": -2}, actor_id=tree["host"].id, corrects_entry_id=original.id)
    assert ledger_rows(session) == 1
