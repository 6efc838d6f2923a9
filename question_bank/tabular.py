"""Generic table reader for .xlsx/.csv/.tsv uploads: headers matched to fields, rows as canonical text.

Plain Python (no Flask, no SQLAlchemy): used by the question importer and by PK Arena's member import.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

# Stable problem codes (callers and the JSON report rely on them).
FILE_TYPE = "FILE_TYPE"
FILE_ENCRYPTED = "FILE_ENCRYPTED"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
ENCODING_UNKNOWN = "ENCODING_UNKNOWN"
NO_DATA_SHEET = "NO_DATA_SHEET"
HEADER_MISSING = "HEADER_MISSING"
HEADER_DUPLICATE = "HEADER_DUPLICATE"
UNKNOWN_HEADER = "UNKNOWN_HEADER"
HIDDEN_SHEET_IGNORED = "HIDDEN_SHEET_IGNORED"
FORMULA_CELL = "FORMULA_CELL"
MERGED_CELLS = "MERGED_CELLS"

REASON_HEADER = "错误原因"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PROGRESS_EVERY = 500
MAX_FORMULA_WARNINGS = 100
# A zip that inflates far beyond its own size is a zip bomb, not a question bank.
MAX_INFLATE_RATIO = 20
DAMAGED = "文件已损坏或不是有效的 .xlsx 工作簿，无法打开；请在 Excel 中重新另存为 .xlsx 后再导入"

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u202f\u3000"))
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Problem:
    """One line of an import report."""

    file: str
    sheet: str
    row: int | None
    column: str | None
    code: str
    value: str | None
    message: str
    severity: str = "error"

    def as_dict(self) -> dict:
        """Return the report fields as a JSON-ready dict."""
        return dataclasses.asdict(self)


class TableError(Exception):
    """The whole file could not be read; ``problems`` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("；".join(p.message for p in problems))
        self.problems = problems

    @property
    def code(self) -> str:
        """Code of the first problem."""
        return self.problems[0].code


@dataclass(frozen=True)
class Field:
    """A column the caller expects, with every header spelling it accepts."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    # prefix=True: a header "<alias><suffix>" (e.g. 选项A, Option b) maps to "<name>_<SUFFIX>".
    prefix: bool = False


@dataclass(frozen=True)
class _Context:
    file: str
    sheet: str
    labels: dict[str, str]  # field -> header text as in the file (first alias if the column is absent)


@dataclass
class Row:
    """One data row; ``cells`` maps canonical field names to trimmed cell text."""

    number: int
    cells: dict[str, str]
    raw: list[str]
    _ctx: _Context | None = field(default=None, repr=False, compare=False)

    def get(self, name: str) -> str:
        """Cell text of a field, "" when empty or absent."""
        return self.cells.get(name, "")

    def problem(self, code: str, field: str | None, message: str, value: str | None = None,
                severity: str = "error") -> Problem:
        """Build a Problem at this row; the location prefix 「第 N 行「列」列：」 is added to ``message``."""
        ctx = self._ctx or _Context("", "", {})
        column = None if field is None else ctx.labels.get(field, field)
        return Problem(ctx.file, ctx.sheet, self.number, column, code, value,
                       _where(self.number, column) + message, severity)


@dataclass
class Table:
    """A sheet read from a file: headers, matched columns, rows and reading problems."""

    file: str
    sheet: str
    headers: list[str]
    columns: dict[str, int]
    rows: list[Row]
    problems: list[Problem]


def normalize_header(text: str) -> str:
    """Key for header matching: NFKC, invisible characters and all whitespace removed, casefolded."""
    return _WS.sub("", unicodedata.normalize("NFKC", text.translate(_INVISIBLE))).casefold()


def match_key(text: str) -> str:
    """Key for comparing cell values (never stored): NFKC, invisible chars removed, LF newlines, trimmed."""
    # NBSP/U+3000 are deleted before NFKC, which would otherwise turn them into ordinary spaces.
    key = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return key.replace("\r\n", "\n").replace("\r", "\n").strip()


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    """Decode CSV bytes: BOM → strict UTF-8 → GB18030 → charset-normalizer, else ENCODING_UNKNOWN."""
    fail = _file_problem(filename, ENCODING_UNKNOWN,
                         "无法识别文件的文字编码；请在 Excel 中「另存为 → CSV UTF-8（逗号分隔）」后再导入")
    boms = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
    for bom, encoding in boms:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding.replace("-sig", "")), encoding
            except UnicodeDecodeError:
                raise TableError([fail]) from None
    # A NUL never appears in a real text table: treat such a decoding as wrong (binary file).
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text, encoding
    from charset_normalizer import from_bytes  # imported lazily: only odd files get this far

    best = from_bytes(data).best()
    if best is not None and best.chaos <= 0.2:
        text = str(best)
        if "\x00" not in text:
            return text, best.encoding
    raise TableError([fail])


def read_table(path_or_bytes: str | os.PathLike | bytes | IO[bytes], filename: str, fields: list[Field], *,
               preferred_sheet: str | None = None, max_rows: int = 20000, max_bytes: int = 10 * 1024 * 1024,
               on_progress: Callable[[int, int], None] | None = None) -> Table:
    """Read one sheet of an .xlsx/.csv/.tsv file into a Table, or raise TableError for the whole file."""
    ext = Path(filename).suffix.lower()
    if ext not in (".xlsx", ".csv", ".tsv"):
        hint = "旧版 .xls 格式不支持，请在 Excel 中另存为 .xlsx" if ext == ".xls" else f"不支持的文件类型「{ext or '无扩展名'}」"
        raise TableError([_file_problem(filename, FILE_TYPE, f"{hint}；请上传 .xlsx、.csv 或 .tsv 文件")])
    data = _read_bytes(path_or_bytes, filename, max_bytes)
    reader = _Reader(filename, fields, max_rows, on_progress)
    if ext == ".xlsx":
        return reader.xlsx(data, preferred_sheet)
    return reader.text(data, ext)


def write_sheet_with_reasons(table: Table, problems: list[Problem], out_path_or_stream: str | os.PathLike | IO[bytes]
                             ) -> None:
    """Write the sheet back as .xlsx with a last column 错误原因 holding each row's messages."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    by_row: dict[int, list[str]] = {}
    other: list[Problem] = []
    numbers = {r.number for r in table.rows}
    for p in problems:
        if p.row in numbers:
            prefix = f"第 {p.row} 行"
            by_row.setdefault(p.row, []).append(p.message.removeprefix(prefix).lstrip("：") or p.message)
        else:
            other.append(p)
    width = max([len(table.headers), *(len(r.raw) for r in table.rows)])
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(table.sheet))

    def cells(values: Iterable[str]) -> list[Any]:
        out: list[Any] = []
        for v in values:
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
            if v.startswith("="):  # keep "=…" text as text: openpyxl would otherwise write a formula
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"
                out.append(c)
            else:
                out.append(v)
        return out

    ws.append(cells([*table.headers, *[""] * (width - len(table.headers)), REASON_HEADER]))
    for r in table.rows:
        ws.append(cells([*r.raw, *[""] * (width - len(r.raw)), "；".join(by_row.get(r.number, []))]))
    if other:  # file-level and header problems have no data row to sit on
        extra = wb.create_sheet("其他问题")
        extra.append(["行", "列", "代码", "值", REASON_HEADER])
        for p in other:
            extra.append(cells(["" if p.row is None else str(p.row), p.column or "", p.code, p.value or "",
                                p.message]))
    wb.save(out_path_or_stream)


# --- internals -------------------------------------------------------------------------------------


def _where(row: int | None, column: str | None) -> str:
    if row is None:
        return f"「{column}」列：" if column else ""
    return f"第 {row} 行「{column}」列：" if column else f"第 {row} 行："


def _file_problem(filename: str, code: str, message: str, sheet: str = "") -> Problem:
    return Problem(filename, sheet, None, None, code, None, message)


def _read_bytes(source: str | os.PathLike | bytes | IO[bytes], filename: str, max_bytes: int) -> bytes:
    limit = f"{max_bytes / 1024 / 1024:g} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} 字节"
    too_big = TableError([_file_problem(filename, FILE_TOO_LARGE, f"文件超过大小上限 {limit}，请拆分后再导入")])
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, str | os.PathLike):
        if os.path.getsize(source) > max_bytes:  # refuse before reading it into memory
            raise too_big
        data = Path(source).read_bytes()
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big
    return data


def _text(v: Any) -> str:
    """Cell value as canonical text: trimmed strings, 1.0 → "1", no scientific notation, ISO dates."""
    t = type(v)
    if t is str:
        return v.strip()
    if v is None:
        return ""
    if t is bool:
        return "TRUE" if v else "FALSE"
    if t is int:
        return str(v)
    if t is float:
        if not math.isfinite(v):
            return str(v)
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        s = f"{v:.15g}"  # what Excel shows: 15 significant digits
        return format(Decimal(s), "f") if "e" in s else s
    if t is datetime:
        return v.date().isoformat() if v.time() == time(0) else v.isoformat(sep=" ", timespec="seconds")
    if t is date or t is time:
        return v.isoformat()
    return str(v).strip()


def _sheet_title(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31].strip("'") or "Sheet1"


def _fit(values: list[str], width: int) -> list[str]:
    """Pad to the header width; drop trailing empty cells beyond it (styled blanks, not data)."""
    if len(values) < width:
        return values + [""] * (width - len(values))
    while len(values) > width and values[-1] == "":
        values.pop()
    return values


class _Reader:
    """Shared state of one read_table call."""

    def __init__(self, filename: str, fields: list[Field], max_rows: int,
                 on_progress: Callable[[int, int], None] | None) -> None:
        self.filename, self.fields, self.max_rows, self.on_progress = filename, fields, max_rows, on_progress
        self.problems: list[Problem] = []
        self.sheet = ""
        self.exact: dict[str, Field] = {}
        for f in fields:
            for alias in f.aliases:
                key = normalize_header(alias)
                if self.exact.setdefault(key, f) is not f:
                    raise ValueError(f"alias {alias!r} is used by two fields")

    def fail(self, code: str, message: str) -> TableError:
        return TableError([*self.problems, _file_problem(self.filename, code, message, self.sheet)])

    def warn(self, code: str, message: str, row: int | None = None, column: str | None = None,
             value: str | None = None, severity: str = "warning") -> None:
        self.problems.append(Problem(self.filename, self.sheet, row, column, code, value,
                                     _where(row, column) + message, severity))

    # -- formats --

    def text(self, data: bytes, ext: str) -> Table:
        self.sheet = Path(self.filename).stem  # what Excel names the sheet when it opens a CSV
        if data.startswith((b"PK\x03\x04", OLE2_MAGIC)):
            raise self.fail(FILE_TYPE, f"文件扩展名是 {ext}，但内容是 Excel 工作簿；请上传 .xlsx 文件或另存为 CSV")
        text, _encoding = decode_text(data, self.filename)
        delimiter = "\t" if ext == ".tsv" else ","
        first = text.split("\n", 1)[0]
        if ext == ".csv" and "," not in first:
            # Excel in European locales writes ";"; some tools write tabs into a .csv.
            counts = {d: first.count(d) for d in (";", "\t")}
            best = max(counts, key=counts.__getitem__)
            delimiter = best if counts[best] else delimiter
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:  # e.g. a field over the csv module's size limit
            raise self.fail(FILE_TYPE, f"CSV 格式错误，无法读取：{exc}") from exc
        return self.build(records, len(records) - 1)

    def xlsx(self, data: bytes, preferred: str | None) -> Table:
        if data.startswith(OLE2_MAGIC):
            # Excel stores password-protected .xlsx inside an OLE2 container (EncryptionInfo stream).
            raise self.fail(FILE_ENCRYPTED, "文件已加密（设置了打开密码）或是旧版 .xls 格式，无法读取；"
                            "请在 Excel 中取消密码并另存为 .xlsx 后再导入")
        from openpyxl import load_workbook

        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            inflated = sum(i.file_size for i in archive.infolist())
        except zipfile.BadZipFile as exc:
            raise self.fail(FILE_TYPE, DAMAGED) from exc
        with archive:
            if inflated > MAX_INFLATE_RATIO * max(len(data), 1024 * 1024):
                raise self.fail(FILE_TOO_LARGE, "文件解压后过大，请删除无关的工作表或拆分后再导入")
            try:
                wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many exception types for malformed parts
                raise self.fail(FILE_TYPE, DAMAGED) from exc
            try:
                ws = self.pick_sheet(wb.worksheets, preferred)
                hint = (ws.max_row or 1) - 1  # from the sheet's <dimension>, which may be wrong: a hint only
                ws.reset_dimensions()  # some writers store a wrong <dimension>; read every cell that is there
                rows = ws.iter_rows(values_only=True)
                first = next(rows, None)
                # The header keeps its exact text (the report names columns as the file spells them).
                head = [] if first is None else [[v if type(v) is str else _text(v) for v in first]]
                table = self.build(itertools.chain(head, ([_text(v) for v in r] for r in rows)),
                                   max(hint, 0), stripped=True)
                path = ws._worksheet_path.lstrip("/")
            finally:
                wb.close()
            self.scan_sheet_xml(archive, path, table.rows[-1].number, table.headers)
        return table

    def pick_sheet(self, sheets: list[Any], preferred: str | None) -> Any:
        visible = [ws for ws in sheets if ws.sheet_state == "visible"]
        if not visible:
            raise self.fail(NO_DATA_SHEET, "工作簿中没有可见的工作表")
        ws = next((s for s in visible if s.title == preferred), visible[0])
        self.sheet = ws.title
        for i, hidden in enumerate(sheets):
            # Warn only about hidden sheets that would have been read had they been visible.
            if hidden.sheet_state != "visible" and (hidden.title == preferred or i < sheets.index(ws)):
                self.problems.append(Problem(self.filename, hidden.title, None, None, HIDDEN_SHEET_IGNORED, None,
                                             f"工作表「{hidden.title}」已隐藏，已忽略；读取的是「{ws.title}」",
                                             "warning"))
        return ws

    # -- rows --

    def build(self, records: Iterable[list[str]], total: int, stripped: bool = False) -> Table:
        it = iter(records)
        header = next(it, None)
        if header is None:
            raise self.fail(NO_DATA_SHEET, f"工作表「{self.sheet}」是空的，没有表头和数据")
        headers = list(header)
        while headers and not headers[-1].strip():
            headers.pop()
        if not headers:
            raise self.fail(HEADER_MISSING, "第 1 行应为表头（列名），但它是空的")
        columns, labels = self.match_headers(headers)
        ctx = _Context(self.filename, self.sheet, labels)
        width, items = len(headers), list(columns.items())
        rows: list[Row] = []
        for number, values in enumerate(it, start=2):
            if not stripped:
                values = [v.strip() for v in values]
            if not any(values):
                continue
            values = _fit(values, width)
            rows.append(Row(number, {name: values[i] for name, i in items}, values, ctx))
            if len(rows) > self.max_rows:
                raise self.fail(FILE_TOO_LARGE, f"数据行数超过上限 {self.max_rows} 行，请拆分成多个文件导入")
            if self.on_progress and len(rows) % PROGRESS_EVERY == 0:
                self.on_progress(len(rows), total)
        if self.on_progress:
            self.on_progress(len(rows), len(rows))
        if not rows:
            raise self.fail(NO_DATA_SHEET, f"工作表「{self.sheet}」只有表头，没有数据行")
        return Table(self.filename, self.sheet, headers, columns, rows, self.problems)

    def match_headers(self, headers: list[str]) -> tuple[dict[str, int], dict[str, str]]:
        columns: dict[str, int] = {}
        labels = {f.name: f.aliases[0] for f in self.fields}
        for index, text in enumerate(headers):
            key = normalize_header(text)
            if not key or text.strip() == REASON_HEADER:  # our own write-back column comes back re-uploaded
                continue
            name = self.field_for(key.strip("*"))  # templates mark required columns with "*"
            if name is None:
                self.warn(UNKNOWN_HEADER, "无法识别的列名，该列将被忽略", 1, text, text)
            elif name in columns:
                first = headers[columns[name]]
                self.warn(HEADER_DUPLICATE, f"与「{first}」列重复，只能保留一列", 1, text, text, "error")
            else:
                columns[name], labels[name] = index, text
        for f in self.fields:
            if f.required and not any(c == f.name or (f.prefix and c.startswith(f.name + "_")) for c in columns):
                self.problems.append(Problem(self.filename, self.sheet, 1, f.aliases[0], HEADER_MISSING, None,
                                             f"第 1 行（表头）缺少必填列「{f.aliases[0]}」"))
        return columns, labels

    def field_for(self, key: str) -> str | None:
        if key in self.exact:
            return self.exact[key].name
        for alias, f in self.exact.items():
            if f.prefix and key.startswith(alias) and 0 < len(key) - len(alias) <= 3 and key[len(alias):].isalnum():
                return f"{f.name}_{key[len(alias):].upper()}"
        return None

    # -- what read-only openpyxl cannot see --

    def scan_sheet_xml(self, archive: zipfile.ZipFile, path: str, last_row: int, headers: list[str]) -> None:
        """Report merged ranges and formulas without a cached value, streaming the sheet XML.

        Read-only openpyxl exposes neither, and a full (non read-only) load costs several times the
        time and memory. Chunks are cut after a "</row>" so no cell spans two scans; <mergeCells>
        follows <sheetData>, so it arrives whole in the final remainder.
        """
        from openpyxl.utils.cell import column_index_from_string, range_boundaries

        def label(col: int) -> str | None:
            return headers[col - 1] if col <= len(headers) else None

        with archive.open(path) as fh:
            chunk = fh.read(1 << 20)
            m = re.search(rb"<(\w+:)?worksheet\b", chunk)
            ns = (m.group(1) or b"") if m else b""  # some generators write <x:c>, <x:f>, ...
            row_end = b"</" + ns + b"row>"
            formula_re = re.compile(rb"<" + ns + rb"f[\s/>]")
            # A cached value is a non-empty <v>; openpyxl and other writers emit <v/> for "not computed".
            value_re = re.compile(rb"<" + ns + rb"v(?:\s[^>]*)?>[^<]")
            cell_re = re.compile(rb"<" + ns + rb'c\s[^>]*?\br="([A-Z]+)(\d+)"')
            carry, formulas = b"", 0
            while True:
                buf = carry + chunk
                cut = buf.rfind(row_end) + len(row_end) if chunk else len(buf)
                if chunk and cut < len(row_end):
                    carry, chunk = buf, fh.read(1 << 20)
                    continue
                part, carry = buf[:cut], buf[cut:]
                for f in formula_re.finditer(part):
                    # The formula belongs to the last cell opened before it.
                    opened = list(cell_re.finditer(part, max(0, f.start() - 512), f.start()))
                    cell = opened[-1] if opened else None
                    close = part.find(b">", f.start())
                    nxt = cell_re.search(part, f.start())
                    if cell is None or value_re.search(part, close, nxt.start() if nxt else len(part)):
                        continue
                    if b't="str"' in part[cell.start():part.find(b">", cell.start())]:
                        continue  # a text result that is "" legitimately has an empty <v>
                    row, col = int(cell.group(2)), column_index_from_string(cell.group(1).decode())
                    if row <= last_row and label(col) is not None:
                        formulas += 1
                        if formulas <= MAX_FORMULA_WARNINGS:
                            self.warn(FORMULA_CELL, "公式没有保存计算结果，按空值处理；请在 Excel 中打开并保存后再导入",
                                      row, label(col))
                if not chunk:
                    break
                chunk = fh.read(1 << 20)
        if formulas > MAX_FORMULA_WARNINGS:
            self.warn(FORMULA_CELL, f"另有 {formulas - MAX_FORMULA_WARNINGS} 个公式单元格没有保存计算结果")
        for m in re.finditer(rb"<" + ns + rb'mergeCell\s[^>]*?ref="([A-Za-z]+\d+:[A-Za-z]+\d+)"', part):
            ref = m.group(1).decode()
            min_col, min_row, _max_col, _max_row = range_boundaries(ref)
            if min_row <= last_row and label(min_col) is not None:
                self.warn(MERGED_CELLS, f"存在合并单元格 {ref}；请取消合并，并在每一行填写完整内容",
                          min_row, label(min_col), ref, "error")
