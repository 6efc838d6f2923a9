"""The answer log records each (match, member, version) once on SQLite and PostgreSQL and feeds the statistics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from question_bank.answers import load_responses, record_answer, record_answers
from question_bank.models import AnswerLog, Question, QuestionVersion
from question_bank.stats import item_statistics

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite_url", pytest.param("postgres_url", marks=pytest.mark.postgres)])
def factory(request) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(request.getfixturevalue(request.param))
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def make_version(session: Session) -> QuestionVersion:
    question = Question(status="active", content_hash="h", created_at=NOW)
    version = QuestionVersion(question=question, version=1, type="single", stem="1+1=?", options=["1", "2"],
                              answer="B", difficulty=1, tags=[], content_hash="h", created_at=NOW)
    question.current_version = version
    session.add(question)
    session.flush()
    return version


def test_a_repeated_answer_is_recorded_once(factory) -> None:
    with factory() as s:
        version = make_version(s)
        kw = dict(question_version_id=version.id, member_id=7, match_ref="m1", elapsed_ms=900, answered_at=NOW)
        first, created = record_answer(s, choice="B", correct=True, **kw)
        again, created_again = record_answer(s, choice="A", correct=False, **kw)
        s.commit()
        assert (created, created_again, again.id) == (True, False, first.id)
        assert s.scalar(select(func.count()).select_from(AnswerLog)) == 1
        assert again.choice == "B"


def test_logged_answers_feed_the_statistics(factory) -> None:
    with factory() as s:
        version = make_version(s)
        for member, choice in ((1, "B"), (2, "B"), (3, "A")):
            record_answer(s, question_version_id=version.id, member_id=member, match_ref=f"m{member}", choice=choice,
                          correct=choice == "B", elapsed_ms=1000 * member, answered_at=NOW)
        s.commit()
        stats = item_statistics(load_responses(s))[version.question_id]
    assert (stats.attempts, stats.facility, stats.option_distribution, stats.median_ms) == (3, 2 / 3, {"B": 2, "A": 1}, 2000)


def test_a_batch_of_answers_is_logged_in_one_go_and_repeats_are_skipped(factory) -> None:
    with factory() as s:
        version = make_version(s)
        rows = [dict(question_version_id=version.id, member_id=member, match_ref="m2", choice=["A", "C"],
                     correct=member == 1, elapsed_ms=None if member == 3 else 800 + member, answered_at=NOW)
                for member in (1, 2, 3)]
        record_answers(s, rows)
        s.commit()
        again = [{**rows[0], "choice": "Z"}, {**rows[1], "member_id": 4}]
        record_answers(s, again)  # member 1 was logged before: the first answer stands
        s.commit()
        logged = {a.member_id: (a.choice, a.correct, a.elapsed_ms)
                  for a in s.scalars(select(AnswerLog).where(AnswerLog.match_ref == "m2"))}
        assert logged == {1: (["A", "C"], True, 801), 2: (["A", "C"], False, 802), 3: (["A", "C"], False, None),
                          4: (["A", "C"], False, 802)}
        record_answers(s, [])
        assert s.scalar(select(func.count()).select_from(AnswerLog).where(AnswerLog.match_ref == "m2")) == 4
