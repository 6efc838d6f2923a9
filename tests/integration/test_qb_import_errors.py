"""Every import error and warning code, each triggered alone by a small file; nothing is written on error."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from question_bank import tabular
from question_bank.importer import ImportReport, import_file
from question_bank.models import Category, Question, QuestionVersion

HEAD = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "难度", "分类", "知识点", "外部ID"]


def q(type_: str = "单选", stem: str = "下列哪个是水的化学式？", a: str = "H2O", b: str = "CO2", c: str = "", d: str = "",
      answer: str = "A", explanation: str = "", difficulty: str = "", category: str = "", tags: str = "",
      ext: str = "") -> list[str]:
    """One row under HEAD."""
    return [type_, stem, a, b, c, d, answer, explanation, difficulty, category, tags, ext]


def good_rows(n: int = 3, prefix: str = "题") -> list[list[str]]:
    """n valid rows of the four types with distinct stems."""
    kinds = [lambda i: q(stem=f"{prefix}{i}：单选题干"), lambda i: q("多选", f"{prefix}{i}：多选题干", c="NaCl", answer="A,B"),
             lambda i: q("判断", f"{prefix}{i}：判断题干", "", "", answer="对"),
             lambda i: q("填空", f"{prefix}{i}：____是中国的首都", "", "", answer="北京;北京市")]
    return [kinds[i % 4](i) for i in range(n)]


def xlsx(path: Path, rows: list[list[object]], head: list[str] = HEAD, title: str = "题库",
         merge: str | None = None, hidden_first: bool = False) -> Path:
    """Write an .xlsx with a header row; optionally merge a range or put a hidden sheet first."""
    wb = Workbook()
    ws = wb.active
    if hidden_first:
        ws.title, ws.sheet_state = "旧题库", "hidden"
        ws.append(head)
        ws = wb.create_sheet(title)
        wb.active = 1
    else:
        ws.title = title
    ws.append(head)
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def csv_bytes(rows: list[list[str]], head: list[str] = HEAD, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """A CSV (CRLF, as Excel writes it) in the given encoding."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([head, *rows])
    return out.getvalue().encode(encoding)


@pytest.fixture
def factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a fresh migrated SQLite database."""
    engine = create_engine(sqlite_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def run(factory: sessionmaker[Session], data: Path | bytes, filename: str, **kw: object) -> ImportReport:
    """Import in a session of its own."""
    with factory() as session:
        return import_file(session, data, filename, **kw)  # type: ignore[arg-type]


def counts(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    """(questions, versions, categories) in the bank."""
    with factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (Question, QuestionVersion, Category))


ROW_ERRORS = {
    "TYPE_INVALID": [q("问答")],
    "STEM_EMPTY": [q(stem="")],
    "TOO_LONG": [q(stem="长" * 2001)],
    "OPTIONS_TOO_FEW": [q(b="")],
    "OPTION_GAP": [q(b="", c="NaCl", d="O2")],
    "OPTION_DUPLICATE": [q(b="h2o")],
    "ANSWER_EMPTY": [q(answer="")],
    "ANSWER_OUT_OF_RANGE": [q(answer="C")],
    "SINGLE_MULTIPLE_KEYS": [q(answer="AB")],
    "MULTIPLE_ONE_KEY": [q("多选", answer="A")],
    "JUDGE_INVALID": [q("判断", "水在标准大气压下 100℃ 沸腾。", "", "", answer="也许")],
    "BLANK_COUNT_MISMATCH": [q("填空", "____和____是直辖市", "", "", answer="北京")],
    "DIFFICULTY_INVALID": [q(difficulty="9")],
    "DUPLICATE_IN_FILE": [q(), q()],
}


@pytest.mark.parametrize("code", sorted(ROW_ERRORS))
def test_row_error_code_is_reported_alone_and_nothing_is_written(code: str, factory, tmp_path: Path) -> None:
    rows = good_rows(2) + ROW_ERRORS[code]
    report = run(factory, xlsx(tmp_path / "bank.xlsx", rows), "bank.xlsx")
    assert [p.code for p in report.errors] == [code]
    [error] = report.errors
    assert (report.ok, error.file, error.sheet, error.row) == (False, "bank.xlsx", "题库", len(rows) + 1)
    assert error.column in HEAD and error.message.startswith(f"第 {len(rows) + 1} 行")
    assert counts(factory) == (0, 0, 0)


def test_duplicate_in_bank_when_the_same_question_has_another_external_id(factory, tmp_path: Path) -> None:
    assert run(factory, xlsx(tmp_path / "a.xlsx", [q(ext="Q1")]), "a.xlsx").ok
    report = run(factory, xlsx(tmp_path / "b.xlsx", [q(ext="Q2")]), "b.xlsx")
    assert [(p.code, p.row, p.column) for p in report.errors] == [("DUPLICATE_IN_BANK", 2, "外部ID")]
    assert counts(factory) == (1, 1, 0)


FILE_ERRORS = {
    "HEADER_MISSING": lambda tmp: xlsx(tmp / "f.xlsx", [q()[:6]], head=HEAD[:6]),
    "HEADER_DUPLICATE": lambda tmp: xlsx(tmp / "f.xlsx", [[*q(), "重复"]], head=[*HEAD, "题干"]),
    "MERGED_CELLS": lambda tmp: xlsx(tmp / "f.xlsx", good_rows(2), merge="H2:H3"),
    "NO_DATA_SHEET": lambda tmp: xlsx(tmp / "f.xlsx", []),
    "FILE_TYPE": lambda tmp: (tmp / "f.xls", b"\xd0\xcf\x11\xe0"),
    "FILE_ENCRYPTED": lambda tmp: (tmp / "f.xlsx", tabular.OLE2_MAGIC + os.urandom(600)),
    "ENCODING_UNKNOWN": lambda tmp: (tmp / "f.csv", bytes(range(256)) * 8 + b"\x00\xff\x00\xfe\x80\x00" * 50),
}


@pytest.mark.parametrize("code", sorted(FILE_ERRORS))
def test_file_error_code_is_reported_alone(code: str, factory, tmp_path: Path) -> None:
    made = FILE_ERRORS[code](tmp_path)
    path, data = made if isinstance(made, tuple) else (made, None)
    if data is not None:
        path.write_bytes(data)
    report = run(factory, path, path.name)
    assert [p.code for p in report.errors] == [code] and not report.ok
    assert counts(factory) == (0, 0, 0)


def test_row_limit_is_a_clear_error(factory, tmp_path: Path) -> None:
    report = run(factory, xlsx(tmp_path / "big.xlsx", good_rows(3)), "big.xlsx", max_rows=2)
    assert [p.code for p in report.errors] == ["FILE_TOO_LARGE"] and "2" in report.errors[0].message


def test_size_limit_is_a_clear_error(factory) -> None:
    report = run(factory, csv_bytes(good_rows(3)), "big.csv", max_bytes=100)
    assert [p.code for p in report.errors] == ["FILE_TOO_LARGE"]


WARNINGS = {
    "UNKNOWN_HEADER": lambda tmp: xlsx(tmp / "w.xlsx", [[*q(), "随便"]], head=[*HEAD, "备注"]),
    "NEAR_DUPLICATE": lambda tmp: xlsx(tmp / "w.xlsx", [q(stem="中国的首都是哪里？"), q(stem="中国的首都是哪里。")]),
    "NUMERIC_COERCED": lambda tmp: xlsx(tmp / "w.xlsx", [q(difficulty="3.0")]),
    "FORMULA_CELL": lambda tmp: xlsx(tmp / "w.xlsx", [q(explanation="=1+2")]),
    "HIDDEN_SHEET_IGNORED": lambda tmp: xlsx(tmp / "w.xlsx", [q()], title="Sheet1", hidden_first=True),
}


@pytest.mark.parametrize("code", sorted(WARNINGS))
def test_warning_code_is_reported_alone_and_the_import_goes_through(code: str, factory, tmp_path: Path) -> None:
    path = WARNINGS[code](tmp_path)
    report = run(factory, path, path.name)
    assert report.ok, report.as_json()
    assert [p.code for p in report.warnings] == [code] and report.errors == []
    assert report.created == counts(factory)[0] >= 1


def test_report_json_has_the_documented_shape(factory, tmp_path: Path) -> None:
    report = run(factory, xlsx(tmp_path / "bank.xlsx", [q(answer="Z")]), "bank.xlsx")
    data = report.as_json()
    assert {"ok", "created", "skipped", "updated", "errors", "warnings"} <= set(data)
    assert data["errors"] == [{"file": "bank.xlsx", "sheet": "题库", "row": 2, "column": "答案",
                               "code": "ANSWER_OUT_OF_RANGE", "value": "Z", "message": data["errors"][0]["message"]}]


def test_sheet_comes_back_with_reasons(factory, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = run(factory, xlsx(tmp_path / "bank.xlsx", [q(), q(stem="另一题", answer="AB")]), "bank.xlsx")
    assert report.write_reasons(tmp_path / "back.xlsx")
    sheet = load_workbook(tmp_path / "back.xlsx").active
    assert sheet.cell(1, len(HEAD) + 1).value == "错误原因" and "单选" in sheet.cell(3, len(HEAD) + 1).value
