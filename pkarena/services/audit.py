"""The audit trail of organizer and admin writes, added inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.models import AuditLog


def record(session: Session, clock: Clock, actor_id: int | None, action: str, target_kind: str,
           target_id: Any = None, **detail: Any) -> AuditLog:
    """Add one audit row to the session (committed with the write it describes)."""
    row = AuditLog(actor_id=actor_id, action=action, target_kind=target_kind,
                   target_id=None if target_id is None else str(target_id), detail=detail, at=clock.now())
    session.add(row)
    return row
