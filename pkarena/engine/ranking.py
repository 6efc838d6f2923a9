"""Competition ranking: equal scores share a rank (1, 2, 2, 4)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable


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
