"""ranked_by_score (the freeze's ranking) gives exactly the order and ranks of shared_ranks."""

from __future__ import annotations

import random

from pkarena.engine.ranking import ranked_by_score, shared_ranks


def test_ranking_by_two_sorts_gives_the_order_and_ranks_of_shared_ranks():
    rng = random.Random(5)
    # Ids of 1 to 4 digits (so str order differs from numeric order), many ties, negatives and zeros.
    scores = {rng.randrange(1, 5000): rng.choice([-3, 0, 0, 1, 2, 2, 7, 1.5]) for _ in range(3000)}
    text_order = {key: index for index, key in enumerate(sorted(scores, key=str))}
    keys, ranks = ranked_by_score(scores, text_order)
    assert [(key, scores[key], rank) for key, rank in zip(keys, ranks, strict=True)] == shared_ranks(scores.items())


def test_an_empty_scope_ranks_nobody():
    assert ranked_by_score({}, {}) == ([], [])
