"""Today's play progress per mode and a member's recent runs and matches, straight from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import rules, sources
from pkarena.models import LedgerEntry, Member
from question_bank.models import AnswerLog

PLAY_SOURCES = sources.of_kind("solo", "queue")  # what members play: daily, challenge, pk1v1, pk4
HISTORY_LIMIT = 20
BOT_NAME = "机器人"


@dataclass(frozen=True)
class ModeProgress:
    """One mode today: points earned against the cap, matches counted against the limit, best streak."""

    mode: str
    points: int
    cap: int | None
    matches: int
    counted: int
    limit: int | None
    best_streak: int = 0


@dataclass(frozen=True)
class PlayRecord:
    """One finished run or match of a member: its ledger entry and how many answers were right."""

    source: str
    source_ref: str
    points: int
    requested: int
    reason: str
    awarded_at: datetime
    correct: int


def _correct_by_ref(session: Session, member_id: int, refs: list[str]) -> dict[str, int]:
    """Correct answers per match reference of one member (the answer log keeps every answer)."""
    if not refs:
        return {}
    query = (select(AnswerLog.match_ref, func.count(AnswerLog.id))
             .where(AnswerLog.member_id == member_id, AnswerLog.match_ref.in_(refs), AnswerLog.correct.is_(True))
             .group_by(AnswerLog.match_ref))
    return {ref: int(n) for ref, n in session.execute(query)}


def today(session: Session, clock: Clock, member_id: int) -> dict[str, ModeProgress]:
    """Each play mode's progress today (local day), keyed by mode, in lobby order."""
    day = clock.day_key()
    ruleset = rules.rules_for(date.fromisoformat(day))
    rows = session.execute(
        select(LedgerEntry.source, LedgerEntry.source_ref, LedgerEntry.points)
        .where(LedgerEntry.member_id == member_id, LedgerEntry.day == day, LedgerEntry.source.in_(PLAY_SOURCES))
    ).all()
    streaks = _correct_by_ref(session, member_id, [ref for source, ref, _ in rows if source == "challenge"])
    progress: dict[str, ModeProgress] = {}
    for mode in PLAY_SOURCES:
        mine = [(ref, points) for source, ref, points in rows if source == mode]
        rule = ruleset.rule(mode)
        limit = rule.counted_matches_per_day
        progress[mode] = ModeProgress(
            mode=mode, points=sum(p for _, p in mine), cap=rule.daily_cap, matches=len(mine),
            counted=len(mine) if limit is None else min(len(mine), limit), limit=limit,
            best_streak=max((streaks.get(ref, 0) for ref, _ in mine), default=0))
    session.rollback()  # a read-only use case: end the transaction
    return progress


def history(session: Session, member_id: int, limit: int = HISTORY_LIMIT) -> list[PlayRecord]:
    """The member's last `limit` runs and matches (newest first) with their points and correct answers."""
    entries = session.scalars(
        select(LedgerEntry)
        .where(and_(LedgerEntry.member_id == member_id, LedgerEntry.source.in_(PLAY_SOURCES)))
        .order_by(LedgerEntry.awarded_at.desc(), LedgerEntry.id.desc()).limit(limit)
    ).all()
    correct = _correct_by_ref(session, member_id, [e.source_ref for e in entries])
    records = [PlayRecord(e.source, e.source_ref, e.points, e.requested, e.reason, e.awarded_at,
                          correct.get(e.source_ref, 0)) for e in entries]
    session.rollback()
    return records


def display_names(session: Session, player_ids: list[str]) -> dict[str, str]:
    """Display names of a match's seats (member ids as text); bot seats are called 机器人."""
    ids = [int(p) for p in player_ids if p.isdigit()]
    rows = session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids))).all() if ids else []
    found = {member_id: name for member_id, name in rows}
    return {p: found.get(int(p), p) if p.isdigit() else BOT_NAME for p in player_ids}
