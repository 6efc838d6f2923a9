"""The import template and the bank export: one xlsx layout that the importer reads back unchanged."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.importer import PREFERRED_SHEET
from question_bank.models import Category, Question, QuestionVersion
from question_bank.safe_cells import safe_row
from question_bank.types import LETTERS, QUESTION_TYPES

SHEET = PREFERRED_SHEET
OPTION_HEADERS = [f"选项{letter}" for letter in LETTERS]
HEADERS = ["题型*", "题干*", *OPTION_HEADERS, "答案*", "解析", "难度", "分类", "知识点/标签", "外部ID", "来源"]
TYPE_LABELS = [QUESTION_TYPES[name].label for name in ("single", "multiple", "judge", "fill")]
DIFFICULTIES = ["1", "2", "3", "4", "5"]
VALIDATED_ROWS = 5000  # dropdowns cover this many data rows beyond the last one written
_WIDTHS = {"题型*": 8, "题干*": 48, "答案*": 10, "解析": 36, "难度": 6, "分类": 18, "知识点/标签": 18, "外部ID": 12,
           "来源": 12}

EXAMPLES: list[dict[str, Any]] = [
    {"type": "single", "stem": "水在标准大气压下的沸点是多少摄氏度？", "options": ["90", "100", "110", "120"],
     "answer": "B", "explanation": "标准大气压下纯水的沸点为 100 ℃。", "difficulty": 1, "category": "示例/常识",
     "tags": ["物理", "示例"]},
    {"type": "multiple", "stem": "下列哪些属于金属材料？", "options": ["铜", "玻璃", "铝合金", "不锈钢"],
     "answer": ["A", "C", "D"], "explanation": "玻璃是无机非金属材料，其余都是金属材料。", "difficulty": 2,
     "category": "示例/材料", "tags": ["材料", "示例"]},
    {"type": "judge", "stem": "5G 是第五代移动通信技术的简称。", "options": [], "answer": True,
     "explanation": "5G 即第五代移动通信技术。", "difficulty": 1, "category": "示例/通信", "tags": ["5G", "示例"]},
    {"type": "fill", "stem": "我国面积最大的省级行政区是____，最长的河流是____。", "options": [],
     "answer": [["新疆", "新疆维吾尔自治区"], ["长江"]], "explanation": "同一空的多个可接受答案用 ; 分隔，各空之间用 | 分隔。",
     "difficulty": 2, "category": "示例/地理", "tags": ["地理", "示例"]},
]
NOTES = [
    "填写说明",
    "1. 带 * 的列必填；第 1 行表头请勿修改，数据从第 2 行开始，示例行可删除。",
    "2. 题型：单选 / 多选 / 判断 / 填空（可从下拉列表选择）。",
    "3. 选项从选项A开始连续填写，选择题至少 2 个选项，最多 8 个（选项A…选项H）。",
    "4. 答案：单选填一个字母，如 B；多选填多个字母，如 ACD 或 A,C,D；判断填 对 / 错。",
    "5. 填空：题干中用 ____（两个以上下划线）或（ ）表示空；答案各空之间用 | 分隔，同一空的多个可接受答案用 ; 分隔，"
    "如 北京;北京市|上海。",
    "6. 难度：1（易）到 5（难），不填按 3 处理；分类用 / 表示层级，如 安全生产/消防；知识点/标签 用顿号或逗号分隔。",
    "7. 外部ID 可选：填写后再次导入同一 外部ID 会更新该题，而不是新增。",
]


def answer_text(type_name: str, answer: Any) -> str:
    """A canonical answer spelled the way the importer reads it: "B", "ACD", "对"/"错", "a;b|c"."""
    if type_name == "single":
        return str(answer)
    if type_name == "multiple":
        return "".join(answer)
    if type_name == "judge":
        return "对" if answer else "错"
    return "|".join(";".join(blank) for blank in answer)


def _row(type_name: str, stem: str, options: Sequence[str], answer: Any, explanation: str | None,
         difficulty: int, category: str, tags: Iterable[str], external_id: str | None,
         source: str | None) -> list[Any]:
    padded = list(options) + [None] * (len(LETTERS) - len(options))
    return [QUESTION_TYPES[type_name].label, stem, *padded, answer_text(type_name, answer), explanation or None,
            difficulty, category or None, "、".join(tags) or None, external_id or None, source or None]


def _sheet(wb: Workbook, rows: list[list[Any]]) -> Worksheet:
    """The 题库 sheet: bold header, widths, frozen header row, dropdowns for 题型 and 难度."""
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADERS)
    for row in rows:
        ws.append(safe_row(ws, row))  # a stem "=…" or "-…" stays text and imports back unchanged
    for i, header in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="FFFFFF" if header.endswith("*") else "000000")
        cell.fill = PatternFill("solid", fgColor="C0392B" if header.endswith("*") else "D9D9D9")
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(header, 14)
    for row in ws.iter_rows(min_row=2, max_col=len(HEADERS)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C2"
    last = len(rows) + 1 + VALIDATED_ROWS
    for header, values, title in (("题型*", TYPE_LABELS, "题型"), ("难度", DIFFICULTIES, "难度")):
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle=f"{title}无效", error=f"请从下拉列表中选择：{'、'.join(values)}",
                            promptTitle=title, prompt="、".join(values), showInputMessage=True)
        column = get_column_letter(HEADERS.index(header) + 1)
        dv.add(f"{column}2:{column}{last}")
        ws.add_data_validation(dv)
    return ws


def _save(wb: Workbook, out: str | os.PathLike | IO[bytes]) -> None:
    wb.save(out)  # openpyxl accepts a path or a binary file object


def write_template(out: str | os.PathLike | IO[bytes]) -> None:
    """Write the import template: the 题库 sheet with dropdowns and one example of each type, plus notes."""
    wb = Workbook()
    rows = [_row(e["type"], e["stem"], e["options"], e["answer"], e["explanation"], e["difficulty"], e["category"],
                 e["tags"], None, None) for e in EXAMPLES]
    _sheet(wb, rows)
    notes = wb.create_sheet("填写说明")
    for line in NOTES:
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    notes.column_dimensions["A"].width = 110
    _save(wb, out)


def category_paths(session: Session) -> dict[int, str]:
    """Every category id → its path of names joined by "/"."""
    nodes = {c.id: c for c in session.scalars(select(Category))}
    paths: dict[int, str] = {}
    for cid, node in nodes.items():
        ids = [int(part) for part in node.path.strip("/").split("/") if part] or [cid]
        paths[cid] = "/".join(nodes[i].name for i in ids if i in nodes)
    return paths


def bank_rows(session: Session) -> list[list[Any]]:
    """The current version of every question not retired, as template rows, in question order."""
    paths = category_paths(session)
    query = (select(Question, QuestionVersion)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .where(Question.status != "retired").order_by(Question.id))
    return [_row(v.type, v.stem, v.options or [], v.answer, v.explanation, v.difficulty,
                 paths.get(v.category_id or 0, ""), v.tags or [], q.external_id, v.source)
            for q, v in session.execute(query)]


def write_rows(rows: list[list[Any]], out: str | os.PathLike | IO[bytes]) -> None:
    """Write rows (in HEADERS order) as the 题库 sheet of the template layout."""
    wb = Workbook()
    _sheet(wb, rows)
    _save(wb, out)


def export_bank(session: Session, out: str | os.PathLike | IO[bytes]) -> int:
    """Write every question not retired (current version) in the template layout; returns how many."""
    rows = bank_rows(session)
    write_rows(rows, out)
    return len(rows)
