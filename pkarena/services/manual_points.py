"""积分制 for organizers, the reading side: the month's manual entries and the corrections made to them.

Awards and corrections are written (and validated, once) by `ledger.manual_award` and
`ledger.issue_correction`, which audit every entry made with an actor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pkarena.models import LedgerEntry, Member, Org
from pkarena.services.ledger import split_note

# The list's category filter also offers the corrections (source `adjustment`, no category).
CORRECTIONS = "adjustment"
# What the organizer page may correct: manual entries and earlier corrections of them.
CORRECTABLE = ("manual", CORRECTIONS)


@dataclass(frozen=True)
class ManualRow:
    """One manual entry or correction with the names the list shows."""

    entry: LedgerEntry
    member_name: str
    username: str
    org_name: str
    actor_name: str

    @property
    def reason(self) -> str:
        """The reason part of the note."""
        return split_note(self.entry.note)[0]

    @property
    def evidence(self) -> str:
        """The evidence part of the note ("" if none)."""
        return split_note(self.entry.note)[1]


def list_entries(session: Session, path_prefix: str, month: str, *, category: str | None = None,
                 limit: int = 500) -> list[ManualRow]:
    """Manual entries and corrections of `month` awarded to orgs under `path_prefix`, newest first."""
    actor = aliased(Member)
    query = (select(LedgerEntry, Member.display_name, Member.username, Org.name, actor.display_name)
             .join(Member, Member.id == LedgerEntry.member_id).join(Org, Org.id == LedgerEntry.org_id)
             .outerjoin(actor, actor.id == LedgerEntry.actor_id)
             .where(LedgerEntry.month == month, Org.path.startswith(path_prefix),
                    LedgerEntry.source.in_(CORRECTABLE)))
    if category == CORRECTIONS:
        query = query.where(LedgerEntry.source == CORRECTIONS)
    elif category:
        query = query.where(LedgerEntry.category == category)
    rows = session.execute(query.order_by(LedgerEntry.awarded_at.desc(), LedgerEntry.id.desc()).limit(limit)).all()
    return [ManualRow(entry, name, username, org_name, actor_name or "") for entry, name, username, org_name,
            actor_name in rows]


def corrections_by_entry(session: Session, entry_ids: list[int]) -> dict[int, list[LedgerEntry]]:
    """The corrections made to each of `entry_ids` (any month), oldest first."""
    if not entry_ids:
        return {}
    found: dict[int, list[LedgerEntry]] = {}
    for entry in session.execute(select(LedgerEntry).where(LedgerEntry.corrects_entry_id.in_(entry_ids))
                                 .order_by(LedgerEntry.id)).scalars():
        found.setdefault(entry.corrects_entry_id, []).append(entry)
    return found
