"""In-match scoring (DESIGN §5): round(100 × (1 − (t/T)/2)) for a correct answer in time, else 0."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pkarena.engine.scoring import answer_score

LIMIT = 10_000


def test_an_instant_correct_answer_scores_one_hundred():
    assert answer_score(True, 0, LIMIT) == 100


def test_a_correct_answer_at_the_deadline_still_scores_fifty():
    assert answer_score(True, LIMIT, LIMIT) == 50


def test_a_correct_answer_after_the_deadline_scores_nothing():
    assert answer_score(True, LIMIT + 1, LIMIT) == 0


@pytest.mark.parametrize("elapsed", [0, 4_000, LIMIT, LIMIT + 5])
def test_a_wrong_or_missing_answer_scores_nothing(elapsed):
    assert answer_score(False, elapsed, LIMIT) == 0


@pytest.mark.parametrize(("elapsed", "score"), [(1_000, 95), (2_000, 90), (5_000, 75), (3_333, 83), (9_999, 50)])
def test_the_score_falls_linearly_with_the_elapsed_time(elapsed, score):
    assert answer_score(True, elapsed, LIMIT) == score


@pytest.mark.parametrize(("elapsed", "score"), [(100, 100), (300, 99), (2_500, 88), (7_500, 63), (8_500, 58)])
def test_exact_halves_always_round_up(elapsed, score):
    # 99.5, 98.5, 87.5, 62.5, 57.5: the float formula rounded these to even or down by representation error.
    assert answer_score(True, elapsed, LIMIT) == score


def test_a_receipt_stamped_before_the_send_counts_as_instant():
    assert answer_score(True, -40, LIMIT) == 100


@pytest.mark.parametrize("limit", [0, -10])
def test_a_question_without_a_positive_time_limit_scores_nothing(limit):
    assert answer_score(True, 0, limit) == 0


def test_the_thirty_second_limit_scales_the_same_way():
    assert answer_score(True, 15_000, 30_000) == 75


@given(limit=st.integers(1, 120_000), data=st.data())
def test_a_correct_answer_within_the_limit_scores_between_fifty_and_one_hundred(limit, data):
    elapsed = data.draw(st.integers(0, limit))
    assert 50 <= answer_score(True, elapsed, limit) <= 100


@given(limit=st.integers(1, 120_000), data=st.data())
def test_answering_sooner_never_scores_less(limit, data):
    a, b = sorted(data.draw(st.lists(st.integers(0, limit), min_size=2, max_size=2)))
    assert answer_score(True, a, limit) >= answer_score(True, b, limit)


@given(limit=st.integers(1, 120_000), data=st.data())
def test_the_score_is_the_formula_rounded_half_up(limit, data):
    elapsed = data.draw(st.integers(0, limit))
    exact_times_two = 200 - 100 * elapsed / limit  # 2 × the unrounded score
    assert abs(2 * answer_score(True, elapsed, limit) - exact_times_two) <= 1 + 1e-9
