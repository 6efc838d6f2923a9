"""What a match leaves behind: every closed question in the answer log, the end in the ledger.

Settlement is the slow part of play (database writes), so a player's answer is acked before it:
the events that need it are kept with the match state as `pending` entries (JSON, so any process
can finish them) and written by the match's driver. Both writes are idempotent — the answer log by
(match, member, version), the ledger by its key per mode, match and member — so settling the same
entries twice, after a crash or by two processes, changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import match as engine
from pkarena.engine import sources
from pkarena.services import ledger
from question_bank.answers import record_answers

FORFEITED = sources.REASON_FORFEITED


@dataclass(frozen=True)
class Award:
    """What one member got at the end, and why it may be less than the result asked for."""

    member_id: int
    points: int
    requested: int
    reason: str
    message: str


# --- pending entries (kept in the Store with the match) -------------------------------------------------
def needs_settling(event: engine.Event) -> bool:
    """True for the events that write to the database: a closed question, an end with standings."""
    return isinstance(event, engine.QuestionClosed) or (isinstance(event, engine.MatchEnded) and not event.aborted)


def to_pending(event: engine.QuestionClosed | engine.MatchEnded) -> dict[str, Any]:
    """A JSON-able entry for an event that still has to be settled."""
    kind = "closed" if isinstance(event, engine.QuestionClosed) else "ended"
    return {"kind": kind, **asdict(event)}


def from_pending(entry: dict[str, Any]) -> engine.QuestionClosed | engine.MatchEnded:
    """The event a pending entry was made from."""
    fields = {k: v for k, v in entry.items() if k != "kind"}
    if entry["kind"] == "closed":
        fields["results"] = {p: engine.Answer(**a) for p, a in fields["results"].items()}
        return engine.QuestionClosed(**fields)
    fields["standings"] = [engine.Standing(**s) for s in fields["standings"]]
    return engine.MatchEnded(**fields)


# --- the writes ----------------------------------------------------------------------------------------
def settle(session: Session, clock: Clock, match_id: str, humans: set[int], events: list[engine.Event],
           on_commit: ledger.EntryListener | None = None) -> dict[int, Award]:
    """Log every closed question's answers (misses too) and award the end; both are idempotent."""
    rows = []
    for event in events:
        if isinstance(event, engine.QuestionClosed):
            for player, got in event.results.items():
                if player.isdigit() and int(player) in humans:
                    # The answer's own server time; a miss is logged at the close.
                    at_ms = event.closed_at if got.elapsed_ms is None else event.opened_at + got.elapsed_ms
                    rows.append({"question_version_id": event.version_id, "member_id": int(player),
                                 "match_ref": match_id, "choice": got.choice, "correct": got.correct,
                                 "elapsed_ms": got.elapsed_ms, "answered_at": datetime.fromtimestamp(at_ms / 1000, UTC)})
    if rows:
        record_answers(session, rows)
        session.commit()
    ended = next((e for e in events if isinstance(e, engine.MatchEnded) and not e.aborted), None)
    return award_end(session, clock, ended, humans, on_commit) if ended else {}


def award_end(session: Session, clock: Clock, ended: engine.MatchEnded, humans: set[int],
              on_commit: ledger.EntryListener | None = None) -> dict[int, Award]:
    """Award every human player through the ledger (key: mode, match id, member); repeats change nothing."""
    awards: dict[int, Award] = {}
    for standing in ended.standings:
        if not standing.player.isdigit() or int(standing.player) not in humans:
            continue
        member_id = int(standing.player)
        if standing.forfeited:
            awards[member_id] = Award(member_id, 0, 0, FORFEITED, sources.reason_text(ended.mode, FORFEITED))
            continue
        result = ledger.award(session, clock, member_id=member_id, source=ended.mode, source_ref=ended.match_id,
                              outcome=standing.outcome, on_commit=on_commit)
        entry = result.entry
        awards[member_id] = Award(member_id, entry.points, entry.requested, entry.reason,
                                  sources.reason_text(ended.mode, entry.reason))
    return awards
