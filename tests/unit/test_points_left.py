"""今日还可得 N 分: the most points each source can still add today under the rules (DESIGN §5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pkarena.engine.rules import DEFAULT_RULES, ModeRule, decide, points_left_today


def left(source: str, earned: int = 0, played: int = 0, **kwargs) -> int | None:
    return points_left_today(DEFAULT_RULES.rule(source), earned, played, **kwargs)


@pytest.mark.parametrize(("source", "earned", "played", "expected"), [
    ("pk1v1", 0, 0, 2),  # only the first match counts: a win pays 2
    ("pk1v1", 1, 1, 0),
    ("pk1v1", 2, 1, 0),
    ("pk4", 0, 0, 5),  # 3 for a first place in the first match, 2 in the second, cap 5
    ("pk4", 3, 1, 2),
    ("pk4", 1, 1, 2),
    ("pk4", 2, 2, 0),
    ("challenge", 0, 0, 6),  # no match limit: the cap of 6
    ("challenge", 3, 4, 3),
    ("challenge", 6, 2, 0),
])
def test_points_left_follow_match_limits_and_caps(source, earned, played, expected) -> None:
    assert left(source, earned, played) == expected


def test_a_once_a_day_run_has_nothing_left_once_played() -> None:
    assert left("daily", once_a_day=True) == 5
    assert left("daily", 3, 1, once_a_day=True) == 0
    assert left("daily", 3, 0) == 2  # without the once-a-day rule, the cap alone bounds it


def test_unbounded_sources_are_left_out() -> None:
    assert left("live") is None and left("manual") is None
    assert points_left_today(ModeRule("live"), 0, 0) is None


def test_a_cap_above_the_match_limit_never_shows_more_than_the_matches_pay() -> None:
    rule = ModeRule("pk1v1", daily_cap=9, counted_matches_per_day=2, params={"win": 2, "loss": 1})
    assert points_left_today(rule, 0, 0) == 4 and points_left_today(rule, 2, 1) == 2


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 4), st.integers(0, 5), st.integers(0, 12)), max_size=6),
       st.sampled_from(["pk1v1", "pk4", "challenge", "daily"]))
def test_no_sequence_of_outcomes_earns_more_than_was_left(outcomes, source) -> None:
    rule = DEFAULT_RULES.rule(source)
    once = source == "daily"
    earned = 0
    for played, (won, place, correct, streak) in enumerate(outcomes[:1] if once else outcomes):
        before = points_left_today(rule, earned, played, once_a_day=once)
        decision = decide(rule, {"won": won, "place": place, "correct": correct, "streak": streak},
                          ordinal=played + 1, earned_today=earned)
        assert 0 <= decision.points <= before
        earned += decision.points
        assert points_left_today(rule, earned, played + 1, once_a_day=once) <= before - decision.points
