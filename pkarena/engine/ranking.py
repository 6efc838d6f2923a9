"""Competition ranking: equal scores share a rank (1, 2, 2, 4)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def shared_ranks(scores: Iterable[tuple[Hashable, float]]) -> list[tuple[Hashable, float, int]]:
    """Rows sorted by score desc (then key) with competition ranks."""
    ordered = sorted(scores, key=lambda item: (-item[1], str(item[0])))
    ranked: list[tuple[Hashable, float, int]] = []
    previous: float | None = None
    rank = 0
    for position, (key, score) in enumerate(ordered, start=1):
        if score != previous:
            rank = position
            previous = score
        ranked.append((key, score, rank))
    return ranked


def rank_of(score: float, others: Iterable[float]) -> int:
    """The competition rank of `score` among all scores (itself included or not)."""
    return 1 + sum(1 for other in others if other > score)


def ranked_by_score(scores: Mapping[K, float], text_order: Mapping[K, int]) -> tuple[list[K], list[int]]:
    """The keys and ranks of `shared_ranks(scores.items())`, given every key's index in `sorted(keys, key=str)`.

    Two sorts keyed by C-level lookups instead of one sort building a (score, str) tuple per key: the
    second sort is stable, also with reverse=True, so equal scores keep the str order of the first.
    """
    keys = sorted(scores, key=text_order.__getitem__)
    keys.sort(key=scores.__getitem__, reverse=True)
    ranks: list[int] = []
    previous: float | None = None
    rank = 0
    for position, key in enumerate(keys, start=1):
        score = scores[key]
        if score != previous:
            rank, previous = position, score
        ranks.append(rank)
    return keys, ranks
