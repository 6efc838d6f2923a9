"""What pages, screens and the API show of a contest: one JSON-ready shape, live or frozen."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import contests as rules
from pkarena.engine import rules as points_rules
from pkarena.engine.modes import MODES
from pkarena.models import Contest, LedgerEntry, Member, Org
from pkarena.services.contests import manage
from pkarena.services.contests import series as contest_series
from pkarena.services.contests import standings as contest_standings
from pkarena.services.contests.manage import status_of
from pkarena.store.base import Store


def summary(contest: Contest, clock: Clock) -> dict:
    """A contest's head: name, window, status today, how it is scored, its sides."""
    today = clock.local().date()
    return {
        "id": contest.id, "name": contest.name, "description": contest.description,
        "status": status_of(contest, clock),
        "window": {"starts_on": contest.starts_on.isoformat(), "ends_on": contest.ends_on.isoformat()},
        "days_left": rules.days_left(contest.starts_on, contest.ends_on, today),
        "metric": contest.metric, "tie_breaks": list(contest.tie_breaks), "sources": list(contest.sources),
        "participants": [{"org_id": link.org.id, "name": link.org.name} for link in contest.orgs],
        "series_id": contest.series_id, "pairing_id": contest.pairing_id, "joint_group_id": contest.joint_group_id,
        "cancel_reason": contest.cancel_reason,
    }


def detail(session: Session, store: Store, clock: Clock, contest: Contest) -> dict:
    """The head plus standings (frozen rows once frozen, with the checksum and the 流动红旗 holder)."""
    status = status_of(contest, clock)
    rows = [] if status in ("draft", "cancelled") else contest_standings.standings_rows(session, store, clock, contest)
    return {**summary(contest, clock), "standings": rows, "frozen": contest.status == "frozen",
            "checksum": contest.checksum, "winner_org_id": contest.winner_org_id,
            "flag_holder_org_id": contest_series.previous_winner(session, contest)}


def side_of(contest: Contest, org_ancestors: list[int]) -> int | None:
    """The side (participating org id) of an org with these ancestors, or None."""
    ids = {link.org_id for link in contest.orgs}
    return next((org_id for org_id in reversed(org_ancestors) if org_id in ids), None)


def contributors(session: Session, store: Store, clock: Clock, contest: Contest, side: int,
                 limit: int = 5) -> list[dict]:
    """A side's top contributors (points counted for it in the contest), from the cache or, once frozen, the ledger."""
    if contest.status == "scheduled":
        scores = store.board_all(contest_standings.keys.contest_side_key(contest.id, side))
    else:
        facts = contest_standings.facts(session, clock, contest)
        scores = contest_standings.rules.member_contributions(
            facts, contest_standings.org_ancestors(session)).get(side, {})
    top = sorted(((int(m), s) for m, s in scores.items() if s > 0), key=lambda item: (-item[1], item[0]))[:limit]
    names = dict(session.execute(select(Member.id, Member.display_name)
                                 .where(Member.id.in_([m for m, _ in top]))).all()) if top else {}
    return [{"member_id": m, "name": names.get(m, "?"), "points": int(s)} for m, s in top]


def member_view(session: Session, store: Store, clock: Clock, contest: Contest, member: Member) -> dict:
    """The phone contest page: the sides, my side, my contribution, our top contributors, the gap to the lead."""
    view = detail(session, store, clock, contest)
    side = side_of(contest, member.org.ancestor_ids) if member.org is not None else None
    mine = 0
    if side is not None and contest.status == "scheduled":
        mine = int(store.board_score(contest_standings.keys.contest_side_key(contest.id, side), str(member.id)) or 0)
    elif side is not None and view["standings"]:
        mine = next((c["points"] for c in contributors(session, store, clock, contest, side, limit=10_000)
                     if c["member_id"] == member.id), 0)
    rows = view["standings"]
    ours = next((row for row in rows if row["org_id"] == side), None)
    leader = rows[0] if rows else None
    metric = contest.metric
    gap = None
    if ours is not None and leader is not None and leader["org_id"] != side:
        gap = round(leader[_METRIC_FIELD[metric]] - ours[_METRIC_FIELD[metric]], 2)
    best = max((row[_METRIC_FIELD[metric]] for row in rows), default=0) or 1
    bars = [{**row, "share": round(100 * row[_METRIC_FIELD[metric]] / best, 1)} for row in rows]
    left = points_left(session, clock, contest.sources, member.id) if side is not None else None
    return {**view, "my_side": side, "my_points": mine, "ours": ours, "gap": gap, "bars": bars,
            "metric_field": _METRIC_FIELD[metric], "points_left": left,
            "top": contributors(session, store, clock, contest, side) if side is not None and rows else []}


def points_left(session: Session, clock: Clock, counted_sources: list[str], member_id: int) -> dict:
    """今日还可得: the most points a member can still earn today per counted source, and their sum.

    From today's ledger entries of the member and the rules in force; sources without a daily bound (live
    rounds, 积分制) are left out.
    """
    day = clock.day_key()
    ruleset = points_rules.rules_for(date.fromisoformat(day))
    today = {source: (int(played), int(earned)) for source, played, earned in session.execute(
        select(LedgerEntry.source, func.count(LedgerEntry.id), func.coalesce(func.sum(LedgerEntry.points), 0))
        .where(LedgerEntry.member_id == member_id, LedgerEntry.day == day,
               LedgerEntry.source.in_(list(counted_sources)))
        .group_by(LedgerEntry.source))}
    by_source = {}
    for source in counted_sources:
        if source not in ruleset.modes:
            continue
        played, earned = today.get(source, (0, 0))
        mode = MODES.get(source)
        left = points_rules.points_left_today(ruleset.rule(source), earned, played,
                                              once_a_day=mode is not None and mode.once_a_day)
        if left is not None:
            by_source[source] = left
    return {"total": sum(by_source.values()), "by_source": by_source}


_METRIC_FIELD = {"per_member": "per_member", "total": "total", "participation": "participation",
                 "pk_wins": "pk_wins"}


def flag_holders(session: Session) -> list[dict]:
    """Each series' 流动红旗 holder: the winner of its latest frozen contest, until the next one freezes.

    A next contest without a single winner (a tie for first) passes the flag to nobody.
    """
    frozen = session.execute(select(Contest.series_id, Contest.id, Contest.name, Contest.winner_org_id)
                             .where(Contest.status == "frozen", Contest.series_id.is_not(None))
                             .order_by(Contest.series_id, Contest.ends_on.desc(), Contest.id.desc())).all()
    latest: dict[int, tuple] = {}
    for series_id, contest_id, name, winner in frozen:
        latest.setdefault(series_id, (contest_id, name, winner))
    winners = {winner for _id, _name, winner in latest.values() if winner is not None}
    found = select(Org.id, Org.name).where(Org.id.in_(winners))
    names = dict(session.execute(found).all()) if winners else {}
    return [{"series_id": series_id, "contest_id": contest_id, "contest_name": name, "org_id": winner,
             "org_name": names.get(winner, "?")}
            for series_id, (contest_id, name, winner) in sorted(latest.items()) if winner is not None]


def member_flags(session: Session, member: Member) -> list[dict]:
    """The 流动红旗 held by the member's org or one of its ancestors (for the member's home page)."""
    ancestors = set(member.org.ancestor_ids) if member.org is not None else set()
    return [flag for flag in flag_holders(session) if flag["org_id"] in ancestors]


def board(session: Session, store: Store, clock: Clock, viewer: Member, ident: str) -> dict | None:
    """`GET /api/v1/boards/contest/<id>`: the contest's standings as a board (None: unknown or not visible)."""
    contest = session.get(Contest, int(ident)) if ident.isdigit() and len(ident) < 10 else None
    if contest is None or not manage.can_view(session, viewer, contest) or (
            contest.status == "draft" and not manage.can_manage(viewer, contest)):
        return None
    view = detail(session, store, clock, contest)
    return {"scope": f"contest/{contest.id}", "period": "contest", "metric": contest.metric,
            "window": view["window"], "frozen": view["frozen"], "checksum": view["checksum"],
            "rows": [{**row, "id": row["org_id"], "points": row["total"]} for row in view["standings"]]}
