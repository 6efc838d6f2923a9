"""Low-level .xlsx worksheet inspection for the table reader: sheet choice, typed cells as text, sheet-XML facts.

Plain Python over openpyxl and the workbook's zip archive. It reports facts only; ``question_bank.tabular``
turns them into problem codes and the Chinese messages the import report shows.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

_CHUNK = 1 << 20  # bytes of sheet XML per read: big enough to be fast, small enough to keep memory flat


@dataclass
class SheetScan:
    """What the sheet XML says that read-only openpyxl hides, limited to the header's columns and the data rows."""

    formulas: list[tuple[int, int]] = field(default_factory=list)  # (row, column) of the first few, in file order
    formula_count: int = 0  # every formula without a cached value, listed or not
    merged: list[tuple[str, int, int]] = field(default_factory=list)  # (range "B2:B3", first row, first column)


def choose_sheet(sheets: Sequence[Any], preferred: str | None) -> tuple[Any | None, list[str]]:
    """The visible sheet to read (``preferred`` if visible, else the first) and the hidden sheets passed over."""
    visible = [ws for ws in sheets if ws.sheet_state == "visible"]
    if not visible:
        return None, []
    ws = next((s for s in visible if s.title == preferred), visible[0])
    position = list(sheets).index(ws)
    # Only hidden sheets that would have been read if visible are worth a warning.
    skipped = [hidden.title for i, hidden in enumerate(sheets)
               if hidden.sheet_state != "visible" and (hidden.title == preferred or i < position)]
    return ws, skipped


def cell_text(v: Any) -> str:
    """Cell value as canonical text: trimmed strings, 1.0 → "1", no scientific notation, ISO dates."""
    t = type(v)  # exact type checks first: this runs once per cell
    if t is str:
        return v.strip()
    if v is None:
        return ""
    if t is float:
        if not math.isfinite(v):
            return str(v)
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        s = f"{v:.15g}"  # Excel shows 15 significant digits: 0.1+0.2 -> "0.3"
        return format(Decimal(s), "f") if "e" in s else s
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is datetime:
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ", timespec="seconds")
    if t is date or t is time:
        return v.isoformat()
    return str(v).strip()


def scan_sheet_xml(archive: zipfile.ZipFile, path: str, last_row: int, width: int, limit: int) -> SheetScan:
    """Find merged ranges and formulas without a cached value by streaming the sheet's XML.

    Read-only openpyxl exposes neither, and a full (non read-only) load costs several times the
    time and memory. Chunks are cut after a "</row>" so no cell spans two scans; <mergeCells>
    follows <sheetData>, so it arrives whole in the final remainder. Only cells at or above
    ``last_row`` and within the first ``width`` columns count; ``limit`` caps the formulas listed.
    """
    from openpyxl.utils.cell import column_index_from_string, range_boundaries

    scan = SheetScan()
    with archive.open(path) as fh:
        chunk = fh.read(_CHUNK)
        m = re.search(rb"<(\w+:)?worksheet\b", chunk)
        ns = (m.group(1) or b"") if m else b""  # some generators write <x:c>, <x:f>, …
        row_end, formula_re = b"</" + ns + b"row>", re.compile(b"<" + ns + rb"f[\s/>]")
        # A cached value is a non-empty <v>: openpyxl and others write <v/> for "never computed".
        value_re = re.compile(b"<" + ns + rb"v(?:\s[^>]*)?>[^<]")
        cell_re = re.compile(b"<" + ns + rb'c\s[^>]*?\br="([A-Z]+)(\d+)"')
        carry = b""
        while True:
            buf = carry + chunk
            cut = buf.rfind(row_end) + len(row_end) if chunk else len(buf)
            if chunk and cut < len(row_end):
                carry, chunk = buf, fh.read(_CHUNK)
                continue
            part, carry = buf[:cut], buf[cut:]
            for f in formula_re.finditer(part):
                opened = list(cell_re.finditer(part, max(0, f.start() - 512), f.start()))  # its cell
                nxt = cell_re.search(part, f.start())
                if not opened or value_re.search(part, f.start(), nxt.start() if nxt else len(part)):
                    continue
                cell = opened[-1]
                if b't="str"' in part[cell.start():part.find(b">", cell.start())]:
                    continue  # a text result "" legitimately has an empty <v>
                row, col = int(cell.group(2)), column_index_from_string(cell.group(1).decode())
                if row <= last_row and col <= width:
                    scan.formula_count += 1
                    if scan.formula_count <= limit:
                        scan.formulas.append((row, col))
            if not chunk:
                break
            chunk = fh.read(_CHUNK)
    for m in re.finditer(b"<" + ns + rb'mergeCell\s[^>]*?ref="([A-Za-z]+\d+:[A-Za-z]+\d+)"', part):
        min_col, min_row, _, _ = range_boundaries(ref := m.group(1).decode())
        if min_row <= last_row and min_col <= width:
            scan.merged.append((ref, min_row, min_col))
    return scan
