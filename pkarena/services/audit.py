"""The audit trail of organizer and admin writes, added inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.models import AuditLog, Invite, JointGroupOrg, LedgerEntry, Member, Org, Pairing


def record(session: Session, clock: Clock, actor_id: int | None, action: str, target_kind: str,
           target_id: Any = None, **detail: Any) -> AuditLog:
    """Add one audit row to the session (committed with the write it describes)."""
    row = AuditLog(actor_id=actor_id, action=action, target_kind=target_kind,
                   target_id=None if target_id is None else str(target_id), detail=detail, at=clock.now())
    session.add(row)
    return row


# --- reading the trail (organizer audit page) --------------------------------------------------------
def recent(session: Session, path_prefix: str, limit: int = 200) -> list[AuditLog]:
    """The latest rows (newest first) whose target or actor belongs to orgs under `path_prefix` ('' = all)."""
    query = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if not path_prefix:
        return list(session.execute(query).scalars())
    inside = select(Org.id).where(Org.path.startswith(path_prefix))
    members_inside = select(Member.id).where(Member.org_id.in_(inside))

    def ids(column, *where) -> object:
        return select(cast(column, String)).where(*where)

    targets = {
        "org": ids(Org.id, Org.id.in_(inside)),
        "member": ids(Member.id, Member.org_id.in_(inside)),
        "invite": ids(Invite.id, Invite.org_id.in_(inside)),
        "pairing": ids(Pairing.id, or_(Pairing.org_a_id.in_(inside), Pairing.org_b_id.in_(inside))),
        "joint_group": ids(JointGroupOrg.group_id, JointGroupOrg.org_id.in_(inside)),
        "ledger_entry": ids(LedgerEntry.id, LedgerEntry.org_id.in_(inside)),
    }
    about = [and_(AuditLog.target_kind == kind, AuditLog.target_id.in_(sub)) for kind, sub in targets.items()]
    return list(session.execute(query.where(or_(AuditLog.actor_id.in_(members_inside), *about))).scalars())


def target_labels(session: Session, rows: list[AuditLog]) -> dict[tuple[str, str], str]:
    """Readable names of the members and orgs the rows are about, keyed by (target_kind, target_id)."""
    labels: dict[tuple[str, str], str] = {}
    for kind, model, name in (("member", Member, Member.display_name), ("org", Org, Org.name)):
        wanted = {int(r.target_id) for r in rows if r.target_kind == kind and (r.target_id or "").isdigit()}
        if wanted:
            for key, label in session.execute(select(model.id, name).where(model.id.in_(wanted))):
                labels[(kind, str(key))] = label
    return labels
