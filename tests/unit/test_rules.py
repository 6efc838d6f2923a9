"""The points-rule table (DESIGN §5): every default, caps, first-N matches, bots, rule versions."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pkarena.engine import rules
from pkarena.engine.rules import (
    DEFAULT_RULES,
    REASON_BOT,
    REASON_DAILY_CAP,
    REASON_MATCH_LIMIT,
    REASON_OK,
    Decision,
    ModeRule,
    RuleSet,
    decide,
    rules_for,
)


def grant(source: str, outcome: dict, *, ordinal: int = 1, earned_today: int = 0) -> Decision:
    """Decide one outcome under the default rules."""
    return decide(DEFAULT_RULES.rule(source), outcome, ordinal=ordinal, earned_today=earned_today)


# --- daily -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("correct", [0, 1, 3, 5])
def test_daily_quiz_gives_one_point_per_correct_answer(correct):
    assert grant("daily", {"correct": correct}) == Decision(correct, correct, REASON_OK)


def test_daily_quiz_is_capped_at_five_points_a_day():
    assert grant("daily", {"correct": 3}, earned_today=4) == Decision(1, 3, REASON_DAILY_CAP)
    assert grant("daily", {"correct": 2}, earned_today=5) == Decision(0, 2, REASON_DAILY_CAP)


def test_daily_quiz_counts_every_run_of_the_day_only_the_cap_limits_it():
    assert grant("daily", {"correct": 2}, ordinal=7, earned_today=2).points == 2


# --- challenge -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("streak", "points"), [(0, 0), (4, 0), (5, 3), (9, 3), (10, 6), (37, 6)])
def test_challenge_pays_three_from_a_streak_of_five_and_six_from_ten(streak, points):
    assert grant("challenge", {"streak": streak}).points == points


def test_challenge_is_capped_at_six_points_a_day():
    assert grant("challenge", {"streak": 10}, earned_today=3) == Decision(3, 6, REASON_DAILY_CAP)
    assert grant("challenge", {"streak": 5}, earned_today=6) == Decision(0, 3, REASON_DAILY_CAP)


def test_a_challenge_run_below_five_is_not_reported_as_capped():
    assert grant("challenge", {"streak": 2}, earned_today=6) == Decision(0, 0, REASON_OK)


# --- 1v1 -------------------------------------------------------------------------------------------
def test_one_on_one_pays_two_for_a_win_and_one_for_a_loss():
    assert grant("pk1v1", {"won": True}).points == 2
    assert grant("pk1v1", {"won": False}).points == 1


@pytest.mark.parametrize("won", [True, False])
def test_only_the_first_one_on_one_match_of_a_day_counts(won):
    decision = grant("pk1v1", {"won": won}, ordinal=2, earned_today=2)
    assert decision.points == 0
    assert decision.reason == REASON_MATCH_LIMIT
    assert decision.requested == (2 if won else 1)


# --- 4-player --------------------------------------------------------------------------------------
def test_four_player_first_place_pays_three_in_the_first_match_and_two_in_the_second():
    assert grant("pk4", {"place": 1}, ordinal=1).points == 3
    assert grant("pk4", {"place": 1}, ordinal=2, earned_today=3).points == 2


@pytest.mark.parametrize("place", [2, 3, 4])
def test_four_player_other_places_pay_one(place):
    assert grant("pk4", {"place": place}, ordinal=1).points == 1
    assert grant("pk4", {"place": place}, ordinal=2, earned_today=1).points == 1


def test_only_the_first_two_four_player_matches_of_a_day_count():
    assert grant("pk4", {"place": 1}, ordinal=3, earned_today=5) == Decision(0, 2, REASON_MATCH_LIMIT)
    assert grant("pk4", {"place": 4}, ordinal=3, earned_today=2).reason == REASON_MATCH_LIMIT


def test_four_player_points_are_capped_at_five_a_day():
    assert DEFAULT_RULES.rule("pk4").daily_cap == 5
    assert grant("pk4", {"place": 1}, ordinal=2, earned_today=4) == Decision(1, 2, REASON_DAILY_CAP)


# --- live ------------------------------------------------------------------------------------------
def test_live_round_pays_one_per_correct_answer():
    assert grant("live", {"correct": 7}).points == 7


def test_live_round_adds_two_to_each_player_of_the_winning_org():
    assert grant("live", {"correct": 4, "org_won": True}).points == 6
    assert grant("live", {"correct": 0, "org_won": True}).points == 2


def test_live_rounds_have_no_daily_cap_or_match_limit():
    assert grant("live", {"correct": 30}, ordinal=12, earned_today=500).points == 30


# --- manual and adjustments ------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["manual", "adjustment"])
@pytest.mark.parametrize("points", [5, -3])
def test_manual_points_and_adjustments_are_granted_as_entered(source, points):
    assert grant(source, {"points": points}, ordinal=40, earned_today=1000) == Decision(points, points)


def test_the_manual_categories_are_study_duty_and_tasks():
    assert rules.MANUAL_CATEGORIES == ("思想学习", "履职尽责", "攻坚克难")


# --- bots and bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "outcome"), [
    ("daily", {"correct": 5}), ("challenge", {"streak": 12}), ("pk1v1", {"won": True}),
    ("pk4", {"place": 1}), ("live", {"correct": 3, "org_won": True}), ("manual", {"points": 4}),
])
def test_bots_get_zero_points_in_every_mode(source, outcome):
    assert grant(source, {**outcome, "bot": True}) == Decision(0, 0, REASON_BOT)


@pytest.mark.parametrize(("source", "outcome"), [
    ("daily", {"correct": -3}), ("live", {"correct": -2}), ("challenge", {"streak": -1}),
])
def test_a_negative_count_from_a_buggy_caller_never_takes_points_away(source, outcome):
    assert grant(source, outcome).points == 0


def test_every_source_has_a_rule_and_an_unknown_source_is_refused():
    for source in rules.SOURCES:
        assert DEFAULT_RULES.rule(source).source == source
    with pytest.raises(ValueError, match="no points rule"):
        DEFAULT_RULES.rule("lottery")


# --- versions --------------------------------------------------------------------------------------
DOUBLE_DAILY = RuleSet(
    version="2026.2",
    effective_from=date(2026, 12, 1),
    modes={**DEFAULT_RULES.modes, "daily": ModeRule("daily", daily_cap=10, params={"per_correct": 2})},
)
HISTORY = (DOUBLE_DAILY, DEFAULT_RULES)  # deliberately not in date order


def test_the_default_rules_are_in_force_from_the_first_of_january_2026():
    assert rules_for(date(2026, 1, 1)) is DEFAULT_RULES
    assert rules_for(date(2026, 11, 25)).version == "2026.1"


def test_a_new_rule_version_takes_effect_from_its_stated_date():
    assert rules_for(date(2026, 11, 30), HISTORY).version == "2026.1"
    assert rules_for(date(2026, 12, 1), HISTORY).version == "2026.2"
    assert rules_for(date(2027, 6, 1), HISTORY).version == "2026.2"


def test_a_rule_change_changes_the_points_from_its_date_on():
    before = decide(rules_for(date(2026, 11, 30), HISTORY).rule("daily"), {"correct": 4}, ordinal=1,
                    earned_today=0)
    after = decide(rules_for(date(2026, 12, 1), HISTORY).rule("daily"), {"correct": 4}, ordinal=1,
                   earned_today=0)
    assert (before.points, after.points) == (4, 8)


def test_a_day_before_any_rules_is_refused():
    with pytest.raises(ValueError, match="no rules in force"):
        rules_for(date(2025, 12, 31), HISTORY)


# --- properties ------------------------------------------------------------------------------------
CAPPED = [s for s in rules.SOURCES if DEFAULT_RULES.rule(s).daily_cap is not None]
outcomes = st.fixed_dictionaries({}, optional={
    "correct": st.integers(-5, 50), "streak": st.integers(-5, 60), "won": st.booleans(),
    "place": st.integers(1, 4), "org_won": st.booleans(), "bot": st.booleans(),
})


@given(source=st.sampled_from(CAPPED), outcome=outcomes, ordinal=st.integers(1, 20),
       earned=st.integers(0, 20))
def test_a_decision_never_takes_the_day_past_the_cap(source, outcome, ordinal, earned):
    rule = DEFAULT_RULES.rule(source)
    decision = decide(rule, outcome, ordinal=ordinal, earned_today=earned)
    assert 0 <= decision.points <= max(decision.requested, 0)
    assert earned + decision.points <= max(rule.daily_cap, earned)


@given(source=st.sampled_from(["daily", "challenge", "pk1v1", "pk4"]), day=st.lists(outcomes, max_size=12))
def test_a_whole_day_of_outcomes_never_earns_more_than_the_rules_allow(source, day):
    rule = DEFAULT_RULES.rule(source)
    earned = counted = 0
    for ordinal, outcome in enumerate(day, start=1):
        decision = decide(rule, outcome, ordinal=ordinal, earned_today=earned)
        earned += decision.points
        counted += decision.points > 0
    if rule.daily_cap is not None:
        assert earned <= rule.daily_cap
    if rule.counted_matches_per_day is not None:
        assert counted <= rule.counted_matches_per_day
