"""The xlsx template and the bank export: export → import into an empty bank gives the same bank."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from question_bank.export import EXAMPLES, HEADERS, SHEET, category_paths, export_bank, write_template
from question_bank.importer import import_file
from question_bank.models import Question, QuestionVersion
from question_bank.tabular import FORMULA_CELL


@pytest.fixture
def factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh migrated SQLite database."""
    engine = create_engine(sqlite_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def other(tmp_path: Path, sqlite_template: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a second, empty migrated SQLite database."""
    path = tmp_path / "other.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    engine = create_engine(f"sqlite:///{path}")
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def snapshot(factory: sessionmaker[Session]) -> list[tuple]:
    """Every non-retired question's current content, comparable across databases."""
    with factory() as s:
        paths = category_paths(s)
        query = (select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                 .where(Question.status != "retired"))
        return sorted((v.type, v.stem, tuple(v.options), repr(v.answer), v.explanation, v.difficulty,
                       paths.get(v.category_id or 0, ""), tuple(v.tags), q.external_id, v.source)
                      for q, v in s.execute(query))


SOURCE = [
    ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "答案", "解析", "难度", "分类", "标签", "外部ID", "来源"],
    ["单选", "铁的元素符号是？", "Fe", "Cu", "Al", "", "", "a", "铁 Fe", "2", "材料/金属", "元素, 化学", "", ""],
    ["多选", "以下哪些是直辖市？", "北京", "广州", "上海", "重庆", "深圳", "D；A，C", "", "较难", "地理", "", "X-1", "自编"],
    ["判断", "光速比声速快。", "", "", "", "", "", "√", "光速远大于声速", "1", "常识", "", "", ""],
    ["填空", "（ ）是我国最长的河流，____是第二长河。", "", "", "", "", "", "长江；扬子江｜黄河", "", "", "地理/河流", "河流", "", ""],
    ["单选", "=1+1 的结果是？", "1", "2", "3", "", "", "B", "", "", "", "", "", ""],
    ["判断", "钢是一种合金。", "", "", "", "", "", "否", "", "3", "材料/金属/钢铁", "合金、钢", "", ""],
]


def source_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "题库"
    for row in SOURCE:
        ws.append(row)
    ws["B6"].data_type = "s"  # a text stem that starts with "=" (not a formula)
    wb.save(path)
    return path


def test_export_then_import_into_an_empty_bank_gives_the_same_bank(factory, other, tmp_path: Path) -> None:
    with factory() as s:
        first = import_file(s, source_xlsx(tmp_path / "src.xlsx"), "src.xlsx")
    assert first.ok and first.created == len(SOURCE) - 1, first.as_json()
    with factory() as s:
        s.scalars(select(Question)).first().status = "retired"  # retired questions are not exported
        s.commit()
        assert export_bank(s, tmp_path / "export.xlsx") == len(SOURCE) - 2
    with other() as s:
        report = import_file(s, tmp_path / "export.xlsx", "export.xlsx")
    assert report.ok and report.created == len(SOURCE) - 2 and not report.errors, report.as_json()
    assert [w.code for w in report.warnings] == []
    expected = snapshot(factory)
    assert len(expected) == len(SOURCE) - 2
    assert snapshot(other) == expected
    kinds = {row[0] for row in expected}
    assert kinds == {"single", "multiple", "judge", "fill"}


def test_exporting_again_and_reimporting_into_the_same_bank_changes_nothing(factory, tmp_path: Path) -> None:
    with factory() as s:
        assert import_file(s, source_xlsx(tmp_path / "src.xlsx"), "src.xlsx").ok
        buffer = io.BytesIO()
        export_bank(s, buffer)
    with factory() as s:
        again = import_file(s, buffer.getvalue(), "export.xlsx")
    assert again.ok and (again.created, again.updated, again.skipped) == (0, 0, len(SOURCE) - 1), again.as_json()


def test_template_examples_import_cleanly(factory, tmp_path: Path) -> None:
    write_template(tmp_path / "template.xlsx")
    with factory() as s:
        report = import_file(s, tmp_path / "template.xlsx", "template.xlsx")
    assert report.ok and report.created == len(EXAMPLES) == 4, report.as_json()
    assert report.errors == [] and report.warnings == []
    with factory() as s:
        assert {v.type for v in s.scalars(select(QuestionVersion))} == {"single", "multiple", "judge", "fill"}


def test_template_has_headers_and_dropdowns_for_type_and_difficulty(tmp_path: Path) -> None:
    write_template(tmp_path / "template.xlsx")
    ws = load_workbook(tmp_path / "template.xlsx")[SHEET]
    assert [c.value for c in ws[1]] == HEADERS
    assert {"题型*", "题干*", "选项A", "选项H", "答案*", "解析", "难度", "分类", "知识点/标签", "外部ID"} <= set(HEADERS)
    validations = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert set(validations) == {'"单选,多选,判断,填空"', '"1,2,3,4,5"'}
    assert validations['"单选,多选,判断,填空"'].startswith("A2:")
    assert validations['"1,2,3,4,5"'].startswith(f"{chr(ord('A') + HEADERS.index('难度'))}2:")


def test_a_stem_that_looks_like_a_formula_is_exported_as_text(factory, tmp_path: Path) -> None:
    with factory() as s:
        assert import_file(s, source_xlsx(tmp_path / "src.xlsx"), "src.xlsx").ok
        export_bank(s, tmp_path / "out.xlsx")
    with factory() as s:
        report = import_file(s, tmp_path / "out.xlsx", "out.xlsx", dry_run=True)
    assert FORMULA_CELL not in {w.code for w in report.warnings}
    assert "=1+1 的结果是？" in [c.value for c in load_workbook(tmp_path / "out.xlsx")[SHEET]["B"]]
