"""The organizer's question import: a dry-run preview, then the real import in a background task with progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from pkarena.services import audit
from pkarena.services.background import StoredTasks
from pkarena.store import keys
from pkarena.store.base import Store
from question_bank.export import answer_text
from question_bank.importer import ImportReport, import_file
from question_bank.rows import option_columns, parse_row
from question_bank.tabular import Table
from question_bank.types import QUESTION_TYPES

log = logging.getLogger(__name__)
PREVIEW_ROWS = 20
MAX_STORED_ERRORS = 200  # the result page lists at most this many; the count is always complete
TASKS = StoredTasks(keys.qb_import_progress_key, keys.QB_IMPORT_PROGRESS_TTL)


@dataclass
class PreviewRow:
    """One row of the preview, as the importer understands it (raw cells when the row is invalid)."""

    number: int
    type: str
    stem: str
    options: list[str]
    answer: str
    difficulty: str
    category: str
    ok: bool


def dry_run(session, path: Path, filename: str, max_rows: int) -> ImportReport:
    """Validate a file against the bank without writing anything."""
    return import_file(session, path, filename, dry_run=True, max_rows=max_rows)


def preview_rows(table: Table | None, limit: int = PREVIEW_ROWS) -> list[PreviewRow]:
    """The first ``limit`` rows: parsed values for valid rows, the cells as typed for the others."""
    if table is None:
        return []
    letters = option_columns(table.columns)
    out = []
    for row in table.rows[:limit]:
        draft, _problems = parse_row(row, letters)
        if draft is not None:
            out.append(PreviewRow(row.number, QUESTION_TYPES[draft.type].label, draft.stem, draft.options,
                                  answer_text(draft.type, draft.answer), str(draft.difficulty),
                                  "/".join(draft.category), True))
        else:
            options = [row.get(name) for name in letters.values() if row.get(name)]
            out.append(PreviewRow(row.number, row.get("type"), row.get("stem"), options, row.get("answer"),
                                  row.get("difficulty"), row.get("category"), False))
    return out


def progress(store: Store, token: str) -> dict[str, Any] | None:
    """The progress or outcome of the import started for ``token`` (None: unknown or expired)."""
    return TASKS.progress(store, token)


def start(app: Flask, store: Store, token: str, path: Path, filename: str, actor_id: int, max_rows: int) -> bool:
    """Start the real import in a background task; False when this upload's import was already started."""
    first = {"state": "running", "phase": "read", "done": 0, "total": 0, "actor": actor_id, "file": filename}
    return TASKS.start(store, token, first, _run, app, store, token, path, filename, actor_id, max_rows)


def wait(token: str, timeout: float | None = None) -> None:
    """Block until the import of ``token`` has finished (no-op when none is running here)."""
    TASKS.wait(token, timeout)


def _run(app: Flask, store: Store, token: str, path: Path, filename: str, actor_id: int, max_rows: int) -> None:
    """Import all-or-nothing in one transaction, writing progress to the Store; the outcome is stored last."""
    base = {"actor": actor_id, "file": filename}

    def on_progress(phase: str, done: int, total: int) -> None:
        TASKS.report(store, token, {**base, "state": "running", "phase": phase, "done": done, "total": total})

    outcome: dict[str, Any] = {**base, "state": "failed", "message": "导入时发生内部错误，题库未做任何改动，请稍后重试"}
    try:
        with app.app_context():
            db, clock = app.extensions["pkarena.db"], app.extensions["pkarena.clock"]
            with db.new_session() as session:
                # Added before the import: committed with the questions, or rolled back with them.
                audit.record(session, clock, actor_id, "qb.import", "qb_import", token, file=filename)
                report = import_file(session, path, filename, max_rows=max_rows, on_progress=on_progress,
                                     now=clock.now())
                session.rollback()  # a rejected or unreadable file leaves nothing pending (a commit already happened)
            outcome = _outcome(base, report)
    except Exception:
        log.exception("question import %s failed", filename)
    finally:
        TASKS.report(store, token, outcome)
        path.unlink(missing_ok=True)
        TASKS.finished(token)


def _outcome(base: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    summary = report.as_json()
    if report.ok:
        return {**base, "state": "done", "created": report.created, "updated": report.updated,
                "skipped": report.skipped, "warnings": len(report.warnings)}
    return {**base, "state": "rejected", "error_count": len(report.errors),
            "errors": summary["errors"][:MAX_STORED_ERRORS]}
