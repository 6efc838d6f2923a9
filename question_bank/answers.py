"""The answer log: record each answer once, and read answers back as statistics responses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from question_bank.models import AnswerLog, QuestionVersion
from question_bank.stats import Response


def record_answer(session: Session, *, question_version_id: int, member_id: int, match_ref: str, choice: Any,
                  correct: bool, elapsed_ms: int | None, answered_at: datetime) -> tuple[AnswerLog, bool]:
    """Log one answer (no commit); a repeat of (match, member, version) returns the first row and False."""
    key = (AnswerLog.match_ref == match_ref, AnswerLog.member_id == member_id,
           AnswerLog.question_version_id == question_version_id)
    existing = session.scalars(select(AnswerLog).where(*key)).first()
    if existing is not None:
        return existing, False
    log = AnswerLog(question_version_id=question_version_id, member_id=member_id, match_ref=match_ref,
                    choice=choice, correct=correct, elapsed_ms=elapsed_ms, answered_at=answered_at)
    try:
        with session.begin_nested():  # a concurrent writer may have logged it since the read
            session.add(log)
    except IntegrityError:
        return session.scalars(select(AnswerLog).where(*key)).one(), False
    return log, True


def record_answers(session: Session, answers: list[dict[str, Any]]) -> None:
    """Log many answers in one statement (no commit); repeats of (match, member, version) are skipped.

    Each dict holds `record_answer`'s keyword arguments. The play engine logs a closed question's
    answers together, so one INSERT … ON CONFLICT DO NOTHING replaces a read and a savepoint per answer.
    """
    if not answers:
        return
    # The two databases the project runs on; both spell it INSERT … ON CONFLICT DO NOTHING.
    make = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    statement = make(AnswerLog.__table__).on_conflict_do_nothing(
        index_elements=["match_ref", "member_id", "question_version_id"])
    session.execute(statement, answers)


def load_responses(session: Session, match_refs: Iterable[str] | None = None, *,
                   since: datetime | None = None) -> list[Response]:
    """Answers as statistics responses: one item per question (all versions), one attempt per player and match."""
    # Filters keep whole matches (by reference or by time), so each attempt's total stays complete.
    query = select(AnswerLog, QuestionVersion.question_id).join(
        QuestionVersion, QuestionVersion.id == AnswerLog.question_version_id)
    if match_refs is not None:
        query = query.where(AnswerLog.match_ref.in_(list(match_refs)))
    if since is not None:
        query = query.where(AnswerLog.answered_at >= since)
    return [Response((log.match_ref, log.member_id), qid, 1.0 if log.correct else 0.0, log.choice, log.elapsed_ms)
            for log, qid in session.execute(query.order_by(AnswerLog.id))]
