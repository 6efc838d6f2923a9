"""Generic table reader for .xlsx/.csv/.tsv uploads: headers matched to fields, rows as canonical text.

Plain Python (no Flask, no SQLAlchemy): used by the question importer and by PK Arena's member import.
Worksheet-level .xlsx inspection (sheet choice, cell values, formulas, merged cells) is in question_bank.xlsx_sheet.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from question_bank.safe_cells import safe_row
from question_bank.xlsx_sheet import SheetScan, cell_text, choose_sheet, scan_sheet_xml

# Stable problem codes: the JSON report, the CLI and the callers' tests rely on them.
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
MAX_INFLATED = 128 * 1024 * 1024  # 20,000 rows of sheet XML stay far below this; a zip bomb does not
DAMAGED = "文件已损坏或不是有效的 .xlsx 工作簿，无法打开；请在 Excel 中重新另存为 .xlsx 后再导入"
ENCODING_HINT = "无法识别文件的文字编码；请在 Excel 中「另存为 → CSV UTF-8（逗号分隔）」后再导入"

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u202f\u3000"))
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Problem:
    """One line of an import report; ``row`` as Excel shows it, ``column`` as the file spells it."""

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
        """Code of the problem that stopped the read (the last one)."""
        return self.problems[-1].code


@dataclass(frozen=True)
class Field:
    """A column the caller expects, with every header spelling it accepts."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    prefix: bool = False  # header "<alias><1-3 letters/digits>" (选项A, Option b) -> field "<name>_<SUFFIX>"


@dataclass(frozen=True)
class _Context:
    file: str
    sheet: str
    labels: dict[str, str]  # field -> header text as in the file (first alias when the column is absent)


@dataclass
class Row:
    """One data row; ``cells`` maps field names to trimmed cell text, ``raw`` keeps every cell in order."""

    number: int
    cells: dict[str, str]
    raw: list[str]
    _ctx: _Context | None = field(default=None, repr=False, compare=False)

    def get(self, name: str) -> str:
        """Cell text of a field, "" when empty or absent."""
        return self.cells.get(name, "")

    def problem(self, code: str, field: str | None, message: str, value: str | None = None,
                severity: str = "error") -> Problem:
        """A Problem at this row and field's column; "第 N 行「列」列：" is put before ``message``."""
        ctx = self._ctx or _Context("", "", {})
        column = None if field is None else ctx.labels.get(field, field)
        return Problem(ctx.file, ctx.sheet, self.number, column, code, value,
                       _where(self.number, column) + message, severity)


@dataclass
class Table:
    """A sheet read from a file: headers, matched columns, non-blank rows and reading problems."""

    file: str
    sheet: str
    headers: list[str]
    columns: dict[str, int]
    rows: list[Row]
    problems: list[Problem]


def normalize_header(text: str) -> str:
    """Key for header matching: NFKC, invisible characters and all whitespace removed, casefolded."""
    key = _SPACES.sub("", unicodedata.normalize("NFKC", text.translate(_INVISIBLE))).casefold()
    return unicodedata.normalize("NFKC", key)  # again: removing spaces and casefolding can denormalize


def match_key(text: str) -> str:
    """Key for comparing values (never stored): NFKC, invisible characters removed, LF newlines, trimmed."""
    # NBSP and U+3000 go before NFKC, which would otherwise turn them into ordinary spaces.
    key = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    return key.replace("\r\n", "\n").replace("\r", "\n").strip()


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    """Decode CSV bytes: BOM → strict UTF-8 → GB18030 → charset-normalizer, else ENCODING_UNKNOWN."""
    fail = TableError([Problem(filename, "", None, None, ENCODING_UNKNOWN, None, ENCODING_HINT)])
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding + ("-sig" if encoding == "utf-8" else "")
            except UnicodeDecodeError:
                raise fail from None
    # A NUL never appears in a real text table: a decoding that yields one means a binary file.
    for encoding in ("utf-8", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text, encoding
    from charset_normalizer import from_bytes  # lazily: only unusual files get this far

    best = from_bytes(data).best()
    if best is not None and best.chaos <= 0.2 and "\x00" not in str(best):
        return str(best), best.encoding
    raise fail


def read_table(path_or_bytes: str | os.PathLike | bytes | IO[bytes], filename: str, fields: list[Field], *,
               preferred_sheet: str | None = None, max_rows: int = 20000, max_bytes: int = 10 * 1024 * 1024,
               on_progress: Callable[[int, int], None] | None = None) -> Table:
    """Read one sheet of an .xlsx/.csv/.tsv file into a Table, or raise TableError for the whole file."""
    ext = Path(filename).suffix.lower()
    reader = _Reader(filename, fields, max_rows, on_progress)
    if ext not in (".xlsx", ".csv", ".tsv"):
        what = "旧版 .xls 格式不支持，请在 Excel 中另存为 .xlsx" if ext == ".xls" else f"不支持的文件类型「{ext or '无扩展名'}」"
        raise reader.fail(FILE_TYPE, f"{what}；请上传 .xlsx、.csv 或 .tsv 文件")
    limit = f"{max_bytes / 1024 / 1024:g} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} 字节"
    if isinstance(path_or_bytes, str | os.PathLike):
        size = os.path.getsize(path_or_bytes)  # refuse an oversized file before reading it into memory
        data = Path(path_or_bytes).read_bytes() if size <= max_bytes else b""
    elif isinstance(path_or_bytes, bytes | bytearray | memoryview):
        data = bytes(path_or_bytes)
        size = len(data)
    else:
        data = path_or_bytes.read(max_bytes + 1)  # one byte over the limit is enough to refuse
        size = len(data)
    if size > max_bytes:
        raise reader.fail(FILE_TOO_LARGE, f"文件超过大小上限 {limit}，请拆分后再导入")
    return reader.xlsx(data, preferred_sheet) if ext == ".xlsx" else reader.text(data, ext)


def write_sheet_with_reasons(table: Table, problems: list[Problem],
                             out_path_or_stream: str | os.PathLike | IO[bytes]) -> None:
    """Write the sheet back as .xlsx: original headers and rows plus a last column 错误原因."""
    from openpyxl import Workbook

    numbers = {r.number for r in table.rows}
    reasons: dict[int, list[str]] = {}
    for p in problems:
        if p.row in numbers:  # the line implies the row, so "第 N 行" is dropped from the message
            text = p.message.removeprefix(f"第 {p.row} 行").lstrip("：")
            reasons.setdefault(p.row, []).append(text or p.message)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "_", table.sheet)[:31].strip("'") or "Sheet1")

    def line(values: Iterable[str]) -> list[Any]:
        return safe_row(ws, values)  # text stays text (no formulas), minus characters openpyxl refuses

    width = max([len(table.headers), *(len(r.raw) for r in table.rows)])
    ws.append(line([*table.headers, *[""] * (width - len(table.headers)), REASON_HEADER]))
    for r in table.rows:
        ws.append(line([*r.raw, *[""] * (width - len(r.raw)), "；".join(reasons.get(r.number, []))]))
    other = [p for p in problems if p.row not in numbers]
    if other:  # header and file problems have no data row to sit on
        extra = wb.create_sheet("其他问题")
        extra.append(["行", "列", "代码", "值", REASON_HEADER])
        for p in other:
            extra.append(line([str(p.row or ""), p.column or "", p.code, p.value or "", p.message]))
    wb.save(out_path_or_stream)


def _where(row: int | None, column: str | None) -> str:
    if row is None:
        return f"「{column}」列：" if column else ""
    return f"第 {row} 行「{column}」列：" if column else f"第 {row} 行："


class _Reader:
    """State of one read_table call: the file name, the alias map and the problems found so far."""

    def __init__(self, filename: str, fields: list[Field], max_rows: int,
                 on_progress: Callable[[int, int], None] | None) -> None:
        self.filename, self.fields, self.max_rows, self.on_progress = filename, fields, max_rows, on_progress
        self.problems: list[Problem] = []
        self.sheet = ""
        self.aliases: dict[str, Field] = {}
        for f in fields:
            for alias in f.aliases:
                if self.aliases.setdefault(normalize_header(alias), f) is not f:
                    raise ValueError(f"alias {alias!r} is used by two fields")

    def fail(self, code: str, message: str) -> TableError:
        fatal = Problem(self.filename, self.sheet, None, None, code, None, message)
        return TableError([*self.problems, fatal])

    def add(self, code: str, message: str, row: int | None, column: str | None, value: str | None = None,
            severity: str = "warning", sheet: str | None = None) -> None:
        self.problems.append(Problem(self.filename, self.sheet if sheet is None else sheet, row, column, code,
                                     value, _where(row, column) + message, severity))

    def text(self, data: bytes, ext: str) -> Table:
        self.sheet = Path(self.filename).stem  # what Excel names the sheet when it opens a CSV
        if data.startswith((b"PK\x03\x04", OLE2_MAGIC)):
            raise self.fail(FILE_TYPE, f"文件扩展名是 {ext}，但内容是 Excel 工作簿；请上传 .xlsx 文件或另存为 CSV")
        try:
            text, _encoding = decode_text(data, self.filename)
        except TableError:
            raise self.fail(ENCODING_UNKNOWN, ENCODING_HINT) from None  # same problem, naming the sheet
        delimiter, first = ("\t" if ext == ".tsv" else ","), text.split("\n", 1)[0]
        if ext == ".csv" and "," not in first:  # Excel in some locales writes ";", some tools tabs
            delimiter = max(";\t", key=first.count) if first.count(";") or first.count("\t") else ","
        try:
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:  # e.g. a field over the csv module's size limit
            raise self.fail(FILE_TYPE, f"CSV 格式错误，无法读取：{exc}") from exc
        return self.build(iter(records), len(records) - 1, stripped=False)

    def xlsx(self, data: bytes, preferred: str | None) -> Table:
        if data.startswith(OLE2_MAGIC):  # Excel wraps a password-protected .xlsx in an OLE2 container
            raise self.fail(FILE_ENCRYPTED, "文件已加密（设置了打开密码）或是旧版 .xls 格式，无法读取；"
                            "请在 Excel 中取消密码并另存为 .xlsx 后再导入")
        from openpyxl import load_workbook

        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            inflated = sum(i.file_size for i in archive.infolist())
        except zipfile.BadZipFile as exc:
            raise self.fail(FILE_TYPE, DAMAGED) from exc
        with archive:
            if inflated > MAX_INFLATED:
                raise self.fail(FILE_TOO_LARGE, "文件解压后过大，请删除无关的工作表或拆分后再导入")
            try:
                wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            except Exception as exc:  # openpyxl raises many exception types for malformed parts
                raise self.fail(FILE_TYPE, DAMAGED) from exc
            try:
                ws = self.pick_sheet(wb.worksheets, preferred)
                hint = max((ws.max_row or 1) - 1, 0)  # from <dimension>, which may be wrong: progress only
                ws.reset_dimensions()  # some writers store a wrong <dimension>; read every cell there is
                rows = ws.iter_rows(values_only=True)
                first = next(rows, None)
                # The header keeps its exact text: the report names columns as the file spells them.
                head = [] if first is None else [[v if type(v) is str else cell_text(v) for v in first]]
                table = self.build(itertools.chain(head, ([cell_text(v) for v in r] for r in rows)), hint, True)
                path = ws._worksheet_path.lstrip("/")
            finally:
                wb.close()
            scan = scan_sheet_xml(archive, path, table.rows[-1].number, len(table.headers), MAX_FORMULA_WARNINGS)
        self.report_scan(scan, table.headers)
        return table

    def pick_sheet(self, sheets: list[Any], preferred: str | None) -> Any:
        ws, skipped = choose_sheet(sheets, preferred)
        if ws is None:
            raise self.fail(NO_DATA_SHEET, "工作簿中没有可见的工作表")
        self.sheet = ws.title
        for title in skipped:
            self.add(HIDDEN_SHEET_IGNORED, f"工作表「{title}」已隐藏，已忽略；读取的是「{ws.title}」",
                     None, None, sheet=title)
        return ws

    def build(self, records: Iterator[list[str]], total: int, stripped: bool) -> Table:
        headers = next(records, None)
        if headers is None:
            raise self.fail(NO_DATA_SHEET, f"工作表「{self.sheet}」是空的，没有表头和数据")
        while headers and not headers[-1].strip():
            headers.pop()
        if not headers:
            raise self.fail(HEADER_MISSING, "第 1 行应为表头（列名），但它是空的")
        columns, labels = self.match_headers(headers)
        ctx, width, items = _Context(self.filename, self.sheet, labels), len(headers), list(columns.items())
        rows: list[Row] = []
        for number, values in enumerate(records, start=2):
            if not stripped:
                values = [v.strip() for v in values]
            if not any(values):
                continue
            if len(values) < width:
                values += [""] * (width - len(values))
            while len(values) > width and not values[-1]:  # styled blanks past the last column
                values.pop()
            rows.append(Row(number, {name: values[i] for name, i in items}, values, ctx))
            if len(rows) > self.max_rows:
                raise self.fail(FILE_TOO_LARGE, f"数据行数超过上限 {self.max_rows} 行，请拆分成多个文件导入")
            if self.on_progress and len(rows) % PROGRESS_EVERY == 0:
                self.on_progress(len(rows), total)
        if self.on_progress:
            self.on_progress(len(rows), len(rows))
        if not rows:
            raise self.fail(NO_DATA_SHEET, f"工作表「{self.sheet}」只有表头，没有数据行")
        from openpyxl.utils import get_column_letter

        for i in range(max(len(r.raw) for r in rows)):  # data under no header would vanish silently
            if (i >= width or not headers[i].strip()) and any(len(r.raw) > i and r.raw[i] for r in rows):
                self.add(UNKNOWN_HEADER, f"第 {get_column_letter(i + 1)} 列有内容但没有列名，该列将被忽略", 1, None)
        return Table(self.filename, self.sheet, headers, columns, rows, self.problems)

    def match_headers(self, headers: list[str]) -> tuple[dict[str, int], dict[str, str]]:
        columns: dict[str, int] = {}
        labels = {f.name: f.aliases[0] for f in self.fields}
        for index, text in enumerate(headers):
            key = normalize_header(text).strip("*")  # templates mark required columns with "*"
            if not key or text.strip() == REASON_HEADER:  # our write-back column, re-uploaded
                continue
            name = self.field_for(key)
            if name is None:
                self.add(UNKNOWN_HEADER, "无法识别的列名，该列将被忽略", 1, text, text)
            elif name in columns:
                self.add(HEADER_DUPLICATE, f"与「{headers[columns[name]]}」列重复，只能保留一列", 1, text, text,
                         "error")
            else:
                columns[name], labels[name] = index, text
        for f in self.fields:
            found = any(c == f.name or (f.prefix and c.startswith(f.name + "_")) for c in columns)
            if f.required and not found:
                self.problems.append(Problem(self.filename, self.sheet, 1, f.aliases[0], HEADER_MISSING, None,
                                             f"第 1 行（表头）缺少必填列「{f.aliases[0]}」"))
        return columns, labels

    def field_for(self, key: str) -> str | None:
        if key in self.aliases:
            return self.aliases[key].name
        for alias, f in self.aliases.items():
            suffix = key.removeprefix(alias)
            if f.prefix and alias and suffix != key and len(suffix) <= 3 and suffix.isalnum():
                return f"{f.name}_{suffix.upper()}"
        return None

    def report_scan(self, scan: SheetScan, headers: list[str]) -> None:
        """Turn the sheet-XML facts into warnings (formulas) and errors (merged cells) on their header's column."""
        for row, col in scan.formulas:
            self.add(FORMULA_CELL, "公式没有保存计算结果，按空值处理；请在 Excel 中打开并保存后再导入", row, headers[col - 1])
        if scan.formula_count > MAX_FORMULA_WARNINGS:
            self.add(FORMULA_CELL, f"另有 {scan.formula_count - MAX_FORMULA_WARNINGS} 个公式单元格没有保存计算结果",
                     None, None)
        for ref, row, col in scan.merged:
            self.add(MERGED_CELLS, f"存在合并单元格 {ref}；请取消合并，并在每一行填写完整内容", row, headers[col - 1], ref,
                     "error")
