"""积分制 for organizers: awards with a reason and an evidence note, the month's list, corrections.

Scope checks belong to the caller (the one authorization helper); this module validates the input,
goes through the ledger (which audits every entry made with an actor) and reads the entries back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from pkarena.clock import Clock
from pkarena.engine.rules import MANUAL_CATEGORIES
from pkarena.models import LedgerEntry, Member, Org
from pkarena.services import ledger

MAX_POINTS = 100
EVIDENCE_PREFIX = "证明材料："
# The list's category filter also offers the corrections (source `adjustment`, no category).
CORRECTIONS = "adjustment"


class ManualPointsError(ledger.LedgerError):
    """A refused manual award or correction, with a Chinese message."""


def compose_note(reason: str, evidence: str | None) -> str:
    """The entry's note: the reason, then the evidence note on its own line (the ledger has one text column)."""
    reason, evidence = (reason or "").strip(), (evidence or "").strip()
    if not reason:
        raise ManualPointsError("请填写记分理由")
    return f"{reason}\n{EVIDENCE_PREFIX}{evidence}" if evidence else reason


def split_note(note: str | None) -> tuple[str, str]:
    """(reason, evidence) of a note written by `compose_note` (evidence "" when there is none)."""
    reason, _, evidence = (note or "").partition(f"\n{EVIDENCE_PREFIX}")
    return reason, evidence


def award(session: Session, clock: Clock, *, actor_id: int, member_ids: list[int], points: int, category: str,
          reason: str, evidence: str | None, request_id: str,
          on_commit: ledger.EntryListener | None = None,
          categories: tuple[str, ...] = MANUAL_CATEGORIES) -> list[ledger.AwardResult]:
    """Award positive points to members (already checked to be in the actor's scope); resubmits are no-ops."""
    if not member_ids:
        raise ManualPointsError("请至少选择一名成员")
    if not 1 <= points <= MAX_POINTS:
        raise ManualPointsError(f"积分须在 1–{MAX_POINTS} 之间；扣减请对原记录使用“更正”")
    if category not in categories:
        raise ManualPointsError("请选择积分类别")
    if not request_id.strip():
        raise ManualPointsError("表单缺少请求编号，请刷新页面后重试")
    return ledger.manual_award(session, clock, actor_id=actor_id, member_ids=sorted(set(member_ids)), points=points,
                               category=category, reason=compose_note(reason, evidence),
                               request_id=request_id.strip(), on_commit=on_commit, categories=categories)


def correct(session: Session, clock: Clock, *, actor_id: int, entry: LedgerEntry, points: int, reason: str,
            request_id: str, on_commit: ledger.EntryListener | None = None) -> ledger.AwardResult:
    """A correction of a manual entry: a new entry (may be negative) naming the corrected entry's month."""
    if entry.source not in ("manual", CORRECTIONS):
        raise ManualPointsError("只能更正积分制记录")
    if points == 0 or abs(points) > MAX_POINTS:
        raise ManualPointsError(f"更正分值须为非零整数，绝对值不超过 {MAX_POINTS}")
    if not (reason or "").strip():
        raise ManualPointsError("请填写更正理由")
    return ledger.correct(session, clock, actor_id=actor_id, entry_id=entry.id, points=points, reason=reason,
                          request_id=request_id.strip(), on_commit=on_commit)


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
                    LedgerEntry.source.in_(("manual", CORRECTIONS))))
    if category == CORRECTIONS:
        query = query.where(LedgerEntry.source == CORRECTIONS)
    elif category:
        query = query.where(LedgerEntry.category == category)
    rows = session.execute(query.order_by(LedgerEntry.awarded_at.desc(), LedgerEntry.id.desc()).limit(limit)).all()
    return [ManualRow(entry, name, username, org_name, actor_name or "") for entry, name, username, org_name,
            actor_name in rows]


def corrections_of(session: Session, entry_ids: list[int]) -> dict[int, list[LedgerEntry]]:
    """The corrections made to each of `entry_ids` (any month), oldest first."""
    if not entry_ids:
        return {}
    found: dict[int, list[LedgerEntry]] = {}
    for entry in session.execute(select(LedgerEntry).where(LedgerEntry.corrects_entry_id.in_(entry_ids))
                                 .order_by(LedgerEntry.id)).scalars():
        found.setdefault(entry.corrects_entry_id, []).append(entry)
    return found
