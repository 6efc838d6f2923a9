"""What pages, screens and the API show of a contest: one JSON-ready shape, live or frozen."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import contests as rules
from pkarena.models import Contest
from pkarena.services import contest_series, contest_standings
from pkarena.services.contests import status_of
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
