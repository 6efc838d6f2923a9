"""The question bank migration matches the models on SQLite and PostgreSQL; versions keep what was played."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import question_bank.models as qb
from question_bank.db import Base

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
QB_TABLES = {"qb_category", "qb_question", "qb_question_version", "qb_answer_log"}


def _table_name(part: object) -> str | None:
    """Name of the table an autogenerate diff part (name, Table, Column, Index, constraint) belongs to."""
    if isinstance(part, str):
        return part
    table = getattr(part, "table", None)
    if table is not None:
        return getattr(table, "name", None)
    return getattr(part, "name", None) if hasattr(part, "columns") else None


def _touches_qb(diff: object) -> bool:
    """True when an autogenerate diff entry concerns one of the question bank tables."""
    items = diff if isinstance(diff, list) else [diff]
    return any(_table_name(part) in QB_TABLES for item in items for part in item[1:])


@pytest.mark.parametrize("db", ["sqlite_url", "postgres_url"])
def test_migrated_database_has_no_autogenerate_diff_for_question_bank_tables(db: str, request) -> None:
    url = request.getfixturevalue(db)
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if _touches_qb(d)]
    engine.dispose()
    assert diffs == []


@pytest.mark.parametrize("db", ["sqlite_url", "postgres_url"])
def test_an_edit_adds_a_version_and_played_answers_keep_theirs(db: str, request) -> None:
    engine = create_engine(request.getfixturevalue(db))
    with Session(engine) as session:
        question = qb.Question(status="active", content_hash="h1", created_at=NOW)
        first = qb.QuestionVersion(question=question, version=1, type="single", stem="1+1=?", options=["1", "2"],
                                   answer="B", difficulty=1, tags=[], content_hash="h1", created_at=NOW)
        question.current_version = first
        session.add(question)
        session.flush()
        session.add(qb.AnswerLog(question_version_id=first.id, member_id=7, match_ref="m1", choice="B",
                                 correct=True, elapsed_ms=1200, answered_at=NOW))
        second = qb.QuestionVersion(question=question, version=2, type="single", stem="1+1 等于几？",
                                    options=["1", "2"], answer="B", difficulty=1, tags=[], content_hash="h2",
                                    created_at=NOW)
        question.current_version, question.content_hash = second, "h2"
        session.commit()
        log = session.scalars(select(qb.AnswerLog)).one()
        assert log.question_version_id == first.id != question.current_version_id == second.id
        assert [v.version for v in question.versions] == [1, 2]
    engine.dispose()
