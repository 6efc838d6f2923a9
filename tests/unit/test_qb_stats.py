"""Item statistics against values computed by hand (Moodle's formulas), flags from 30 attempts, Cronbach's α."""

from __future__ import annotations

import math

import pytest

from question_bank.stats import Response, choice_label, cronbach_alpha, item_statistics, random_guess_score

# Four attempts, three items; totals 3, 2, 1, 0.
MARKS = {"a1": {"q1": 1, "q2": 1, "q3": 1}, "a2": {"q1": 1, "q2": 0, "q3": 1},
         "a3": {"q1": 0, "q2": 1, "q3": 0}, "a4": {"q1": 0, "q2": 0, "q3": 0}}


def responses() -> list[Response]:
    return [Response(a, item, float(mark), "A" if mark else "B", 1000 * (i + 1))
            for i, (a, items) in enumerate(MARKS.items()) for item, mark in items.items()]


def test_facility_and_sd_use_the_sample_variance() -> None:
    q1 = item_statistics(responses())["q1"]
    assert q1.attempts == 4 and q1.facility == 0.5
    assert q1.sd == pytest.approx(math.sqrt(1 / 3))  # Σ(x−½)² = 1, over n−1 = 3


def test_corrected_discrimination_correlates_with_the_rest_of_the_attempt() -> None:
    stats = item_statistics(responses())
    # q1: rest = 2, 1, 1, 0; cov = 1/3, var(rest) = 2/3 → r = (1/3)/√(1/3·2/3) = 1/√2
    assert stats["q1"].discrimination == pytest.approx(1 / math.sqrt(2))
    assert stats["q3"].discrimination == pytest.approx(1 / math.sqrt(2))
    # q2: rest = 2, 2, 0, 0 against marks 1, 0, 1, 0 → covariance 0
    assert stats["q2"].discrimination == pytest.approx(0)


def test_discriminative_efficiency_divides_by_the_best_covariance_the_marginals_allow() -> None:
    stats = item_statistics(responses())
    assert stats["q1"].discriminative_efficiency == pytest.approx(1.0)  # already perfectly ordered
    assert stats["q2"].discriminative_efficiency == pytest.approx(0.0)  # cov 0 over cov_max 2/3


def test_negative_discrimination_is_flagged_from_thirty_attempts() -> None:
    rs = []
    for i in range(30):
        strong = i < 15
        rs += [Response(i, "good", 1.0 if strong else 0.0), Response(i, "good2", 1.0 if strong else 0.0),
               Response(i, "bad", 0.0 if strong else 1.0)]
    stats = item_statistics(rs)
    assert stats["bad"].discrimination == pytest.approx(-1.0)
    assert stats["bad"].flags == ["discrimination_negative", "efficiency_low"]
    assert stats["good"].flags == []


def test_facility_flags_need_thirty_attempts() -> None:
    easy29 = item_statistics([Response(i, "x", 1.0) for i in range(29)])["x"]
    easy30 = item_statistics([Response(i, "x", 1.0) for i in range(30)])["x"]
    hard30 = item_statistics([Response(i, "x", 1.0 if i < 5 else 0.0) for i in range(30)])["x"]
    assert easy29.flags == [] and easy30.flags == ["facility_high"]
    assert easy30.discrimination is None and easy30.discriminative_efficiency is None  # no variance
    assert "facility_low" in hard30.flags


def test_option_distribution_and_median_time() -> None:
    q2 = item_statistics(responses())["q2"]
    assert q2.option_distribution == {"A": 2, "B": 2}
    assert q2.median_ms == 2500


@pytest.mark.parametrize("type_name, options, expected", [("single", 4, 0.25), ("judge", 0, 0.5), ("fill", 0, 0.0),
                                                          ("multiple", 5, None)])
def test_random_guess_score(type_name: str, options: int, expected: float | None) -> None:
    assert random_guess_score(type_name, options) == expected
    stats = item_statistics([Response(1, "q", 1.0)], {"q": (type_name, options)})
    assert stats["q"].random_guess == expected


def test_choice_labels() -> None:
    assert [choice_label(c) for c in ("B", ["C", "A"], True, ["北京", "上海"], None)] == ["B", "A,C", "对", "北京|上海", "—"]


def test_cronbach_alpha_by_hand() -> None:
    scores = [[MARKS[a][q] for q in ("q1", "q2", "q3")] for a in MARKS]
    # item variances 1/3 each (sum 1), total variance 5/3 → α = 3/2 · (1 − 3/5) = 0.6
    assert cronbach_alpha(scores) == pytest.approx(0.6)
    assert cronbach_alpha([[1, 1]]) is None
    with pytest.raises(ValueError):
        cronbach_alpha([[1, 0], [1]])
