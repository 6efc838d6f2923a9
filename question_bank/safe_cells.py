"""The one writer rule for every export: user text stays text in .xlsx and CSV (no formula injection).

A display name, org name, reason or question stem such as ``=HYPERLINK(…)`` or ``=cmd|' /C calc'!A0`` must never
become a live formula when an organizer opens an export. In .xlsx a text cell is typed as a string (openpyxl
would otherwise write a str starting with "=" as a formula) and carries Excel's quotePrefix flag, so the text
is kept exactly and an import reads it back unchanged. CSV has no types, so a field starting with
``= + - @``, tab or CR gets a leading ``'`` (the OWASP CSV-injection rule). Lives in ``question_bank`` (the lowest
layer) so the bank export and the pkarena exports share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula (or a DDE payload)."""
    return text.startswith(FORMULA_TRIGGERS)


def safe_cell(sheet: Any, value: Any) -> Any:
    """An .xlsx cell value for `sheet`: text becomes a string cell (quotePrefix when it looks like a formula)."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters openpyxl refuses to write
    if not looks_like_formula(text):
        return text  # openpyxl infers a plain string for these
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # a str starting with "=" would otherwise be written as a formula
    cell.quotePrefix = True  # Excel shows (and keeps on edit) the cell as text
    return cell


def safe_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``sheet.append``: every value through :func:`safe_cell`."""
    return [safe_cell(sheet, value) for value in values]


def safe_csv_field(value: Any) -> Any:
    """A CSV field: text that a spreadsheet would run as a formula gets a leading ``'``; numbers stay numbers."""
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def safe_csv_row(values: Iterable[Any]) -> list[Any]:
    """A row for ``csv.writer.writerow``: every field through :func:`safe_csv_field`."""
    return [safe_csv_field(value) for value in values]
