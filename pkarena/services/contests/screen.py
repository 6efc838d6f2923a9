"""What an office screen draws of one contest: the sides, the gap, the leaders, days left; once frozen, the podium.

The standings come from `views.detail` (the same rows as the member page and the API), so a screen
never shows a figure the contest page does not. A side's leaders come from the contest's side boards
while it runs (moved by `ContestBoardUpdater` before the screen push is built) and from the ledger
once it is over.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.models import Contest, Member
from pkarena.services.contests import standings as contest_standings
from pkarena.services.contests import views
from pkarena.services.monthly import snapshots
from pkarena.store.base import Store

LEADERS = 3  # top contributors shown under each side
PODIUM = 3
ZERO_SIDE = {"rank": None, "total": 0, "members": 0, "participants": 0, "per_member": 0.0, "participation": 0.0,
             "pk_wins": 0}


def leaders_by_side(session: Session, store: Store, clock: Clock, contest: Contest,
                    limit: int = LEADERS) -> dict[int, list[dict]]:
    """Each side's top `limit` contributors (points counted for it in the contest), with their names."""
    if contest.status in contest_standings.LIVE_STATUSES:
        scores = contest_standings.side_points(store, contest)
    elif contest.status == "frozen":
        facts = contest_standings.facts(session, clock, contest)
        scores = contest_standings.rules.member_contributions(facts, contest_standings.org_ancestors(session))
    else:  # a draft or a cancelled contest compares nothing
        scores = {}
    top = {side: sorted(((int(m), p) for m, p in scores.get(side, {}).items() if p > 0),
                        key=lambda item: (-item[1], item[0]))[:limit] for side in (link.org_id for link in contest.orgs)}
    ids = {member_id for rows in top.values() for member_id, _points in rows}
    names = dict(session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids))).all()) if ids else {}
    return {side: [{"member_id": m, "name": names.get(m, "?"), "points": int(p)} for m, p in rows]
            for side, rows in top.items()}


def _sides(view: dict, leaders: dict[int, list[dict]]) -> list[dict]:
    """The sides in the organizer's order (a tug of war keeps its ends), with rank, metric value and bar share."""
    field = view["metric"]  # every metric is also the name of its standings column
    rows = {row["org_id"]: row for row in view["standings"]}
    order = {row["org_id"]: index for index, row in enumerate(view["standings"])}
    best = max((row[field] for row in view["standings"]), default=0) or 1
    sides = []
    for index, side in enumerate(view["participants"]):
        row = rows.get(side["org_id"], ZERO_SIDE)
        sides.append({
            "org_id": side["org_id"], "name": row.get("name", side["name"]), "rank": row["rank"],
            "place": order.get(side["org_id"], len(order) + index), "value": row[field],
            "share": round(100 * row[field] / best, 1), "total": row["total"], "members": row["members"],
            "participants": row["participants"], "per_member": row["per_member"],
            "participation": row["participation"], "pk_wins": row["pk_wins"],
            "flag": side["org_id"] == view["flag_holder_org_id"], "leaders": leaders.get(side["org_id"], []),
        })
    return sides


def _gap(sides: list[dict]) -> dict | None:
    """First against second in the metric's unit (None with fewer than two sides ranked)."""
    ranked = sorted(sides, key=lambda side: side["place"])
    if len(ranked) < 2 or ranked[0]["rank"] is None:
        return None
    first, second = ranked[0], ranked[1]
    value = round(first["value"] - second["value"], 6)
    return {"value": value, "leader": first["name"], "leader_id": first["org_id"], "second": second["name"],
            "second_id": second["org_id"], "tied": first["rank"] == second["rank"]}


def _podium(view: dict, sides: list[dict]) -> list[dict]:
    """The frozen places 1st–3rd (winner and runner-up of a two-sided contest); shared ranks share a step."""
    by_id = {side["org_id"]: side for side in sides}
    steps = min(PODIUM, len(view["standings"]))
    return [{"place": row["rank"], "org_id": row["org_id"], "name": row["name"],
             "value": by_id[row["org_id"]]["value"] if row["org_id"] in by_id else None}
            for row in view["standings"][:steps]]


def _named(view: dict, org_id: int | None) -> dict | None:
    if org_id is None:
        return None
    name = next((row["name"] for row in view["standings"] if row["org_id"] == org_id), None)
    name = name or next((p["name"] for p in view["participants"] if p["org_id"] == org_id), None)
    return {"org_id": org_id, "name": name} if name else None


def payload(session: Session, store: Store, clock: Clock, contest: Contest) -> dict:
    """Everything a contest screen draws (JSON-able; the same for every screen of the contest)."""
    view = views.detail(session, store, clock, contest)
    sides = _sides(view, leaders_by_side(session, store, clock, contest))
    frozen = view["frozen"]
    now = clock.now()
    return {
        "kind": "contest",
        "scope": {"kind": "contest", "id": contest.id, "name": view["name"]},
        "contest": {"id": contest.id, "name": view["name"], "status": view["status"], "days_left": view["days_left"],
                    "starts_on": view["window"]["starts_on"], "ends_on": view["window"]["ends_on"],
                    "metric": view["metric"], "frozen": frozen, "cancel_reason": view["cancel_reason"]},
        "sides": sides,
        "gap": _gap(sides) if view["standings"] else None,
        "podium": _podium(view, sides) if frozen else None,
        "winner": _named(view, view["winner_org_id"]) if frozen else None,
        "flag": _named(view, view["flag_holder_org_id"]),
        "checksum": view["checksum"], "short": snapshots.short_checksum(view["checksum"]) if view["checksum"] else None,
        "updated_at": now.isoformat(),
        "updated_local": clock.local(now).strftime("%H:%M:%S"),
    }
