"""Import questions from .xlsx/.csv/.tsv: validate every row, then write all of them in one transaction or none."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, selectinload

from question_bank.models import Category, Question, QuestionVersion
from question_bank.rows import FIELDS, Draft, near_key, option_columns, parse_row, version_key
from question_bank.tabular import (
    HEADER_MISSING,
    Problem,
    Table,
    TableError,
    match_key,
    read_table,
    write_sheet_with_reasons,
)

DUPLICATE_IN_FILE = "DUPLICATE_IN_FILE"
DUPLICATE_IN_BANK = "DUPLICATE_IN_BANK"
NEAR_DUPLICATE = "NEAR_DUPLICATE"
PREFERRED_SHEET = "题库"
DEFAULT_MAX_ROWS = 20000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 500
JSON_KEYS = ("file", "sheet", "row", "column", "code", "value", "message")

Progress = Callable[[str, int, int], None]  # (phase "read" | "save", done, total)


@dataclass
class ImportReport:
    """What an import did or would do; ``ok`` is False when any error was found (nothing was written)."""

    file: str
    ok: bool = False
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    table: Table | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        """The CLI/API shape of DESIGN §8: ok, created, updated, skipped, errors, warnings."""
        def rows(problems: list[Problem]) -> list[dict[str, Any]]:
            return [{k: getattr(p, k) for k in JSON_KEYS} for p in problems]

        return {"ok": self.ok, "dry_run": self.dry_run, "created": self.created, "updated": self.updated,
                "skipped": self.skipped, "errors": rows(self.errors), "warnings": rows(self.warnings)}

    def write_reasons(self, out: str | os.PathLike | IO[bytes]) -> bool:
        """Write the sheet back with a 错误原因 column; False when the file could not be read at all."""
        if self.table is None:
            return False
        write_sheet_with_reasons(self.table, self.errors + self.warnings, out)
        return True


@dataclass(frozen=True)
class _Banked:
    """What planning needs of a question already in the bank (read as plain columns, not ORM objects)."""

    id: int
    external_id: str | None
    content_hash: str
    current: tuple[Any, ...] | None  # version_key's arguments for the current version; None when it has none

    def version_key(self) -> str | None:
        """version_key of the current version (hashed only for the rows that compare it), None when it has none."""
        return None if self.current is None else version_key(*self.current)


@dataclass
class _Plan:
    """What to do with each valid row once the bank has been consulted."""

    create: list[Draft] = field(default_factory=list)
    update: list[tuple[Draft, int, bool]] = field(default_factory=list)  # question id; bool: needs a new version
    skipped: int = 0


def import_file(session: Session, path: str | os.PathLike | bytes | IO[bytes], filename: str, *,
                dry_run: bool = False, max_rows: int = DEFAULT_MAX_ROWS, max_bytes: int = DEFAULT_MAX_BYTES,
                on_progress: Progress | None = None, now: datetime | None = None) -> ImportReport:
    """Import a question file all-or-nothing: commit every row, or (errors or dry run) roll back and write nothing."""
    report = ImportReport(filename, dry_run=dry_run)
    read_progress = (lambda done, total: on_progress("read", done, total)) if on_progress else None
    try:
        table = read_table(path, filename, FIELDS, preferred_sheet=PREFERRED_SHEET, max_rows=max_rows,
                           max_bytes=max_bytes, on_progress=read_progress)
    except TableError as exc:
        _sort(report, exc.problems)
        return report
    report.table = table
    _sort(report, table.problems)
    if any(p.code == HEADER_MISSING for p in report.errors):  # every row would repeat the missing column
        return report
    drafts = _validate(table, report)
    plan = _plan(session, drafts, report)
    if report.errors:
        session.rollback()
        return report
    try:
        _write(session, plan, now or datetime.now(UTC), on_progress)
    except BaseException:
        session.rollback()
        raise
    report.created, report.updated, report.skipped = len(plan.create), len(plan.update), plan.skipped
    report.ok = True
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return report


def _sort(report: ImportReport, problems: Iterable[Problem]) -> None:
    for p in problems:
        (report.errors if p.severity == "error" else report.warnings).append(p)


def _validate(table: Table, report: ImportReport) -> list[Draft]:
    """Parse every row and find duplicates inside the file."""
    letters = option_columns(table.columns)
    drafts: list[Draft] = []
    by_hash: dict[str, int] = {}
    by_external: dict[str, int] = {}
    by_near: dict[str, int] = {}
    for row in table.rows:
        draft, problems = parse_row(row, letters)
        _sort(report, problems)
        if draft is None:
            continue
        first = by_hash.setdefault(draft.content_hash, row.number)
        if first != row.number:
            report.errors.append(row.problem(DUPLICATE_IN_FILE, "stem", f"与第 {first} 行是同一道题", draft.stem[:50]))
            continue
        if draft.external_id:
            first = by_external.setdefault(match_key(draft.external_id), row.number)
            if first != row.number:
                report.errors.append(row.problem(DUPLICATE_IN_FILE, "external_id", f"外部ID 与第 {first} 行重复",
                                                 draft.external_id))
                continue
        first = by_near.setdefault(draft.near_key, row.number)
        if first != row.number:
            report.warnings.append(row.problem(NEAR_DUPLICATE, "stem", f"题干与第 {first} 行几乎相同，请确认不是重复题",
                                               draft.stem[:50], "warning"))
        drafts.append(draft)
    return drafts


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def _banked(session: Session, condition: Any, paths: dict[int, tuple[str, ...]]) -> list[_Banked]:
    """Bank questions matching ``condition`` with the stored fields of their current version."""
    v = QuestionVersion
    query = (select(Question.id, Question.external_id, Question.content_hash, v.type, v.stem, v.options, v.answer,
                    v.explanation, v.difficulty, v.category_id, v.tags, v.source)
             .outerjoin(v, v.id == Question.current_version_id).where(condition))
    return [_Banked(qid, external_id, chash, None if type_name is None else (
                type_name, stem, options, answer, explanation, difficulty, paths.get(category_id or 0, ()), tags,
                source))
            for qid, external_id, chash, type_name, stem, options, answer, explanation, difficulty, category_id, tags,
            source in session.execute(query)]


def _by_external(session: Session, external_ids: list[str], loaded: dict[int, _Banked],
                 paths: dict[int, tuple[str, ...]]) -> dict[str, _Banked]:
    """External ID → bank question, reusing questions already read by content hash (a re-import finds each
    question both ways: reading it twice was a third of planning)."""
    # 外部ID is unique in the bank, so a question read by content hash is the only one with its 外部ID.
    known = {q.external_id: q for q in loaded.values() if q.external_id}
    found: list[tuple[str, int]] = []
    for chunk in _chunks([e for e in external_ids if e not in known]):
        found += session.execute(select(Question.external_id, Question.id).where(Question.external_id.in_(chunk)))
    for chunk in _chunks(sorted({qid for _e, qid in found if qid not in loaded})):
        loaded.update((q.id, q) for q in _banked(session, Question.id.in_(chunk), paths))
    return {**{e: known[e] for e in external_ids if e in known}, **{e: loaded[qid] for e, qid in found}}


def _plan(session: Session, drafts: list[Draft], report: ImportReport) -> _Plan:
    """Decide create / update / skip for each row against the bank; report duplicates in the bank."""
    # Plain columns, not ORM objects: a 10,000-row re-import spent most of its time building Question
    # objects and lazily loading each current version (one query per row) only to compare them.
    plan = _Plan()
    paths = _category_names(session)
    by_hash: dict[str, _Banked] = {}
    loaded: dict[int, _Banked] = {}
    for chunk in _chunks(sorted({d.content_hash for d in drafts})):
        for q in _banked(session, Question.content_hash.in_(chunk) & (Question.status != "retired"), paths):
            by_hash.setdefault(q.content_hash, q)
            loaded[q.id] = q
    by_external = _by_external(session, sorted({d.external_id for d in drafts if d.external_id}), loaded, paths)
    near: dict[str, int] | None = None  # read on the first row to create: a re-import creates none
    for d in drafts:
        row = d.source_row
        assert row is not None
        same = by_hash.get(d.content_hash)
        target = by_external.get(d.external_id or "")
        if same is not None and target is not None and same.id != target.id:
            report.errors.append(row.problem(DUPLICATE_IN_BANK, "stem", f"题库中已有相同的题目（编号 {same.id}），"
                                             f"外部ID 为「{same.external_id or '无'}」", d.stem[:50]))
        elif target is None and same is not None and d.external_id and same.external_id:
            report.errors.append(row.problem(DUPLICATE_IN_BANK, "external_id", f"题库中已有相同的题目（编号 {same.id}），"
                                             f"但外部ID 是「{same.external_id}」", d.external_id))
        elif target is not None or (same is not None and d.external_id):
            question = target or same
            assert question is not None
            changed = question.version_key() != d.version_key()
            if question.external_id != d.external_id or changed:
                plan.update.append((d, question.id, changed))
            else:
                plan.skipped += 1
        elif same is not None:
            plan.skipped += 1
        else:
            if near is None:
                near = _bank_near_keys(session)
            other = near.get(d.near_key)
            if other is not None:
                report.warnings.append(row.problem(NEAR_DUPLICATE, "stem", f"题干与题库中的题目（编号 {other}）几乎相同，"
                                                   "请确认不是重复题", d.stem[:50], "warning"))
            plan.create.append(d)
    return plan


def _category_names(session: Session) -> dict[int, tuple[str, ...]]:
    """Every category id → its path of names from the root."""
    rows = {c.id: c for c in session.scalars(select(Category))}
    names: dict[int, tuple[str, ...]] = {}
    for cid, c in rows.items():
        ids = [int(part) for part in c.path.strip("/").split("/") if part] or [cid]
        names[cid] = tuple(rows[i].name for i in ids if i in rows)
    return names


def _bank_near_keys(session: Session) -> dict[str, int]:
    """Loose stem key → question id, over the current versions of questions not retired."""
    query = (select(Question.id, QuestionVersion.stem)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .where(Question.status != "retired"))
    return {near_key(stem): qid for qid, stem in session.execute(query)}


class _Categories:
    """Category lookup by path of names, creating missing nodes on the fly."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.nodes = {(c.parent_id, match_key(c.name)): c for c in session.scalars(select(Category))}
        self.resolved: dict[tuple[str, ...], int | None] = {}  # most rows of a sheet share a few paths

    def resolve(self, names: tuple[str, ...]) -> int | None:
        if names not in self.resolved:
            self.resolved[names] = self._resolve(names)
        return self.resolved[names]

    def _resolve(self, names: tuple[str, ...]) -> int | None:
        parent: Category | None = None
        for name in names:
            key = (parent.id if parent else None, match_key(name))
            node = self.nodes.get(key)
            if node is None:
                node = Category(parent_id=key[0], name=name, path="", created_at=self.now)
                self.session.add(node)
                self.session.flush()
                node.path = f"{parent.path if parent else '/'}{node.id}/"
                self.nodes[key] = node
            parent = node
        return parent.id if parent else None


def _version_row(d: Draft, number: int, category_id: int | None, now: datetime) -> dict[str, Any]:
    return {"version": number, "type": d.type, "stem": d.stem, "options": d.options, "answer": d.answer,
            "explanation": d.explanation, "difficulty": d.difficulty, "category_id": category_id, "tags": d.tags,
            "source": d.source, "content_hash": d.content_hash, "created_at": now}


def _insert_questions(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert question rows; their new ids in the rows' order."""
    questions = Question.__table__
    if session.get_bind().dialect.name != "postgresql":
        return list(session.scalars(insert(questions).returning(questions.c.id, sort_by_parameter_order=True), rows))
    # The ids the column's default would draw, drawn first: an ordered RETURNING batch is one statement with
    # four placeholders per row that psycopg splits in Python (≈30% of writing); rows with ids go in pipelined.
    sequence = func.pg_get_serial_sequence(questions.name, questions.c.id.name)
    ids = sorted(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))))
    session.execute(insert(questions), [{"id": qid, **row} for qid, row in zip(ids, rows, strict=True)])
    return ids


def _create(session: Session, drafts: list[Draft], categories: _Categories, now: datetime) -> None:
    """Insert questions and their first versions in bulk (the unit of work is ~5× slower for 10,000 rows)."""
    category_ids = [categories.resolve(d.category) for d in drafts]
    # Core inserts on the tables: the ORM's bulk path only re-collects the same dicts per row (≈10% of writing).
    versions = QuestionVersion.__table__
    question_ids = _insert_questions(session, [{"external_id": d.external_id, "status": "active",
                                                "content_hash": d.content_hash, "created_at": now} for d in drafts])
    # Versions go in without RETURNING: psycopg then sends one prepared statement per row in a pipeline,
    # where a RETURNING batch is one huge statement whose 13 placeholders per row psycopg converts in
    # Python (≈60% of a 10,000-row import into PostgreSQL). One UPDATE then points each question at it.
    session.execute(insert(versions), [{"question_id": qid, **_version_row(d, 1, cid, now)}
                                       for d, qid, cid in zip(drafts, question_ids, category_ids, strict=True)])
    first = (select(QuestionVersion.id).where(QuestionVersion.question_id == Question.id, QuestionVersion.version == 1)
             .scalar_subquery())
    session.execute(update(Question).where(Question.id.in_(question_ids)).values(current_version_id=first),
                    execution_options={"synchronize_session": False})


def _write(session: Session, plan: _Plan, now: datetime, on_progress: Progress | None) -> None:
    """Apply the plan inside the session's transaction (the caller commits or rolls back)."""
    categories = _Categories(session, now)
    total, done = len(plan.create) + len(plan.update), 0
    for chunk in _chunks(plan.create):
        _create(session, chunk, categories, now)
        done += len(chunk)
        if on_progress:
            on_progress("save", done, total)
    questions: dict[int, Question] = {}
    for chunk in _chunks([question_id for _d, question_id, _changed in plan.update]):
        questions.update((q.id, q) for q in session.scalars(
            select(Question).options(selectinload(Question.versions)).where(Question.id.in_(chunk))))
    for d, question_id, changed in plan.update:
        question = questions[question_id]
        question.external_id = d.external_id
        if changed:
            number = max((v.version for v in question.versions), default=0) + 1
            version = QuestionVersion(**_version_row(d, number, categories.resolve(d.category), now))
            question.versions.append(version)
            question.current_version, question.content_hash = version, d.content_hash
        done += 1
    session.flush()
    if on_progress:
        on_progress("save", total, total)
