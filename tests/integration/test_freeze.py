"""The monthly freeze (DESIGN §4): immutable, checksummed, idempotent, caught up, verified from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, update

from pkarena import jobs
from pkarena.models import MonthlySnapshot, SnapshotRow
from pkarena.services import ledger
from pkarena.services.monthly import freeze, snapshots
from pkarena.services.monthly.freeze import FreezeError
from pkarena.services.people import members, orgs

OCT = "2026-10"
EARLY_OCTOBER = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
MID_OCTOBER = datetime(2026, 10, 15, 2, 0, tzinfo=UTC)
# 23:59:59.999 on 31 October and 00:00:00 on 1 November in Shanghai (UTC+8).
LAST_MS_OF_OCTOBER = datetime(2026, 10, 31, 15, 59, 59, 999_000, tzinfo=UTC)
NOVEMBER_MIDNIGHT = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
LATE_NOVEMBER = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@dataclass
class Town:
    """Two companies with a branch each, paired, and members created in early October."""

    company_a: object
    branch_a: object
    company_b: object
    branch_b: object
    pairing: object
    group: object
    people: list


@pytest.fixture
def town(session, clock, world) -> Town:
    clock.set(EARLY_OCTOBER)
    company_a, company_b = world.org("甲公司"), world.org("乙公司")
    branch_a, branch_b = world.org("甲一支部", company_a), world.org("乙一支部", company_b)
    pairing = orgs.create_pairing(session, clock, "甲乙结对", branch_a, branch_b, date(2026, 9, 1))
    group = orgs.create_joint_group(session, clock, "甲乙联合", [company_a, company_b])
    session.commit()
    people = [world.member(branch_a, f"a{i}") for i in range(3)] + [world.member(branch_b, "b0")]
    return Town(company_a, branch_a, company_b, branch_b, pairing, group, people)


def give(session, clock, member, points: int, at: datetime, ref: str):
    clock.set(at)
    return ledger.award(session, clock, member_id=member.id, source="manual", source_ref=ref,
                        outcome={"points": points}, category="思想学习", note="测试").entry


def rows_of(session, month: str, kind: str, scope_id: int = 0) -> list[dict]:
    view = snapshots.get(session, month, kind, scope_id)
    assert view is not None, (month, kind, scope_id)
    return view.rows


def snapshot_count(session) -> int:
    return session.execute(select(func.count(MonthlySnapshot.id))).scalar_one()


def test_freezing_a_month_twice_gives_one_snapshot_per_scope_with_the_same_checksum(session, clock, town):
    for i, person in enumerate(town.people):
        give(session, clock, person, 2 + i, MID_OCTOBER, f"oct-{i}")
    clock.set(LATE_NOVEMBER)
    first = freeze.freeze_month(session, clock, OCT)
    second = freeze.freeze_month(session, clock, OCT)
    assert all(scope.created for scope in first) and not any(scope.created for scope in second)
    assert [(s.scope_kind, s.scope_id, s.checksum) for s in first] == \
        [(s.scope_kind, s.scope_id, s.checksum) for s in second]
    kinds = {(s.scope_kind, s.scope_id) for s in first}
    assert kinds == {("members_all", 0), ("orgs", 0), ("pairing", town.pairing.id), ("joint_group", town.group.id),
                     *{("members_org", org.id) for org in (town.company_a, town.branch_a, town.company_b,
                                                           town.branch_b)}}
    assert snapshot_count(session) == len(first)
    assert snapshots.latest_month(session) == OCT
    assert snapshots.short_checksum(first[0].checksum) == first[0].checksum[:12]


def test_a_month_that_has_not_ended_cannot_be_frozen(session, clock, town):
    clock.set(LAST_MS_OF_OCTOBER)
    with pytest.raises(FreezeError):
        freeze.freeze_month(session, clock, OCT)
    with pytest.raises(FreezeError):
        freeze.freeze_month(session, clock, "2026-13")


def test_check_passes_on_a_fresh_freeze_and_reports_a_tampered_row(session, clock, town):
    give(session, clock, town.people[0], 5, MID_OCTOBER, "oct-0")
    clock.set(LATE_NOVEMBER)
    freeze.freeze_month(session, clock, OCT)
    assert freeze.check_month(session, OCT, clock) == []
    snapshot_id = session.execute(select(MonthlySnapshot.id).where(
        MonthlySnapshot.month == OCT, MonthlySnapshot.scope_kind == "members_all")).scalar_one()
    session.execute(update(SnapshotRow).where(SnapshotRow.snapshot_id == snapshot_id, SnapshotRow.position == 1)
                    .values(points=50))
    session.commit()
    problems = freeze.check_month(session, OCT, clock)
    assert [(p.scope_kind, p.scope_id, p.problem) for p in problems] == [("members_all", 0, "rows_altered")]


def test_check_reports_a_ledger_entry_slipped_into_a_frozen_month(session, clock, town):
    give(session, clock, town.people[0], 5, MID_OCTOBER, "oct-0")
    clock.set(LATE_NOVEMBER)
    freeze.freeze_month(session, clock, OCT)
    back_dated = give(session, clock, town.people[1], 1, MID_OCTOBER, "back-dated")
    assert back_dated.month == OCT
    clock.set(LATE_NOVEMBER)
    problems = {(p.scope_kind, p.problem) for p in freeze.check_month(session, OCT, clock)}
    assert ("members_all", "ledger_differs") in problems and ("orgs", "ledger_differs") in problems


def test_the_month_boundary_is_midnight_in_shanghai(session, clock, town):
    person = town.people[0]
    give(session, clock, person, 3, LAST_MS_OF_OCTOBER, "last-ms")
    give(session, clock, person, 7, NOVEMBER_MIDNIGHT, "midnight")
    clock.set(LATE_NOVEMBER)
    freeze.freeze_month(session, clock, OCT)
    mine = [row for row in rows_of(session, OCT, "members_all") if row["subject_id"] == person.id]
    assert mine[0]["points"] == 3


def test_equal_points_share_a_rank_and_members_without_points_rank_last(session, clock, town):
    first, second, third, other = town.people
    give(session, clock, first, 5, MID_OCTOBER, "r1")
    give(session, clock, second, 3, MID_OCTOBER, "r2")
    give(session, clock, third, 3, MID_OCTOBER, "r3")
    clock.set(LATE_NOVEMBER)
    freeze.freeze_month(session, clock, OCT)
    ranks = {row["subject_id"]: (row["rank"], row["points"]) for row in rows_of(session, OCT, "members_all")}
    assert ranks == {first.id: (1, 5), second.id: (2, 3), third.id: (2, 3), other.id: (4, 0)}
    branch_ranks = [row["rank"] for row in rows_of(session, OCT, "members_org", town.branch_a.id)]
    assert branch_ranks == [1, 2, 2]


def test_org_rows_carry_total_per_member_and_participation(session, clock, town):
    give(session, clock, town.people[0], 6, MID_OCTOBER, "o1")
    give(session, clock, town.people[1], 3, MID_OCTOBER, "o2")
    give(session, clock, town.people[3], 4, MID_OCTOBER, "o3")
    clock.set(LATE_NOVEMBER)
    freeze.freeze_month(session, clock, OCT)
    pairing = {row["subject_id"]: row for row in rows_of(session, OCT, "pairing", town.pairing.id)}
    side_a, side_b = pairing[town.branch_a.id], pairing[town.branch_b.id]
    assert (side_a["points"], side_a["members"], side_a["participants"]) == (9, 3, 2)
    assert side_a["per_member"] == 3.0 and side_a["participation"] == pytest.approx(0.6667)
    assert (side_b["points"], side_b["per_member"], side_b["participation"], side_b["rank"]) == (4, 4.0, 1.0, 2)
    group = [(row["subject_id"], row["points"]) for row in rows_of(session, OCT, "joint_group", town.group.id)]
    assert group == [(town.company_a.id, 9), (town.company_b.id, 4)]
    by_org = {row["subject_id"]: row for row in rows_of(session, OCT, "orgs")}
    assert by_org[town.company_a.id]["points"] == 9 and by_org[town.branch_a.id]["org_id"] == town.company_a.id


def test_the_population_is_who_belonged_at_the_end_of_the_month(session, clock, town, world):
    admin = world.member(town.branch_a, "boss", role="admin")
    clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    latecomer = world.member(town.branch_a, "late")
    members.set_status(session, clock, town.people[2], "inactive", actor_id=admin.id)
    members.move_member(session, clock, town.people[1], town.branch_b, actor_id=admin.id)
    session.commit()
    clock.set(LATE_NOVEMBER)
    freeze.freeze_month(session, clock, OCT)
    branch_a = {row["subject_id"] for row in rows_of(session, OCT, "members_org", town.branch_a.id)}
    # Deactivated and moved in November: still members of branch A at the end of October.
    assert branch_a == {town.people[0].id, town.people[1].id, town.people[2].id, admin.id}
    assert latecomer.id not in {row["subject_id"] for row in rows_of(session, OCT, "members_all")}
    assert freeze.check_month(session, OCT, clock) == []


def test_a_joint_group_counts_with_the_orgs_it_had_at_the_end_of_the_month(session, clock, town, world):
    admin = world.member(town.branch_a, "boss", role="admin")
    company_c = world.org("丙公司")
    give(session, clock, world.member(world.org("丙一支部", company_c), "c0"), 5, MID_OCTOBER, "c")
    orgs.add_to_joint_group(session, clock, town.group, company_c, actor_id=admin.id)  # in October: counts
    clock.set(datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    orgs.remove_from_joint_group(session, clock, town.group, town.company_b, actor_id=admin.id)
    session.commit()
    clock.set(LATE_NOVEMBER)
    freeze.freeze_month(session, clock, OCT)

    def group_orgs(month: str) -> set[int]:
        return {row["subject_id"] for row in rows_of(session, month, "joint_group", town.group.id)}

    # Frozen after company B left: October still shows the three orgs of 31 October.
    assert group_orgs(OCT) == {town.company_a.id, town.company_b.id, company_c.id}
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    orgs.add_to_joint_group(session, clock, town.group, town.company_b, actor_id=admin.id)
    orgs.remove_from_joint_group(session, clock, town.group, company_c, actor_id=admin.id)
    session.commit()
    freeze.freeze_month(session, clock, "2026-11")
    assert group_orgs("2026-11") == {town.company_a.id, company_c.id}
    # Later changes to the group are history, not a difference from the ledger.
    assert freeze.check_month(session, OCT, clock) == []
    assert freeze.check_month(session, "2026-11", clock) == []


def test_a_late_correction_leaves_the_snapshot_alone_and_counts_as_an_adjustment_now(session, clock, town):
    entry = give(session, clock, town.people[0], 5, MID_OCTOBER, "oct-0")
    clock.set(LATE_NOVEMBER)
    frozen = {(s.scope_kind, s.scope_id): s.checksum for s in freeze.freeze_month(session, clock, OCT)}
    organizer = town.people[3]
    correction = ledger.issue_correction(session, clock, actor_id=organizer.id, entry_id=entry.id, points=-2,
                                         reason="重复计分", request_id="fix-1").entry
    assert (correction.month, correction.adjusts_month) == ("2026-11", OCT)
    again = {(s.scope_kind, s.scope_id): s.checksum for s in freeze.freeze_month(session, clock, OCT)}
    assert again == frozen
    assert freeze.check_month(session, OCT, clock) == []
    assert [e.id for e in freeze.adjustments_for(session, "2026-11")] == [correction.id]
    assert [e.id for e in freeze.corrections_naming(session, OCT)] == [correction.id]
    assert freeze.adjustments_for(session, OCT) == []


def test_the_catch_up_job_freezes_every_missed_month_exactly_once(app, session, clock, world):
    clock.set(datetime(2026, 8, 3, 2, 0, tzinfo=UTC))
    branch = world.org("丙支部", world.org("丙公司"))
    person = world.member(branch, "c0")
    give(session, clock, person, 4, datetime(2026, 8, 10, 2, 0, tzinfo=UTC), "aug")
    give(session, clock, person, 2, MID_OCTOBER, "oct")
    give(session, clock, person, 1, datetime(2026, 11, 2, 2, 0, tzinfo=UTC), "nov")
    clock.set(LATE_NOVEMBER)
    assert jobs.freeze_months(app) == ["2026-08", "2026-09", "2026-10"]
    count = snapshot_count(session)
    session.rollback()
    assert jobs.freeze_months(app) == []
    assert snapshot_count(session) == count
    assert snapshots.get(session, "2026-09", "members_all").rows[0]["points"] == 0
    assert snapshots.get(session, "2026-11", "members_all") is None
    assert "boards.freeze" in jobs.JOBS and jobs.JOBS["boards.freeze"].run_at_start


def test_the_catch_up_job_leaves_the_work_to_the_worker_holding_the_lease(app, session, clock, town):
    from pkarena.store import keys

    give(session, clock, town.people[0], 5, MID_OCTOBER, "oct-0")
    clock.set(LATE_NOVEMBER)
    store = app.extensions["pkarena.store"]
    assert store.lease_acquire(keys.lease_key("job:freeze"), "other-worker", 60)
    assert jobs.freeze_months(app) == []
    assert snapshot_count(session) == 0
    store.lease_release(keys.lease_key("job:freeze"), "other-worker")
    assert jobs.freeze_months(app) == [OCT]
