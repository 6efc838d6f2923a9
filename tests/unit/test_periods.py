"""Quarter and year standings summed from frozen months (engine/periods.py, no database)."""

from __future__ import annotations

import pytest

from pkarena.engine.periods import FrozenRow, sum_months


def org(month: str, org_id: int, points: int, members: int, participants: int, name: str = "") -> FrozenRow:
    return FrozenRow(month, "org", org_id, name or f"支部{org_id}", points, members,
                     round(points / members, 4), round(participants / members, 4))


# Branch 1 is big and busy in total; branch 2 is small, grew in November, and has the better 人均.
QUARTER = [org("2026-10", 1, 300, 30, 15), org("2026-10", 2, 100, 4, 4),
           org("2026-11", 1, 300, 30, 30), org("2026-11", 2, 60, 6, 3, name="支部2（改名）")]


def test_points_add_up_and_a_member_board_ranks_by_them_with_shared_ranks() -> None:
    rows = sum_months([FrozenRow("2026-10", "member", 7, "甲", 5), FrozenRow("2026-11", "member", 7, "甲", 1),
                       FrozenRow("2026-10", "member", 8, "乙", 6), FrozenRow("2026-10", "member", 9, "丙", 2)])
    assert [(r["id"], r["points"], r["rank"]) for r in rows] == [(7, 6, 1), (8, 6, 1), (9, 2, 3)]
    assert "per_member" not in rows[0] and "participation" not in rows[0]


def test_an_org_s_per_member_sums_each_month_s_per_member_and_participation_is_the_monthly_mean() -> None:
    rows = {r["id"]: r for r in sum_months(QUARTER)}
    assert rows[1]["points"] == 600 and rows[1]["per_member"] == 20.0 and rows[1]["participation"] == 0.75
    # 100 / 4 + 60 / 6: measured against the members it had each month, not its November size.
    assert rows[2]["per_member"] == 35.0 and rows[2]["participation"] == 0.75
    assert rows[2]["members"] == 6 and rows[2]["name"] == "支部2（改名）"  # the latest month's


def test_the_sort_decides_the_order_and_equal_values_share_a_rank() -> None:
    assert [(r["id"], r["rank"]) for r in sum_months(QUARTER, "total")] == [(1, 1), (2, 2)]
    assert [(r["id"], r["rank"]) for r in sum_months(QUARTER, "per_member")] == [(2, 1), (1, 2)]
    assert [r["rank"] for r in sum_months(QUARTER, "participation")] == [1, 1]
    with pytest.raises(ValueError, match="sort"):
        sum_months(QUARTER, "median")
