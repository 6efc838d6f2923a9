"""Competition ranking (DESIGN §4 Boards): equal scores share a rank (1, 2, 2, 4)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pkarena.engine.ranking import rank_of, shared_ranks


def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    ranked = shared_ranks([("a", 10), ("b", 8), ("c", 8), ("d", 5)])
    assert [rank for _, _, rank in ranked] == [1, 2, 2, 4]


def test_rows_come_out_by_score_descending_whatever_the_input_order():
    ranked = shared_ranks([("d", 5), ("b", 8), ("a", 10), ("c", 8)])
    assert [(key, score) for key, score, _ in ranked] == [("a", 10), ("b", 8), ("c", 8), ("d", 5)]


def test_ties_are_listed_in_a_fixed_order_by_key():
    ranked = shared_ranks([("zhang", 3), ("li", 3), ("wang", 3)])
    assert ranked == [("li", 3, 1), ("wang", 3, 1), ("zhang", 3, 1)]


def test_a_tie_at_the_top_and_at_the_bottom():
    ranked = shared_ranks([(1, 9), (2, 9), (3, 4), (4, 1), (5, 1)])
    assert [rank for _, _, rank in ranked] == [1, 1, 3, 4, 4]


def test_zero_and_negative_scores_rank_below_positive_ones():
    ranked = shared_ranks([("neg", -2), ("zero", 0), ("pos", 1)])
    assert [(key, rank) for key, _, rank in ranked] == [("pos", 1), ("zero", 2), ("neg", 3)]


def test_no_scores_give_no_ranks():
    assert shared_ranks([]) == []


def test_rank_of_is_one_plus_the_number_of_strictly_higher_scores():
    assert rank_of(8, [10, 8, 8, 5]) == 2
    assert rank_of(10, [10, 8]) == 1
    assert rank_of(0, [10, 8, 8, 5]) == 5
    assert rank_of(3, []) == 1


scores = st.lists(st.integers(-50, 50), max_size=30)


@given(scores)
def test_every_rank_is_one_plus_the_count_of_higher_scores(values):
    ranked = shared_ranks(list(enumerate(values)))
    for _, score, rank in ranked:
        assert rank == rank_of(score, values)


@given(scores)
def test_ranks_never_decrease_down_the_list_and_equal_scores_share_one(values):
    ranked = shared_ranks(list(enumerate(values)))
    for (_, s1, r1), (_, s2, r2) in zip(ranked, ranked[1:], strict=False):
        assert s1 >= s2
        assert (r1 == r2) if s1 == s2 else (r2 > r1)
    if ranked:
        assert ranked[0][2] == 1
