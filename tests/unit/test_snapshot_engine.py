"""Snapshot rows and checksums from month facts (pkarena/engine/snapshot.py): no database, no server."""

from __future__ import annotations

import json

from pkarena.engine import snapshot as engine

ORGS = {
    1: engine.OrgFact(1, "甲公司", "company", None, (1,)),
    2: engine.OrgFact(2, "一支部", "branch", 1, (1, 2)),
    3: engine.OrgFact(3, "一组", "group", 2, (1, 2, 3)),
    4: engine.OrgFact(4, "二支部", "branch", 1, (1, 4)),
}


def facts(**overrides) -> engine.MonthFacts:
    values = {
        "month": "2026-10", "orgs": ORGS, "names": {10: "张三", 11: "李四", 12: "王五", 13: "赵六"},
        "population": {10: 3, 11: 3, 12: 4, 13: 4},
        "sums": [(10, 3, 5), (11, 3, 3), (12, 4, 3)],
    }
    values.update(overrides)
    return engine.MonthFacts(**values)


def scope(scopes: list[engine.ScopeRows], kind: str, scope_id: int = 0) -> list[dict]:
    return next(s.rows for s in scopes if (s.kind, s.scope_id) == (kind, scope_id))


def test_member_rankings_cover_the_population_and_share_ranks_on_ties():
    rows = scope(engine.build_scopes(facts()), "members_all")
    assert [(r["subject_id"], r["points"], r["rank"], r["position"]) for r in rows] == [
        (10, 5, 1, 1), (11, 3, 2, 2), (12, 3, 2, 3), (13, 0, 4, 4)]


def test_company_and_branch_get_member_scopes_but_groups_do_not():
    kinds = {(s.kind, s.scope_id) for s in engine.build_scopes(facts())}
    assert {("members_org", 1), ("members_org", 2), ("members_org", 4)} <= kinds
    assert ("members_org", 3) not in kinds


def test_points_count_where_they_were_awarded_even_after_a_move():
    # Member 10 belonged to group 3 at month end but earned 2 points in branch 4 earlier in the month.
    scopes = engine.build_scopes(facts(sums=[(10, 3, 5), (10, 4, 2)]))
    branch_four = {r["subject_id"]: r for r in scope(scopes, "members_org", 4)}
    assert branch_four[10]["points"] == 2 and branch_four[10]["org_id"] == 3
    orgs = {r["subject_id"]: r for r in scope(scopes, "orgs")}
    assert (orgs[4]["points"], orgs[4]["members"], orgs[4]["participants"]) == (2, 2, 1)
    assert orgs[1]["points"] == 7


def test_org_ratios_are_rounded_and_empty_orgs_divide_to_zero():
    scopes = engine.build_scopes(facts(population={10: 3, 11: 3, 12: 3}, sums=[(10, 3, 2)]))
    orgs = {r["subject_id"]: r for r in scope(scopes, "orgs")}
    assert (orgs[2]["per_member"], orgs[2]["participation"]) == (0.6667, 0.3333)
    assert (orgs[4]["members"], orgs[4]["per_member"], orgs[4]["participation"]) == (0, 0.0, 0.0)


def test_pairings_and_joint_groups_rank_their_orgs():
    scopes = engine.build_scopes(facts(pairings=[(7, 2, 4)], joint_groups=[(9, (2, 4))]))
    assert [(r["subject_id"], r["rank"]) for r in scope(scopes, "pairing", 7)] == [(2, 1), (4, 2)]
    assert [r["subject_id"] for r in scope(scopes, "joint_group", 9)] == [2, 4]


def test_the_fast_member_line_is_the_canonical_json_line():
    for row in scope(engine.build_scopes(facts(names={10: 'a"b\\c\n张', 11: "x"})), "members_all"):
        assert engine._member_row(row) == engine.canonical_row(row)
        assert json.loads(engine.canonical_row(row)) == row


def test_the_canonical_line_has_sorted_keys_and_fixed_decimals():
    row = scope(engine.build_scopes(facts()), "orgs")[0]
    line = engine.canonical_row(row)
    assert list(json.loads(line)) == sorted(row)
    assert '"participation":0.7500,"per_member":2.7500,"points":11' in line


def test_the_checksum_changes_with_any_figure_and_with_the_scope():
    rows = scope(engine.build_scopes(facts()), "members_all")
    base = engine.checksum("2026-10", "members_all", 0, rows)
    assert base == engine.checksum("2026-10", "members_all", 0, [dict(r) for r in rows])
    assert len(base) == 64
    changed = [dict(r) for r in rows]
    changed[-1]["points"] = 1
    assert engine.checksum("2026-10", "members_all", 0, changed) != base
    assert engine.checksum("2026-11", "members_all", 0, rows) != base
    assert engine.checksum("2026-10", "members_org", 0, rows) != base


def test_float_formatting_makes_equal_ratios_hash_alike():
    row = scope(engine.build_scopes(facts()), "orgs")[0]
    nudged = {**row, "per_member": row["per_member"] + 1e-9}
    assert engine.canonical_row(nudged) == engine.canonical_row(row)
