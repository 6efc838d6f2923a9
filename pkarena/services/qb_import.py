"""The organizer's question import: a dry-run preview, then the real import in a background task with progress."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask

from pkarena.extensions import socketio
from pkarena.services import audit
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
_TASKS: dict[str, Any] = {}  # token → running task (thread or greenlet), so tests and shutdown can join it


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
    return store.state_get(keys.qb_import_progress_key(token))


def start(app: Flask, store: Store, token: str, path: Path, filename: str, actor_id: int, max_rows: int) -> bool:
    """Start the real import in a background task; False when this upload's import was already started."""
    key = keys.qb_import_progress_key(token)
    first = {"state": "running", "phase": "read", "done": 0, "total": 0, "actor": actor_id, "file": filename}
    if not store.state_set_if_absent(key, first, keys.QB_IMPORT_PROGRESS_TTL):
        return False
    _TASKS[token] = socketio.start_background_task(_run, app, store, token, path, filename, actor_id, max_rows)
    if (progress(store, token) or {}).get("state") != "running":  # it finished before we remembered it
        _TASKS.pop(token, None)
    return True


def wait(token: str, timeout: float | None = None) -> None:
    """Block until the import of ``token`` has finished (no-op when none is running here)."""
    task = _TASKS.get(token)
    if task is not None:
        task.join(timeout)


def _run(app: Flask, store: Store, token: str, path: Path, filename: str, actor_id: int, max_rows: int) -> None:
    """Import all-or-nothing in one transaction, writing progress to the Store; the outcome is stored last."""
    key = keys.qb_import_progress_key(token)
    base = {"actor": actor_id, "file": filename}

    def on_progress(phase: str, done: int, total: int) -> None:
        store.state_set(key, {**base, "state": "running", "phase": phase, "done": done, "total": total},
                        keys.QB_IMPORT_PROGRESS_TTL)

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
        store.state_set(key, outcome, keys.QB_IMPORT_PROGRESS_TTL)
        path.unlink(missing_ok=True)
        _TASKS.pop(token, None)


def _outcome(base: dict[str, Any], report: ImportReport) -> dict[str, Any]:
    summary = report.as_json()
    if report.ok:
        return {**base, "state": "done", "created": report.created, "updated": report.updated,
                "skipped": report.skipped, "warnings": len(report.warnings)}
    return {**base, "state": "rejected", "error_count": len(report.errors),
            "errors": summary["errors"][:MAX_STORED_ERRORS]}
