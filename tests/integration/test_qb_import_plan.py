"""Planning a re-import against the bank: each question found by content and by 外部ID, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, update
from sqlalchemy.orm import Session, sessionmaker
from test_qb_import_errors import counts, q, run, xlsx

from question_bank.models import Question, QuestionVersion


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def any_db(request) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh migrated SQLite or PostgreSQL database."""
    engine = create_engine(request.getfixturevalue(request.param))
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def question_id(factory: sessionmaker[Session], external_id: str) -> int:
    with factory() as s:
        return s.scalars(select(Question.id).where(Question.external_id == external_id)).one()


def test_one_questions_content_under_another_questions_external_id_is_a_duplicate_in_bank(any_db,
                                                                                          tmp_path: Path) -> None:
    rows = [q(stem="水的化学式是？", ext="Q1"), q(stem="二氧化碳的化学式是？", ext="Q2")]
    assert run(any_db, xlsx(tmp_path / "a.xlsx", rows), "a.xlsx").ok
    report = run(any_db, xlsx(tmp_path / "b.xlsx", [q(stem="水的化学式是？", ext="Q2")]), "b.xlsx")
    assert [(p.code, p.row, p.column) for p in report.errors] == [("DUPLICATE_IN_BANK", 2, "题干")]
    assert f"编号 {question_id(any_db, 'Q1')}" in report.errors[0].message
    assert "外部ID 为「Q1」" in report.errors[0].message
    assert counts(any_db) == (2, 2, 0)


def test_a_retired_questions_external_id_updates_that_question_and_an_unchanged_row_skips_it(any_db,
                                                                                             tmp_path: Path) -> None:
    assert run(any_db, xlsx(tmp_path / "a.xlsx", [q(ext="R1")]), "a.xlsx").ok
    with any_db() as s:
        s.execute(update(Question).values(status="retired"))
        s.commit()
    changed = run(any_db, xlsx(tmp_path / "b.xlsx", [q(explanation="水由氢和氧组成。", ext="R1")]), "b.xlsx")
    assert (changed.ok, changed.created, changed.updated, changed.skipped) == (True, 0, 1, 0)
    again = run(any_db, xlsx(tmp_path / "c.xlsx", [q(explanation="水由氢和氧组成。", ext="R1")]), "c.xlsx")
    assert (again.ok, again.created, again.updated, again.skipped) == (True, 0, 0, 1)
    with any_db() as s:
        question = s.scalars(select(Question)).one()
        assert question.status == "retired" and question.current_version is not None
        assert question.current_version.version == 2
        assert question.current_version.explanation == "水由氢和氧组成。"


def test_a_reimport_skips_updates_and_creates_and_warns_of_near_duplicates_in_the_bank(any_db, tmp_path: Path) -> None:
    first = [q(stem="水的化学式是？", ext="W1"), q(stem="二氧化碳的化学式是？", ext="C1"), q(stem="食盐的主要成分是？"),
             q(stem="氧气的化学式是？", ext="O1")]
    assert run(any_db, xlsx(tmp_path / "a.xlsx", first), "a.xlsx").ok
    second = [q(stem="二氧化碳的化学式是？", ext="C1"),                    # same: skipped
              q(stem="食盐的主要成分是？", difficulty="5"),                 # same content, no 外部ID: skipped
              q(stem="水的化学式是？", explanation="H 与 O。", ext="W1"),  # changed: a new version
              q(stem="氧气的化学式是 ？！", ext="O2")]                      # new, and nearly O1 of the bank
    report = run(any_db, xlsx(tmp_path / "b.xlsx", second), "b.xlsx")
    assert (report.ok, report.created, report.updated, report.skipped) == (True, 1, 1, 2)
    assert [(p.code, p.row) for p in report.warnings] == [("NEAR_DUPLICATE", 5)]
    assert f"编号 {question_id(any_db, 'O1')}" in report.warnings[0].message
    with any_db() as s:
        assert sorted(s.scalars(select(QuestionVersion.version))) == [1, 1, 1, 1, 1, 2]
    assert counts(any_db) == (5, 6, 0)
