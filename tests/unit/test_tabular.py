"""Tests for question_bank.tabular: formats, encodings, header matching, canonical cells, write-back."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from question_bank import tabular, xlsx_sheet
from question_bank.tabular import Field, TableError, match_key, normalize_header, read_table

FIELDS = [
    Field("username", ("用户名", "账号", "username", "user"), required=True),
    Field("name", ("姓名", "name"), required=True),
    Field("phone", ("手机号", "phone", "mobile")),
    Field("score", ("分数", "score")),
]


def make_xlsx(path: Path, rows: list[list[object]], *, title: str = "Sheet1", hidden_first: bool = False,
              merge: str | None = None) -> Path:
    """Write rows to an .xlsx; optionally put a hidden decoy sheet first, or merge a range."""
    wb = Workbook()
    ws = wb.active
    if hidden_first:
        ws.title = "隐藏"
        ws.append(["垃圾", "数据"])
        ws.sheet_state = "hidden"
        ws = wb.create_sheet(title)
        wb.active = 1
    else:
        ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


def codes(problems: list[tabular.Problem]) -> list[str]:
    return [p.code for p in problems]


def read_error(path_or_bytes: object, filename: str, **kw: object) -> TableError:
    with pytest.raises(TableError) as info:
        read_table(path_or_bytes, filename, FIELDS, **kw)  # type: ignore[arg-type]
    return info.value


def test_xlsx_with_chinese_headers_maps_fields_and_keeps_row_numbers(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [["用户名", "姓名", "手机号"], ["a01", " 张三 ", "13800138000"],
                                           [None, None, None], ["a02", "李四", None]])
    table = read_table(path, "成员.xlsx", FIELDS)
    assert table.sheet == "Sheet1"
    assert table.headers == ["用户名", "姓名", "手机号"]
    assert table.columns == {"username": 0, "name": 1, "phone": 2}
    assert [r.number for r in table.rows] == [2, 4]  # the blank row 3 is skipped, numbering kept
    assert table.rows[0].cells == {"username": "a01", "name": "张三", "phone": "13800138000"}
    assert table.rows[1].get("phone") == "" and table.rows[1].get("score") == ""
    assert table.problems == []


def test_english_headers_match_case_and_width_insensitively(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "e.xlsx", [["USERNAME", "Ｎａｍｅ", " Mobile\u00a0"], ["b01", "Bob", "1"]])
    table = read_table(path, "e.xlsx", FIELDS)
    assert table.columns == {"username": 0, "name": 1, "phone": 2}
    assert table.headers[2] == " Mobile\u00a0"  # reported exactly as the file spells it
    problem = table.rows[0].problem("PHONE_BAD", "phone", "号码不对", "1")
    assert problem.column == " Mobile\u00a0" and problem.row == 2 and problem.file == "e.xlsx"
    assert problem.message.startswith("第 2 行「 Mobile\u00a0」列：")


def test_preferred_sheet_is_read_when_present(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["其他"])
    ws = wb.create_sheet("题库")
    ws.append(["用户名", "姓名"])
    ws.append(["a", "b"])
    wb.save(tmp_path / "q.xlsx")
    assert read_table(tmp_path / "q.xlsx", "q.xlsx", FIELDS, preferred_sheet="题库").sheet == "题库"


def test_gb18030_csv_keeps_characters_outside_gb2312(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("用户名,姓名\r\nu1,朱镕基\r\nu2,张喆\r\n", encoding="gb18030")
    table = read_table(path, "g.csv", FIELDS)
    assert [r.get("name") for r in table.rows] == ["朱镕基", "张喆"]
    assert table.sheet == "g"
    assert tabular.decode_text(path.read_bytes(), "g.csv")[1] == "gb18030"


def test_utf8_with_bom_csv(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("用户名,姓名\nu1,王五\n", encoding="utf-8-sig")
    table = read_table(path.read_bytes(), "b.csv", FIELDS)
    assert table.headers == ["用户名", "姓名"] and table.rows[0].get("name") == "王五"
    assert tabular.decode_text(path.read_bytes(), "b.csv")[1] == "utf-8-sig"


def test_utf16_tsv_as_excel_unicode_text_writes(tmp_path: Path) -> None:
    path = tmp_path / "u.tsv"
    path.write_bytes("用户名\t姓名\t分数\r\nu1\t\"赵,六\"\t3.50\r\n".encode("utf-16"))  # BOM + LE
    table = read_table(path, "u.tsv", FIELDS)
    assert table.rows[0].cells == {"username": "u1", "name": "赵,六", "score": "3.50"}  # CSV text is not rewritten


def test_semicolon_csv_is_sniffed(tmp_path: Path) -> None:
    table = read_table("用户名;姓名\nu1;甲\n".encode(), "s.csv", FIELDS)
    assert table.rows[0].cells == {"username": "u1", "name": "甲"}


def test_undecodable_bytes_are_encoding_unknown() -> None:
    junk = bytes(range(256)) * 8 + b"\x00\xff\x00\xfe\x80\x00" * 50
    error = read_error(junk, "bin.csv")
    assert error.code == "ENCODING_UNKNOWN" and "编码" in error.problems[0].message


def test_missing_required_header_is_reported_with_first_alias(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "m.xlsx", [["用户名", "手机号"], ["a", "1"]])
    table = read_table(path, "m.xlsx", FIELDS)
    [problem] = table.problems
    assert (problem.code, problem.row, problem.column, problem.severity) == ("HEADER_MISSING", 1, "姓名", "error")


def test_duplicate_header_is_an_error(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "d.xlsx", [["用户名", "姓名", "账号"], ["a", "b", "c"]])
    table = read_table(path, "d.xlsx", FIELDS)
    assert codes(table.problems) == ["HEADER_DUPLICATE"]
    assert table.problems[0].column == "账号" and table.columns["username"] == 0


def test_unknown_header_is_a_warning_and_asterisk_marks_are_ignored(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "w.xlsx", [["用户名*", "姓名", "备注"], ["a", "b", "c"]])
    table = read_table(path, "w.xlsx", FIELDS)
    [problem] = table.problems
    assert (problem.code, problem.severity, problem.column) == ("UNKNOWN_HEADER", "warning", "备注")
    assert table.rows[0].raw == ["a", "b", "c"]


def test_hidden_first_sheet_is_ignored_with_a_warning(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "h.xlsx", [["用户名", "姓名"], ["a", "b"]], title="成员", hidden_first=True)
    table = read_table(path, "h.xlsx", FIELDS)
    assert table.sheet == "成员"
    assert codes(table.problems) == ["HIDDEN_SHEET_IGNORED"] and table.problems[0].severity == "warning"


def test_merged_cells_in_data_area_are_an_error(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "mg.xlsx", [["用户名", "姓名"], ["a", "一组"], ["b", None]], merge="B2:B3")
    [problem] = read_table(path, "mg.xlsx", FIELDS).problems
    assert (problem.code, problem.row, problem.column, problem.value) == ("MERGED_CELLS", 2, "姓名", "B2:B3")


def test_formula_without_cached_value_is_a_warning(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "f.xlsx", [["用户名", "姓名", "分数"], ["a", "b", "=1+2"]])
    [problem] = read_table(path, "f.xlsx", FIELDS).problems
    assert (problem.code, problem.row, problem.column, problem.severity) == ("FORMULA_CELL", 2, "分数", "warning")


def test_merges_and_formulas_are_found_across_xml_chunk_boundaries(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_sheet, "_CHUNK", 97)  # cut the sheet XML mid-element many times
    rows: list[list[object]] = [["用户名", "姓名", "分数"]] + [[f"u{i}", "名", i] for i in range(60)]
    rows[40][2] = "=SUM(C2:C3)"
    path = make_xlsx(tmp_path / "c.xlsx", rows, merge="A50:B50")
    found = [(p.code, p.row, p.column) for p in read_table(path, "c.xlsx", FIELDS).problems]
    assert found == [("FORMULA_CELL", 41, "分数"), ("MERGED_CELLS", 50, "用户名")]


def test_prefix_field_maps_repeating_columns(tmp_path: Path) -> None:
    fields = [*FIELDS, Field("option", ("选项", "option"), prefix=True)]
    path = make_xlsx(tmp_path / "o.xlsx", [["用户名", "姓名", "选项A", "Option b"], ["u", "n", "甲", "乙"]])
    table = read_table(path, "o.xlsx", fields)
    assert table.rows[0].cells == {"username": "u", "name": "n", "option_A": "甲", "option_B": "乙"}
    assert table.rows[0].problem("X", "option_B", "坏").column == "Option b"


def test_data_under_an_empty_header_is_warned() -> None:
    table = read_table(io.BytesIO("用户名,,姓名\nu,藏起来,n,多出来\n".encode()), "x.csv", FIELDS)
    assert [(p.code, p.severity) for p in table.problems] == [("UNKNOWN_HEADER", "warning")] * 2
    assert "第 B 列" in table.problems[0].message and "第 D 列" in table.problems[1].message
    assert table.rows[0].raw == ["u", "藏起来", "n", "多出来"]


def test_numbers_are_canonical_text(tmp_path: Path) -> None:
    rows: list[list[object]] = [["用户名", "姓名", "手机号", "分数"], [1.0, "x", 13800138000, 3.50],
                                [2, "y", 13800138000.0, 0.1 + 0.2], [3, "z", None, 1e20]]
    table = read_table(make_xlsx(tmp_path / "n.xlsx", rows), "n.xlsx", FIELDS)
    assert [(r.get("username"), r.get("phone"), r.get("score")) for r in table.rows] == [
        ("1", "13800138000", "3.5"), ("2", "13800138000", "0.3"), ("3", "", "100000000000000000000")]


def test_encrypted_xlsx_is_file_encrypted() -> None:
    assert read_error(tabular.OLE2_MAGIC + os.urandom(600), "secret.xlsx").code == "FILE_ENCRYPTED"


def test_corrupt_zip_is_file_type_and_says_damaged() -> None:
    error = read_error(b"PK\x03\x04" + b"\x00" * 100, "broken.xlsx")
    assert error.code == "FILE_TYPE" and "损坏" in error.problems[0].message


@pytest.mark.parametrize("name", ["list.xls", "list.docx", "list"])
def test_wrong_extension_is_file_type(name: str) -> None:
    assert read_error(b"a,b\n", name).code == "FILE_TYPE"


def test_too_many_rows_and_too_many_bytes_name_the_limit() -> None:
    data = ("用户名,姓名\n" + "u,n\n" * 11).encode()
    error = read_error(data, "big.csv", max_rows=10)
    assert error.code == "FILE_TOO_LARGE" and "10 行" in error.problems[-1].message
    assert "1 MB" in read_error(b"x" * (1024 * 1024 + 1), "big.csv", max_bytes=1024 * 1024).problems[0].message


def test_xlsx_inflating_past_the_cap_is_refused_as_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "MAX_INFLATED", 1000)  # stands in for a zip bomb without building one
    path = make_xlsx(tmp_path / "z.xlsx", [["用户名", "姓名"], ["a", "b"]])
    assert read_error(path, "z.xlsx").code == "FILE_TOO_LARGE"


def test_stream_over_the_byte_limit_is_refused() -> None:
    assert read_error(io.BytesIO(b"a,b\n" * 100), "s.csv", max_bytes=100).code == "FILE_TOO_LARGE"


def test_header_only_and_empty_files_are_no_data_sheet(tmp_path: Path) -> None:
    assert read_error("用户名,姓名\n".encode(), "h.csv").code == "NO_DATA_SHEET"
    assert read_error(b"", "e.csv").code == "NO_DATA_SHEET"
    assert read_error(b",,\nu,n,\n", "blank-header.csv").code == "HEADER_MISSING"


def test_progress_is_reported_while_10000_rows_are_read(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    make_xlsx(path, [["用户名", "姓名", "手机号", "分数"]] + [[f"u{i}", "张三", 13800000000 + i, i / 2]
                                                          for i in range(10000)])
    calls: list[tuple[int, int]] = []
    table = read_table(path, "big.xlsx", FIELDS, on_progress=lambda done, total: calls.append((done, total)))
    assert len(table.rows) == 10000 and table.rows[-1].get("phone") == "13800009999"
    assert calls[0] == (500, 10000) and calls[-1] == (10000, 10000)


def test_write_sheet_with_reasons_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "src.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["用户名", "姓名", "手机号"], ["a", "甲", "1"], ["b", "=cmd()", "2"]])
    table = read_table(path, "src.csv", FIELDS)
    problems = [table.rows[1].problem("PHONE_BAD", "phone", "手机号应为 11 位", "2"),
                table.rows[1].problem("NAME_BAD", "name", "姓名不能以 = 开头", "=cmd()")]
    out = io.BytesIO()
    tabular.write_sheet_with_reasons(table, problems, out)
    ws = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    reason = rows[0].index("错误原因")
    assert rows[0][:reason] == ["用户名", "姓名", "手机号"]
    assert rows[1][reason] == ""
    assert rows[2][1] == "=cmd()"  # written back as text, not as a formula
    assert rows[2][reason] == "「手机号」列：手机号应为 11 位；「姓名」列：姓名不能以 = 开头"
    # Re-uploading the corrected sheet ignores the 错误原因 column silently.
    out_path = tmp_path / "back.xlsx"
    out_path.write_bytes(out.getvalue())
    assert read_table(out_path, "back.xlsx", FIELDS).problems == []


def test_problem_as_dict_has_report_fields(tmp_path: Path) -> None:
    table = read_table("用户名,姓名\nu,n\n".encode(), "p.csv", FIELDS)
    d = table.rows[0].problem("X", None, "坏了").as_dict()
    assert d == {"file": "p.csv", "sheet": "p", "row": 2, "column": None, "code": "X", "value": None,
                 "message": "第 2 行：坏了", "severity": "error"}


def test_xlsx_content_with_csv_extension_is_file_type(tmp_path: Path) -> None:
    data = make_xlsx(tmp_path / "x.xlsx", [["用户名", "姓名"], ["a", "b"]]).read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert read_error(data, "x.csv").code == "FILE_TYPE"


def test_normalize_header_ignores_width_case_and_invisible_characters() -> None:
    assert normalize_header("\u3000ＵｓｅｒＮａｍｅ\u200b ") == normalize_header("username") == "username"


def test_match_key_removes_full_width_and_zero_width_differences() -> None:
    assert match_key("ＡＢＣ\u200b") == match_key("ABC") == "ABC"
    assert match_key("张\u3000三\r\n") == "张三"
    assert match_key("a\r\nb") == "a\nb"


FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


@given(st.text())
def test_match_key_is_idempotent(text: str) -> None:
    assert match_key(match_key(text)) == match_key(text)


@given(st.text())
def test_normalize_header_is_idempotent(text: str) -> None:
    assert normalize_header(normalize_header(text)) == normalize_header(text)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)),
       st.sampled_from(["", "\u200b", "\u200d", "\ufeff", "\u00a0", "\u3000"]))
def test_match_key_ignores_full_width_and_invisible_padding(text: str, junk: str) -> None:
    wide = junk + "".join(FULL_WIDTH[c] for c in text) + junk
    assert match_key(wide) == match_key(text)
