"""A confirmed member import as a background task, so a file of thousands waits on no request.

Hashing the initial passwords is the slow part (scrypt, 0.1 s each on every core): the task reports
it to the Store, where the result page's progress bar reads it, then creates every member in one
transaction. The outcome waits in the Store for the result page; the generated initial passwords in
it are handed out once (`take_accounts`) and then dropped from the Store.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from flask import Flask

from pkarena.services.background import StoredTasks
from pkarena.services.people import members
from pkarena.services.people.member_import import (
    ImportPlan,
    PlannedMember,
    create_members,
    hash_initial_passwords,
)
from pkarena.store import keys
from pkarena.store.base import Store

log = logging.getLogger(__name__)

TASKS = StoredTasks(keys.member_import_progress_key, keys.MEMBER_IMPORT_PROGRESS_TTL)
FAILED = "导入时发生内部错误，没有导入任何成员，请稍后重试"


def progress(store: Store, token: str) -> dict[str, Any] | None:
    """The progress or outcome of the import started for `token` (None: unknown or expired)."""
    return TASKS.progress(store, token)


def start(app: Flask, store: Store, token: str, plan: ImportPlan, path: Path, filename: str, actor_id: int) -> bool:
    """Start creating the planned members in a background task; False when this upload's import already started."""
    first = {"state": "running", "done": 0, "total": len(plan.members), "actor": actor_id, "file": filename}
    return TASKS.start(store, token, first, _run, app, store, token, plan, path, filename, actor_id)


def wait(token: str, timeout: float | None = None) -> None:
    """Block until the import of `token` has finished (no-op when none is running here)."""
    TASKS.wait(token, timeout)


def take_accounts(store: Store, token: str) -> list[PlannedMember] | None:
    """The created accounts with their generated passwords, once; the Store keeps only the count after."""
    outcome = progress(store, token)
    if not outcome or outcome.get("state") != "done" or "accounts" not in outcome:
        return None
    accounts = [PlannedMember(**account) for account in outcome.pop("accounts")]
    TASKS.report(store, token, {**outcome, "shown": True})
    return accounts


def _run(app: Flask, store: Store, token: str, plan: ImportPlan, path: Path, filename: str, actor_id: int) -> None:
    """Create the members in one transaction with progress in the Store; the outcome is stored last."""
    base = {"actor": actor_id, "file": filename}

    def on_progress(done: int, total: int) -> None:
        TASKS.report(store, token, {**base, "state": "running", "done": done, "total": total})

    outcome: dict[str, Any] = {**base, "state": "failed", "message": FAILED}
    try:
        with app.app_context():
            db, clock = app.extensions["pkarena.db"], app.extensions["pkarena.clock"]
            hashes = hash_initial_passwords(plan, progress=on_progress)  # before any lock is taken
            with db.new_session() as session:
                try:
                    create_members(session, clock, plan, actor_id, hashes)
                except members.MemberError as exc:  # a username or phone taken since the check
                    outcome = {**base, "state": "rejected", "message": exc.message}
                else:
                    # Passwords from the file stay out of the Store: only generated ones must be handed out.
                    total = len(plan.members)
                    outcome = {**base, "state": "done", "created": total, "done": total, "total": total,
                               "generated": sum(p.generated for p in plan.members), "accounts": [
                        asdict(p if p.generated else replace(p, password="")) for p in plan.members]}
    except Exception:
        log.exception("member import %s failed", filename)
    finally:
        TASKS.report(store, token, outcome)
        path.unlink(missing_ok=True)
        TASKS.finished(token)
