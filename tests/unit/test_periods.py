"""Periods, quarter and year sums of frozen months, and the org order (engine/periods.py, ranking.py; no database)."""

from __future__ import annotations

import pytest

from pkarena.engine.periods import ALL, FrozenRow, Period, PeriodError, sum_months
from pkarena.engine.ranking import OrgFigures, rank_orgs
from pkarena.store import keys


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


# --- Period -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["day:2026-11-05", "month:2026-11", "quarter:2026-Q4", "year:2026", "all"])
def test_a_period_key_parses_back_to_itself(text: str) -> None:
    assert Period.parse(text).key == text == str(Period.parse(text))


@pytest.mark.parametrize("text", ["month:2026-13", "month:2026-00", "day:2026-02-30", "quarter:2026-Q5",
                                  "quarter:2026-Q0", "year:0000", "month:2026-1", "week:2026-W01", "", "junk",
                                  "month:", "day:2026-11-5", " all x"])
def test_impossible_or_malformed_periods_are_refused_with_a_chinese_message(text: str) -> None:
    with pytest.raises(PeriodError) as refused:
        Period.parse(text)
    assert isinstance(refused.value, ValueError) and refused.value.code == "INVALID_PERIOD"
    assert "周期" in str(refused.value)


def test_the_keys_are_the_store_s_board_period_strings() -> None:
    assert Period.for_day("2026-11-05").key == keys.period_day("2026-11-05")
    assert Period.for_month("2026-11").key == keys.period_month("2026-11")
    assert ALL.key == keys.PERIOD_ALL and Period.parse("all") is ALL


def test_months_contains_and_frozen() -> None:
    quarter = Period.parse("quarter:2026-Q4")
    assert quarter.months() == ["2026-10", "2026-11", "2026-12"] and quarter.is_frozen
    assert Period.parse("year:2026").months()[::11] == ["2026-01", "2026-12"] and Period.parse("year:2026").is_frozen
    assert Period.for_month("2026-02").months() == ["2026-02"] and not Period.for_month("2026-02").is_frozen
    assert Period.for_day("2026-02-28").months() == ["2026-02"]
    assert quarter.contains("2026-11") and quarter.contains("2026-12-31") and not quarter.contains("2026-09-30")
    assert Period.for_day("2026-02-28").contains("2026-02-28") and not Period.for_day("2026-02-28").contains("2026-02")
    assert ALL.contains("1999-01") and not ALL.is_frozen
    with pytest.raises(ValueError):
        ALL.months()


def test_parts_of_a_period() -> None:
    assert Period.for_month("2026-11").month_key == "2026-11" and Period.for_day("2026-11-05").day_key == "2026-11-05"
    assert Period.quarter_of("2026-11").key == "quarter:2026-Q4" and Period.quarter_of("2026-01").quarter_number == 1
    assert Period.year_of("2026-11").key == "year:2026" and Period.year_of("2026-11").year == 2026
    with pytest.raises(ValueError):
        _ = Period.parse("year:2026").month_key
    with pytest.raises(ValueError):
        _ = Period.for_month("2026-11").day_key


def test_recent_periods_for_the_picker_cross_a_year_newest_first() -> None:
    recent = Period.recent("2026-02", months=5)
    assert [p.key for p in recent["months"]] == ["month:2026-02", "month:2026-01", "month:2025-12", "month:2025-11",
                                                 "month:2025-10"]
    assert [p.key for p in recent["quarters"]] == ["quarter:2026-Q1", "quarter:2025-Q4"]
    assert [p.key for p in recent["years"]] == ["year:2026", "year:2025"]


# --- the one org order ----------------------------------------------------------------------------------
def test_orgs_tied_on_per_member_are_ordered_by_participation_then_total_then_id() -> None:
    rows = [OrgFigures(1, 6, 3.0, 0.5), OrgFigures(2, 12, 3.0, 1.0), OrgFigures(3, 9, 3.0, 1.0),
            OrgFigures(4, 9, 3.0, 1.0), OrgFigures(5, 40, 4.0, 0.1)]
    assert [(f.id, rank) for f, rank in rank_orgs(rows)] == [(5, 1), (2, 2), (3, 3), (4, 3), (1, 5)]
    # By total: equal totals share a rank, listed in the 人均 → participation order.
    assert [(f.id, rank) for f, rank in rank_orgs(rows, "total")] == [(5, 1), (2, 2), (3, 3), (4, 3), (1, 5)]
    assert [(f.id, rank) for f, rank in rank_orgs(rows, "participation")] == [(2, 1), (3, 1), (4, 1), (1, 4), (5, 5)]
    with pytest.raises(ValueError, match="sort"):
        rank_orgs(rows, "median")


def test_quarter_sums_rank_orgs_in_the_one_org_order() -> None:
    tied = [org("2026-10", 1, 20, 10, 5), org("2026-10", 2, 40, 20, 20), org("2026-10", 3, 2, 1, 1)]
    assert [(r["id"], r["rank"]) for r in sum_months(tied, "per_member")] == [(2, 1), (3, 2), (1, 3)]
