"""The committed demo bank: imports cleanly, is large and varied enough, and matches questions.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from pkarena.services.demo.bank import load_demo_bank
from question_bank.demo import DEMO_BANK
from question_bank.demo.build_demo_bank import build
from question_bank.demo.questions import QUESTIONS
from question_bank.export import SHEET
from question_bank.models import Category, Question, QuestionVersion

CATEGORIES = {"通用常识", "安全生产", "5G与通信基础", "材料与金属制品", "中国地理与文化"}


@pytest.fixture(params=["sqlite_url", "postgres_url"])
def factory(request) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh migrated SQLite or PostgreSQL database."""
    engine = create_engine(request.getfixturevalue(request.param))
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def test_demo_bank_imports_with_zero_errors_and_is_idempotent(factory) -> None:
    with factory() as s:
        report = load_demo_bank(s)
    assert report.ok and report.errors == [] and report.warnings == [], report.as_json()
    assert report.created == len(QUESTIONS) >= 200
    with factory() as s:
        again = load_demo_bank(s)
        assert again.ok and (again.created, again.updated, again.skipped) == (0, 0, report.created)
        assert s.scalar(select(func.count()).select_from(Question)) == report.created
        types = Counter(s.scalars(select(QuestionVersion.type)))
        assert set(types) == {"single", "multiple", "judge", "fill"}
        assert types["single"] >= 80 and min(types.values()) >= 30
        names = set(s.scalars(select(Category.name)))
        assert len(names) >= 5 and names >= CATEGORIES
        assert all(v.explanation and v.tags and 1 <= v.difficulty <= 5 for v in s.scalars(select(QuestionVersion)))


def test_source_is_well_formed() -> None:
    ids = [q["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert {q["category"] for q in QUESTIONS} == CATEGORIES
    assert {q["type"] for q in QUESTIONS} == {"单选", "多选", "判断", "填空"}


def cells(path: Path) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in wb[SHEET].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_committed_xlsx_is_up_to_date_with_questions_py(tmp_path: Path) -> None:
    build(tmp_path / "fresh.xlsx")
    assert cells(DEMO_BANK) == cells(tmp_path / "fresh.xlsx"), (
        "demo_bank.xlsx is stale: run `python -m question_bank.demo.build_demo_bank` and commit it")
