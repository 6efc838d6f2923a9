"""Quarter and year standings from frozen months (plain Python: rows in, ranked rows out).

Points add up over the months. For orgs, 人均 adds up too — each month's total over that month's
members — so an org that grew mid-quarter is measured against the members it had each month; the
participation rate is the mean of the monthly rates, and the member count the latest month's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pkarena.engine.ranking import shared_ranks

ORG_SORTS = ("per_member", "total", "participation")


@dataclass(frozen=True)
class FrozenRow:
    """One subject's row in one frozen month (org figures are None on member rows)."""

    month: str
    kind: str  # 'member' | 'org'
    subject_id: int
    name: str
    points: int
    members: int | None = None
    per_member: float | None = None
    participation: float | None = None


def sum_months(rows: Iterable[FrozenRow], sort: str = "total") -> list[dict]:
    """Each subject's sums over the months, ranked by `sort` (equal values share a rank).

    Rows: {kind, id, name, points, rank}, plus per_member, participation and members for orgs.
    """
    if sort not in ORG_SORTS:
        raise ValueError(f"sort must be one of {ORG_SORTS}")
    sums: dict[tuple[str, int], dict] = {}
    for row in sorted(rows, key=lambda r: r.month):  # the latest month's name and member count win
        entry = sums.setdefault((row.kind, row.subject_id), {
            "kind": row.kind, "id": row.subject_id, "points": 0, "per_member": 0.0, "rates": []})
        entry["name"], entry["points"] = row.name, entry["points"] + row.points
        if row.kind == "org":
            entry["members"] = row.members or 0
            entry["per_member"] += row.per_member or 0.0
            entry["rates"].append(row.participation or 0.0)
    for entry in sums.values():
        rates = entry.pop("rates")
        if entry["kind"] == "org":
            entry["per_member"] = round(entry["per_member"], 4)
            entry["participation"] = round(sum(rates) / len(rates), 4) if rates else 0.0
        else:
            del entry["per_member"]
    value = {"total": lambda e: e["points"], "per_member": lambda e: e.get("per_member", e["points"]),
             "participation": lambda e: e.get("participation", 0.0)}[sort]
    ranked = shared_ranks((key, value(entry)) for key, entry in sums.items())
    return [{**sums[key], "rank": rank} for key, _score, rank in ranked]
