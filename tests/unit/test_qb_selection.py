"""Selection rules draw deterministically, honour quotas, exclusion windows and preferences, and explain shortfalls."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from question_bank.selection import Candidate, Quota, Seen, SelectionError, SelectionRule, draw

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def bank() -> list[Candidate]:
    """40 singles, 20 judges, 10 fills over two categories and difficulties 1–5."""
    out, qid = [], 0
    for type_, n in (("single", 40), ("judge", 20), ("fill", 10)):
        for i in range(n):
            qid += 1
            out.append(Candidate(qid, 1000 + qid, type_, difficulty=i % 5 + 1,
                                 category_path="/1/" if i % 2 else "/2/5/", use_count=qid % 7))
    return out


RULE = SelectionRule((Quota(5, "single"), Quota(3, "judge"), Quota(2, "fill")))


def ids(picked: list[Candidate]) -> list[int]:
    return [c.question_id for c in picked]


@given(st.integers() | st.text(max_size=12), st.randoms(use_true_random=False))
def test_the_same_seed_draws_the_same_questions_whatever_the_input_order(seed, rnd: random.Random) -> None:
    candidates = bank()
    shuffled = candidates[:]
    rnd.shuffle(shuffled)
    assert ids(draw(RULE, candidates, seed=seed, now=NOW)) == ids(draw(RULE, shuffled, seed=seed, now=NOW))


def test_different_seeds_usually_draw_differently() -> None:
    draws = {tuple(ids(draw(RULE, bank(), seed=f"match-{i}", now=NOW))) for i in range(20)}
    assert len(draws) > 15


def test_quotas_by_type_category_and_difficulty_are_met() -> None:
    rule = SelectionRule((Quota(4, "single", "/2/", (4, 5)), Quota(2, None, "/1/"), Quota(3, "judge")))
    picked = draw(rule, bank(), seed=1, now=NOW)
    assert len(picked) == len(set(ids(picked))) == 9
    assert all(c.type == "single" and c.category_path.startswith("/2/") and c.difficulty >= 4 for c in picked[:4])
    assert all(c.category_path == "/1/" for c in picked[4:6])
    assert all(c.type == "judge" for c in picked[6:])


def test_retired_and_draft_questions_are_never_drawn() -> None:
    candidates = [Candidate(i, i, "single", status=("retired", "draft", "active")[i % 3]) for i in range(30)]
    picked = draw(SelectionRule((Quota(10, "single"),)), candidates, seed=3, now=NOW)
    assert all(c.status == "active" for c in picked)
    with pytest.raises(SelectionError):
        draw(SelectionRule((Quota(11, "single"),)), candidates, seed=3, now=NOW)


def test_a_shortfall_names_the_missing_quota() -> None:
    rule = SelectionRule((Quota(2, "single"), Quota(11, "fill", difficulty=(1, 5))))
    with pytest.raises(SelectionError) as info:
        draw(rule, bank(), seed=1, now=NOW)
    assert info.value.quota == rule.quotas[1]
    assert "填空" in str(info.value) and "11" in str(info.value) and "10" in str(info.value)


def test_fill_policy_tops_up_from_other_questions() -> None:
    rule = SelectionRule((Quota(12, "fill"),), shortfall="fill")
    picked = draw(rule, bank(), seed=1, now=NOW)
    assert len(picked) == 12 and sum(c.type == "fill" for c in picked) == 10


def test_questions_seen_inside_the_window_are_excluded_and_older_ones_are_not() -> None:
    candidates = [Candidate(i, i, "judge") for i in range(1, 11)]
    history = [Seen(i, NOW - timedelta(days=6, hours=23), True) for i in range(1, 6)]
    history += [Seen(i, NOW - timedelta(days=7, seconds=1), True) for i in range(6, 8)]
    rule = SelectionRule((Quota(5, "judge"),), exclude_seen_days=7)
    for seed in range(20):
        assert set(ids(draw(rule, candidates, seed=seed, now=NOW, history=history))) == {6, 7, 8, 9, 10}
    with pytest.raises(SelectionError):
        draw(SelectionRule((Quota(6, "judge"),), exclude_seen_days=7), candidates, seed=1, now=NOW, history=history)


def test_fill_policy_uses_recently_seen_questions_last() -> None:
    candidates = [Candidate(i, i, "judge") for i in range(1, 11)]
    history = [Seen(i, NOW - timedelta(days=1), True) for i in range(1, 9)]
    rule = SelectionRule((Quota(4, "judge"),), shortfall="fill", exclude_seen_days=7)
    picked = ids(draw(rule, candidates, seed=5, now=NOW, history=history))
    assert set(picked[:2]) == {9, 10} and len(set(picked)) == 4


def test_least_used_prefers_questions_played_least() -> None:
    candidates = [Candidate(i, i, "single", use_count=i // 10) for i in range(40)]
    picked = draw(SelectionRule((Quota(10, "single"),), prefer="least_used"), candidates, seed=9, now=NOW)
    assert sorted(ids(picked)) == list(range(10))


def test_unseen_then_wrong_orders_fresh_questions_first_then_mistakes() -> None:
    candidates = [Candidate(i, i, "single") for i in range(1, 13)]
    history = [Seen(i, NOW - timedelta(days=30), i % 2 == 0) for i in range(1, 9)]  # odd ones were wrong
    rule = SelectionRule((Quota(8, "single"),), prefer="unseen_then_wrong")
    picked = ids(draw(rule, candidates, seed=2, now=NOW, history=history))
    assert set(picked[:4]) == {9, 10, 11, 12} and set(picked[4:]) == {1, 3, 5, 7}
