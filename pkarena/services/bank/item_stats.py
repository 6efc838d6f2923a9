"""Item statistics for organizers: the answer log → per-question statistics → table rows and an xlsx export."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from question_bank.answers import load_responses
from question_bank.models import Category, Question, QuestionVersion
from question_bank.safe_cells import safe_row
from question_bank.stats import ItemStats, Response, choice_label, cronbach_alpha, item_statistics

MIN_SET_ATTEMPTS = 2  # Cronbach's α needs at least two attempts at the same fixed set


@dataclass(frozen=True)
class ItemRow:
    """One question of the statistics table: its current version's text and the statistics of every version."""

    question_id: int
    type: str
    stem: str
    category: str
    status: str
    answer_label: str
    option_labels: list[str]
    attempts: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None
    random_guess: float | None
    median_ms: float | None
    flags: list[str]
    option_distribution: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FixedSet:
    """Questions answered together by several attempts (e.g. one live round) and their Cronbach's α."""

    question_ids: tuple[int, ...]
    attempts: int
    alpha: float | None


@dataclass
class StatsReport:
    """The statistics page's content: rows, filters applied and the fixed sets found."""

    rows: list[ItemRow]
    since: datetime | None
    category_id: int | None
    type_name: str | None
    fixed_sets: list[FixedSet]

    @property
    def flagged(self) -> int:
        """How many rows carry at least one flag."""
        return sum(1 for r in self.rows if r.flags)


def category_paths(session: Session) -> dict[int, tuple[str, str]]:
    """Every category id → (id path like "/1/4/", names joined as "a/b")."""
    nodes = {c.id: c for c in session.scalars(select(Category))}
    out = {}
    for cid, c in nodes.items():
        ids = [int(part) for part in c.path.strip("/").split("/") if part] or [cid]
        out[cid] = (c.path, "/".join(nodes[i].name for i in ids if i in nodes))
    return out


def _options(version: QuestionVersion) -> list[str]:
    """The answer labels a player can give, in order, so the distribution shows options nobody chose."""
    if version.type == "single":
        return [chr(ord("A") + i) for i in range(len(version.options or []))]
    if version.type == "judge":
        return ["对", "错"]
    return []


def _row(version: QuestionVersion, question: Question, category: str, stats: ItemStats | None) -> ItemRow:
    answer = version.answer
    if version.type == "fill":
        answer = ["；".join(blank) for blank in answer]  # the first row of alternatives would hide the others
    return ItemRow(
        question.id, version.type, version.stem, category, question.status, choice_label(answer), _options(version),
        stats.attempts if stats else 0, stats.facility if stats else None, stats.sd if stats else None,
        stats.discrimination if stats else None, stats.discriminative_efficiency if stats else None,
        stats.random_guess if stats else None, stats.median_ms if stats else None,
        list(stats.flags) if stats else [], dict(stats.option_distribution) if stats else {})


def fixed_sets(responses: list[Response], limit: int = 5) -> list[FixedSet]:
    """Question sets answered in full by ≥ 2 attempts, most played first, each with Cronbach's α."""
    marks: dict[Hashable, dict[Hashable, float]] = defaultdict(dict)
    for r in responses:
        marks[r.attempt][r.item] = r.mark
    by_set: dict[tuple, list[dict[Hashable, float]]] = defaultdict(list)
    for items in marks.values():
        if len(items) >= 2:
            by_set[tuple(sorted(items, key=str))].append(items)
    sets = [(key, attempts) for key, attempts in by_set.items() if len(attempts) >= MIN_SET_ATTEMPTS]
    sets.sort(key=lambda s: (-len(s[1]), s[0]))
    return [FixedSet(tuple(int(i) for i in key), len(attempts),
                     cronbach_alpha([[a[i] for i in key] for a in attempts])) for key, attempts in sets[:limit]]


def item_report(session: Session, *, since: datetime | None = None, category_id: int | None = None,
                type_name: str | None = None) -> StatsReport:
    """Statistics of every question (filtered by category subtree and type) from answers given since ``since``."""
    # Statistics use every answer of the period, whatever the filter: an attempt's total (the basis of
    # discrimination) must include all the questions of that match, not only the ones shown.
    responses = load_responses(session, since=since)
    questions = session.execute(
        select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .order_by(Question.id)).all()
    kinds = {q.id: (v.type, len(v.options or [])) for q, v in questions}
    stats = item_statistics(responses, kinds)
    paths = category_paths(session)
    prefix = paths[category_id][0] if category_id in paths else None
    rows = []
    for question, version in questions:
        path, name = paths.get(version.category_id or 0, ("", ""))
        if category_id is not None and (prefix is None or not path.startswith(prefix)):
            continue
        if type_name is not None and version.type != type_name:
            continue
        rows.append(_row(version, question, name, stats.get(question.id)))
    shown = {r.question_id for r in rows}
    sets = [s for s in fixed_sets(responses) if shown.issuperset(s.question_ids)]
    return StatsReport(rows, since, category_id, type_name, sets)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class ExportText:
    """The export's words, translated by the caller (services stay free of Flask and its locale)."""

    sheet: str
    title: str
    generated: str  # "生成于 {at}"
    since: str  # "统计起始 {since}"
    everything: str
    alpha_undefined: str
    fixed_set: str  # "固定题组：题目 {ids}"
    set_attempts: str  # "{n} 次完整作答"
    no_fixed_set: str
    columns: tuple[str, ...]
    types: dict[str, str]
    flags: dict[str, str]
    statuses: dict[str, str]


def export_row(r: ItemRow, text: ExportText) -> list[Any]:
    """One xlsx row: every statistic of a question and its flags."""
    dist = "；".join(f"{label}: {count}" for label, count in r.option_distribution.items())
    return [r.question_id, text.types.get(r.type, r.type), r.category, text.statuses.get(r.status, r.status), r.stem,
            r.answer_label, r.attempts, _pct(r.facility), _round(r.sd), _round(r.discrimination), _pct(r.efficiency),
            _pct(r.random_guess), None if r.median_ms is None else round(r.median_ms / 1000, 2), dist,
            "；".join(text.flags.get(f, f) for f in r.flags)]


def export_xlsx(report: StatsReport, generated_at: str, text: ExportText) -> bytes:
    """The report as an .xlsx: a title block with the fixed sets' Cronbach's α, then one row per question."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = text.sheet
    sheet.append([text.title, text.generated.format(at=generated_at),
                  text.since.format(since=report.since.isoformat()) if report.since else text.everything])
    sheet["A1"].font = Font(bold=True, size=14)
    for s in report.fixed_sets:
        sheet.append(["Cronbach's α", text.alpha_undefined if s.alpha is None else round(s.alpha, 4),
                      text.fixed_set.format(ids=", ".join(map(str, s.question_ids))),
                      text.set_attempts.format(n=s.attempts)])
    if not report.fixed_sets:
        sheet.append(["Cronbach's α", text.no_fixed_set])
    sheet.append([])
    sheet.append(list(text.columns))
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
    for r in report.rows:
        sheet.append(safe_row(sheet, export_row(r, text)))  # stems, categories: user text stays text
    sheet.freeze_panes = sheet.cell(row=header + 1, column=1)
    for i, width in enumerate((9, 6, 18, 8, 50, 12, 9, 10, 9, 9, 11, 12, 12, 24, 30)):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def chart_data(rows: list[ItemRow]) -> dict[str, Any]:
    """The page's chart inputs: scatter points (facility, discrimination) and each question's answer counts."""
    points = [{"id": r.question_id, "value": [round(r.facility, 4), round(r.discrimination, 4)],
               "stem": r.stem[:120], "flagged": bool(r.flags)}
              for r in rows if r.facility is not None and r.discrimination is not None]
    bars = {}
    for r in rows:
        if r.attempts:
            labels = r.option_labels + [label for label in r.option_distribution if label not in r.option_labels]
            bars[str(r.question_id)] = {"labels": labels, "counts": [r.option_distribution.get(x, 0) for x in labels],
                                        "answer": r.answer_label, "stem": r.stem[:120]}
    return {"points": points, "bars": bars}
