"""Competition ranking: equal scores share a rank (1, 2, 2, 4); and the one order of orgs.

The org order (`rank_orgs`), used by every surface that ranks orgs (boards page, API, screens, member
pages, the monthly freeze and its quarter/year sums):

1. the chosen figure, highest first: 人均 (`per_member`, the default: what 流动红旗 is awarded on),
   `total` or `participation`, compared at full precision (never a rounded display value);
2. then the remaining figures in the order 人均 → participation → total, highest first;
3. then the org id, lowest first (stable, so equal orgs never swap between two reads).

Ranks: ranked by 人均, orgs share a rank only when 人均, participation and total are all equal (the
评比 needs a decided winner, and participation is the tie-break announced with it); ranked by total or by
participation, orgs with an equal value of that figure share a rank (a view of one figure), listed in
the order above. A frozen month's org rows (engine/snapshot.py) rank by total, as they always did, in
this same order, so the boards sorted by total show a frozen month's orgs exactly as its snapshot does.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
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


def share(part: float, whole: int) -> float:
    """part ÷ whole, 0 for an empty whole: 人均 (points ÷ members) and 参与率 (participants ÷ members)."""
    return part / whole if whole else 0.0


ORG_SORTS = ("per_member", "total", "participation")
ORG_ORDER = ("per_member", "participation", "total")


@dataclass(frozen=True)
class OrgFigures:
    """What orgs are ranked on: total points, 人均 and participation (a ratio 0–1) at full precision."""

    id: int
    total: float
    per_member: float
    participation: float


def rank_orgs(rows: Iterable[OrgFigures], sort: str = "per_member") -> list[tuple[OrgFigures, int]]:
    """Orgs in the one org order with competition ranks (see the module docstring)."""
    if sort not in ORG_SORTS:
        raise ValueError(f"sort must be one of {ORG_SORTS}")
    figures = (sort, *(name for name in ORG_ORDER if name != sort))
    ordered = sorted(rows, key=lambda r: (*(-getattr(r, name) for name in figures), r.id))
    tied_on = ORG_ORDER if sort == "per_member" else (sort,)
    ranked: list[tuple[OrgFigures, int]] = []
    previous: tuple | None = None
    rank = 0
    for position, row in enumerate(ordered, start=1):
        value = tuple(getattr(row, name) for name in tied_on)
        if value != previous:
            rank, previous = position, value
        ranked.append((row, rank))
    return ranked
