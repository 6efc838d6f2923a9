"""Contest rules and standings (engine/contests.py): plain Python, no server."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pkarena.engine import contests as c

# Two companies: 1 → branches 2, 3; 10 → branch 11 (with group 12).
ANCESTORS = {1: (1,), 2: (1, 2), 3: (1, 3), 10: (10,), 11: (10, 11), 12: (10, 11, 12)}
A = c.Participant(2, "甲支部", ANCESTORS[2])
B = c.Participant(11, "乙支部", ANCESTORS[11])


def facts(population, sums, wins=None, participants=(A, B)) -> c.ContestFacts:
    return c.ContestFacts(list(participants), population, sums, wins or {})


def test_two_orgs_of_different_companies_are_valid_participants():
    c.check_participants([A, B])


@pytest.mark.parametrize(("orgs", "code"), [
    ([A], "TOO_FEW_ORGS"),
    ([A, A], "TOO_FEW_ORGS"),
    ([A, B, A], "DUPLICATE_ORG"),
    ([c.Participant(10, "乙公司", ANCESTORS[10]), B], "OVERLAPPING_ORGS"),
    ([B, c.Participant(12, "乙小组", ANCESTORS[12])], "OVERLAPPING_ORGS"),
])
def test_participants_that_would_count_a_member_twice_are_refused(orgs, code):
    with pytest.raises(c.ContestRuleError) as refused:
        c.check_participants(orgs)
    assert refused.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_overlap_message_names_both_orgs():
    with pytest.raises(c.ContestRuleError, match="乙小组.*乙支部"):
        c.check_participants([B, c.Participant(12, "乙小组", ANCESTORS[12])])


@pytest.mark.parametrize(("start", "end", "code"), [
    (None, date(2026, 12, 31), "WINDOW_MISSING"),
    (date(2026, 12, 2), date(2026, 12, 1), "WINDOW_EMPTY"),
    (date(2026, 1, 1), date(2027, 1, 2), "WINDOW_TOO_LONG"),
])
def test_bad_windows_are_refused(start, end, code):
    with pytest.raises(c.ContestRuleError) as refused:
        c.check_window(start, end)
    assert refused.value.code == code


def test_a_one_day_window_is_valid():
    c.check_window(date(2026, 12, 1), date(2026, 12, 1))


@pytest.mark.parametrize(("metric", "ties", "sources", "code"), [
    ("average", (), ("daily",), "INVALID_METRIC"),
    ("per_member", ("luck",), ("daily",), "INVALID_TIE_BREAK"),
    ("per_member", ("total", "total"), ("daily",), "INVALID_TIE_BREAK"),
    ("per_member", ("per_member",), ("daily",), "INVALID_TIE_BREAK"),
    ("per_member", (), (), "NO_SOURCES"),
    ("per_member", (), ("adjustment",), "INVALID_SOURCE"),
    ("pk_wins", (), ("daily",), "NO_PK_SOURCE"),
])
def test_bad_scoring_is_refused(metric, ties, sources, code):
    with pytest.raises(c.ContestRuleError) as refused:
        c.check_scoring(metric, ties, sources)
    assert refused.value.code == code


def test_default_scoring_is_valid():
    c.check_scoring("per_member", c.DEFAULT_TIE_BREAKS, c.DEFAULT_SOURCES)
    c.check_scoring("pk_wins", ("per_member",), ("pk1v1", "manual"))


@pytest.mark.parametrize(("stored", "today", "expected"), [
    ("scheduled", date(2026, 11, 30), "scheduled"),
    ("scheduled", date(2026, 12, 1), "running"),
    ("running", date(2026, 12, 31), "running"),
    ("running", date(2027, 1, 1), "ended"),
    ("draft", date(2026, 12, 5), "draft"),
    ("cancelled", date(2026, 12, 5), "cancelled"),
    ("frozen", date(2027, 1, 5), "frozen"),
])
def test_status_follows_the_window(stored, today, expected):
    assert c.current_status(stored, date(2026, 12, 1), date(2026, 12, 31), today) == expected


def test_days_left_counts_today_and_stops_at_zero():
    start, end = date(2026, 12, 1), date(2026, 12, 31)
    assert c.days_left(start, end, date(2026, 12, 31)) == 1
    assert c.days_left(start, end, date(2026, 12, 5)) == 27
    assert c.days_left(start, end, date(2026, 11, 1)) == 31
    assert c.days_left(start, end, date(2027, 1, 1)) == 0


def test_series_windows_cover_whole_months_and_quarters():
    assert c.series_window("monthly", date(2026, 12, 1)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert c.series_window("monthly", date(2027, 2, 1)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert c.series_window("quarterly", date(2026, 10, 1)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert c.series_period_start("quarterly", date(2026, 11, 17)) == date(2026, 10, 1)
    assert c.series_period_start("monthly", date(2026, 11, 17)) == date(2026, 11, 1)


def test_entries_count_for_the_org_at_award_time_and_per_member_uses_the_end_population():
    # Member 7 scored 4 in branch 3 (outside the contest), then moved to 2 and scored 6 there.
    # Member 8 scored 5 for 11 and left before the end: the points stay, the head does not.
    result = c.standings(facts(
        population={5: 2, 6: 2, 7: 2, 9: 12},
        sums=[(5, 2, 10, "2026-12-03T01:00"), (7, 3, 4, "2026-12-02T01:00"), (7, 2, 6, "2026-12-04T01:00"),
              (8, 11, 5, "2026-12-02T02:00"), (9, 12, 3, "2026-12-02T03:00")]),
        ANCESTORS, "per_member", c.DEFAULT_TIE_BREAKS)
    by_id = {row.org_id: row for row in result}
    assert (by_id[2].total, by_id[2].members, by_id[2].participants) == (16, 3, 2)
    assert (by_id[11].total, by_id[11].members, by_id[11].participants) == (8, 1, 2)
    assert by_id[11].per_member == 8 and by_id[2].per_member == pytest.approx(16 / 3)
    assert [row.org_id for row in result] == [11, 2]
    assert [row.rank for row in result] == [1, 2]


def test_a_per_member_tie_is_broken_by_participation_then_total_then_earliest():
    # 2: 3 members, 6 points from 1 player; 11: 3 members, 6 points from 2 players → 11 ahead.
    tied = facts({1: 2, 2: 2, 3: 2, 4: 11, 5: 11, 6: 11},
                 [(1, 2, 6, "2026-12-01T00:00"), (4, 11, 3, "2026-12-02T00:00"), (5, 11, 3, "2026-12-02T00:00")])
    assert [r.org_id for r in c.standings(tied, ANCESTORS, "per_member", c.DEFAULT_TIE_BREAKS)] == [11, 2]
    # Equal participation and total: the one that reached its score first wins.
    equal = facts({1: 2, 4: 11}, [(1, 2, 6, "2026-12-03T00:00"), (4, 11, 6, "2026-12-02T00:00")])
    assert [r.org_id for r in c.standings(equal, ANCESTORS, "per_member", c.DEFAULT_TIE_BREAKS)] == [11, 2]
    # Without a tie-break chain they share first place, and nobody gets the flag.
    shared = c.standings(equal, ANCESTORS, "per_member", ())
    assert [r.rank for r in shared] == [1, 1]
    assert c.winner(shared) is None


def test_per_member_equal_after_rounding_is_not_a_tie():
    # 7/3 = 2.3333… and 233/100 = 2.33 both show as 2.33; full precision decides, not the rounded value.
    population = {1: 2, 2: 2, 3: 2, **{100 + n: 11 for n in range(100)}}
    rows = c.standings(facts(population, [(1, 2, 7, "2026-12-02T00:00"), (100, 11, 233, "2026-12-01T00:00")]),
                       ANCESTORS, "per_member", ())
    assert [(r.org_id, round(r.per_member, 2), r.rank) for r in rows] == [(2, 2.33, 1), (11, 2.33, 2)]


def test_total_and_participation_and_pk_wins_metrics():
    data = facts({1: 2, 2: 2, 4: 11}, [(1, 2, 3, "2026-12-01T00:00"), (2, 2, 1, "2026-12-01T00:00"),
                                       (4, 11, 5, "2026-12-01T00:00")], wins={2: 1, 11: 3})
    assert [r.org_id for r in c.standings(data, ANCESTORS, "total", ())] == [11, 2]
    assert [r.rank for r in c.standings(data, ANCESTORS, "participation", ())] == [1, 1]
    ranked = c.standings(data, ANCESTORS, "pk_wins", ())
    assert [(r.org_id, r.pk_wins) for r in ranked] == [(11, 3), (2, 1)]
    assert c.winner(ranked) == 11


def test_an_org_with_no_members_and_no_points_ranks_last_without_dividing_by_zero():
    rows = c.standings(facts({1: 2}, [(1, 2, 1, "2026-12-01T00:00")]), ANCESTORS, "per_member",
                       c.DEFAULT_TIE_BREAKS)
    assert [(r.org_id, r.per_member, r.participation) for r in rows] == [(2, 1.0, 1.0), (11, 0.0, 0.0)]
    assert rows[1].reached_at is None


def test_nobody_wins_a_contest_without_points():
    rows = c.standings(facts({1: 2, 4: 11}, []), ANCESTORS, "per_member", c.DEFAULT_TIE_BREAKS)
    assert c.winner(rows) is None


def test_cross_org_wins_ignore_matches_within_one_side():
    results = [("m1", 2, "win"), ("m1", 11, "loss"),      # cross-org: 2 wins
               ("m2", 2, "win"), ("m2", 2, "loss"),       # colleagues: not counted
               ("m3", 11, "place:1"), ("m3", 2, "place:2"), ("m3", None, "place:3"),
               ("m4", 11, "win"), ("m4", None, "loss")]   # against someone outside: not counted
    assert c.cross_org_wins(results) == {2: 1, 11: 1}


def test_checksum_is_stable_across_float_noise_and_changes_with_any_figure():
    rows = [r.as_row() for r in c.standings(facts({1: 2, 2: 2, 4: 11}, [(1, 2, 1, "2026-12-01T00:00")]),
                                             ANCESTORS, "per_member", c.DEFAULT_TIE_BREAKS)]
    first = c.checksum(7, "per_member", c.DEFAULT_TIE_BREAKS, rows)
    noisy = [{**row, "per_member": row["per_member"] + 1e-12} for row in rows]
    assert c.checksum(7, "per_member", c.DEFAULT_TIE_BREAKS, noisy) == first
    changed = [{**rows[0], "total": rows[0]["total"] + 1}, *rows[1:]]
    assert c.checksum(7, "per_member", c.DEFAULT_TIE_BREAKS, changed) != first
    assert c.checksum(8, "per_member", c.DEFAULT_TIE_BREAKS, rows) != first


@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from([2, 3, 11, 12]), st.integers(-3, 9),
                          st.sampled_from(["2026-12-01T00:00", "2026-12-02T00:00"])), max_size=30),
       st.dictionaries(st.integers(0, 5), st.sampled_from([2, 3, 11, 12]), max_size=6))
def test_ranks_are_competition_ranks_and_totals_add_up(sums, population):
    rows = c.standings(facts(population, sums), ANCESTORS, "per_member", c.DEFAULT_TIE_BREAKS)
    assert [row.position for row in rows] == [1, 2]
    assert rows[0].rank == 1 and rows[1].rank in (1, 2)
    inside = sum(points for _m, org, points, _at in sums if org != 3)
    assert sum(row.total for row in rows) == inside
    if rows[1].rank == 1:
        assert c.sort_key(rows[0], "per_member", c.DEFAULT_TIE_BREAKS) == \
            c.sort_key(rows[1], "per_member", c.DEFAULT_TIE_BREAKS)


def test_a_1v1_pairs_across_sides_before_colleagues():
    waiting = {2: [("a1", 0), ("a2", 100)], 11: [("b1", 500)]}
    assert c.choose_group(waiting, 2, now_ms=600) == ["a1", "b1"]
    # Only colleagues waiting: they hold out for 10 s, then meet each other.
    colleagues = {2: [("a1", 0), ("a2", 100)], 11: []}
    assert c.choose_group(colleagues, 2, now_ms=9_999) is None
    assert c.choose_group(colleagues, 2, now_ms=10_000) == ["a1", "a2"]


def test_four_player_prefers_two_from_each_side():
    waiting = {2: [("a1", 0), ("a2", 10), ("a3", 20)], 11: [("b1", 30)], 12: [("c1", 5), ("c2", 40)]}
    assert c.choose_group(waiting, 4, now_ms=100) == ["a1", "a2", "c1", "c2"]
    lopsided = {2: [("a1", 0), ("a2", 10), ("a3", 20)], 11: [("b1", 30)]}
    assert c.choose_group(lopsided, 4, now_ms=100) is None
    assert c.choose_group(lopsided, 4, now_ms=10_000) == ["a1", "a2", "a3", "b1"]
    assert c.choose_group({2: [("a1", 0)]}, 4, now_ms=99_999) is None


def test_corrections_of_manual_points_count_where_manual_points_count():
    assert c.counted_sources(("daily", "manual")) == ("daily", "manual", "adjustment")
    assert c.counted_sources(c.DEFAULT_SOURCES) == c.DEFAULT_SOURCES
