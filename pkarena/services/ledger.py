"""Awarding points: the ledger contract of DESIGN §4 (append-only, idempotent, capped in one transaction)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.database import begin_write
from pkarena.engine import rules as rules_mod
from pkarena.models import LedgerEntry, Member
from pkarena.services import audit

log = logging.getLogger("pkarena.ledger")

# Called with each newly committed entry (boards are updated after commit, never inside).
EntryListener = Callable[[LedgerEntry], None]


class LedgerError(Exception):
    """An award that cannot be made: a refused manual award or correction (Chinese message), or a caller's bug."""


@dataclass(frozen=True)
class AwardResult:
    """What an award did: the entry (new or the earlier one with the same key) and whether it is new."""

    entry: LedgerEntry
    created: bool

    @property
    def points(self) -> int:
        """Points actually granted."""
        return self.entry.points

    @property
    def reason(self) -> str:
        """Why fewer points than requested were granted ("" if none)."""
        return self.entry.reason


def idempotency_key(source: str, source_ref: str, member_id: int) -> str:
    """The UNIQUE key of an award: (source, source reference, member)."""
    return f"{source}:{source_ref}:{member_id}"


def award(
    session: Session,
    clock: Clock,
    *,
    member_id: int,
    source: str,
    source_ref: str,
    outcome: Mapping[str, Any],
    actor_id: int | None = None,
    category: str | None = None,
    note: str | None = None,
    adjusts_month: str | None = None,
    corrects_entry_id: int | None = None,
    on_commit: EntryListener | None = None,
    history: tuple[rules_mod.RuleSet, ...] = rules_mod.RULE_HISTORY,
) -> AwardResult:
    """Award points for one outcome in one transaction; awarding the same key again returns the first entry."""
    if source not in rules_mod.SOURCES:
        raise LedgerError(f"unknown source {source!r}")
    key = idempotency_key(source, source_ref, member_id)
    if session.new or session.dirty or session.deleted:
        raise LedgerError("award() commits its own transaction; commit or discard pending changes first")
    session.rollback()  # end any read transaction so ours starts as a writer
    try:
        begin_write(session)
        member = session.execute(select(Member).where(Member.id == member_id).with_for_update()).scalar_one_or_none()
        if member is None:
            raise LedgerError(f"no member {member_id}")
        existing = session.execute(select(LedgerEntry).where(LedgerEntry.idempotency_key == key)).scalar_one_or_none()
        if existing is not None:
            # Commit, not rollback: a rollback expires `existing`, and the caller's first look at it would
            # silently open a new transaction (PostgreSQL: a connection idle in transaction).
            session.commit()
            return AwardResult(existing, created=False)
        org_id = member.org_id
        if corrects_entry_id is not None:
            corrected = session.get(LedgerEntry, corrects_entry_id)
            if corrected is None or corrected.member_id != member_id:
                raise LedgerError(f"entry {corrects_entry_id} is not an entry of member {member_id}")
            # A correction lands on the org the corrected points went to, so org boards come out right
            # even if the member has moved since.
            org_id = corrected.org_id
        now = clock.now()
        day, month = clock.day_key(now), clock.month_key(now)
        ruleset = rules_mod.rules_for(date.fromisoformat(day), history)
        rule = ruleset.rule(source)
        played, earned = session.execute(
            select(func.count(LedgerEntry.id), func.coalesce(func.sum(LedgerEntry.points), 0)).where(
                LedgerEntry.member_id == member_id, LedgerEntry.day == day, LedgerEntry.source == source
            )
        ).one()
        outcome = {**outcome, "bot": bool(member.is_bot or outcome.get("bot"))}
        decision = rules_mod.decide(rule, outcome, ordinal=played + 1, earned_today=int(earned))
        entry = LedgerEntry(
            idempotency_key=key, member_id=member_id, org_id=org_id, points=decision.points,
            requested=decision.requested, source=source, source_ref=source_ref, rule_version=ruleset.version,
            reason=decision.reason, outcome=_match_outcome(outcome), category=category, note=note, actor_id=actor_id, adjusts_month=adjusts_month,
            corrects_entry_id=corrects_entry_id, awarded_at=now, day=day, month=month,
        )
        session.add(entry)
        if actor_id is not None:
            session.flush()
            audit.record(session, clock, actor_id, f"ledger.{source}", "ledger_entry", entry.id,
                         member_id=member_id, points=decision.points, category=category, note=note,
                         adjusts_month=adjusts_month)
        session.commit()
    except IntegrityError:
        # Another transaction inserted the same key first (possible on backends without row locks);
        # any other integrity error (a missing actor, say) is the caller's and propagates.
        session.rollback()
        existing = session.execute(select(LedgerEntry).where(LedgerEntry.idempotency_key == key)).scalar_one_or_none()
        session.commit()
        if existing is None:
            raise
        return AwardResult(existing, created=False)
    except Exception:
        session.rollback()
        raise
    if on_commit is not None and entry.points != 0:
        try:
            on_commit(entry)
        except Exception:
            # The award is committed and must be reported as made; boards are a cache that
            # `boards check` / the nightly verify job repair, so a store outage only logs here.
            log.exception("board update failed after committing ledger entry %s", entry.id)
    return AwardResult(entry, created=True)


def _match_outcome(outcome: Mapping[str, Any]) -> str | None:
    """How a PK match ended for the member ('win', 'loss', 'place:N'), kept for contests' PK-wins metric."""
    if "won" in outcome:
        return "win" if outcome["won"] else "loss"
    if "place" in outcome:
        return f"place:{int(outcome['place'])}"
    return None


# --- 积分制: entries an organizer writes (manual awards and corrections), validated here and only here ----
MAX_MANUAL_POINTS = 100
EVIDENCE_PREFIX = "证明材料："


def compose_note(reason: str, evidence: str | None) -> str:
    """The entry's note: the reason, then the evidence note on its own line (the ledger has one text column)."""
    reason, evidence = (reason or "").strip(), (evidence or "").strip()
    return f"{reason}\n{EVIDENCE_PREFIX}{evidence}" if evidence else reason


def split_note(note: str | None) -> tuple[str, str]:
    """(reason, evidence) of a note written by `compose_note` (evidence "" when there is none)."""
    reason, _, evidence = (note or "").partition(f"\n{EVIDENCE_PREFIX}")
    return reason, evidence


def check_manual_award(member_ids: list[int], points: int, category: str, reason: str, request_id: str,
                       categories: tuple[str, ...] = rules_mod.MANUAL_CATEGORIES) -> None:
    """Refuse (LedgerError, Chinese message) a manual award the organizer cannot make as entered."""
    if not member_ids:
        raise LedgerError("请至少选择一名成员")
    if not 1 <= points <= MAX_MANUAL_POINTS:
        raise LedgerError(f"积分须在 1–{MAX_MANUAL_POINTS} 之间；扣减请对原记录使用“更正”")
    if category not in categories:
        raise LedgerError("请选择积分类别")
    if not (reason or "").strip():
        raise LedgerError("请填写记分理由")
    if not (request_id or "").strip():
        raise LedgerError("表单缺少请求编号，请刷新页面后重试")


def check_correction(original: LedgerEntry | None, points: int, reason: str,
                     sources: tuple[str, ...] | None = None) -> LedgerEntry:
    """The entry to correct, or LedgerError (Chinese message) when this correction cannot be made."""
    if original is None:
        raise LedgerError("找不到要更正的积分记录")
    if sources is not None and original.source not in sources:
        raise LedgerError("只能更正积分制记录")
    if points == 0 or abs(points) > MAX_MANUAL_POINTS:
        raise LedgerError(f"更正分值须为非零整数，绝对值不超过 {MAX_MANUAL_POINTS}")
    if not (reason or "").strip():
        raise LedgerError("请填写更正理由")
    return original


def manual_award(session: Session, clock: Clock, *, actor_id: int, member_ids: list[int], points: int,
                 category: str, reason: str, request_id: str, evidence: str | None = None,
                 on_commit: EntryListener | None = None,
                 categories: tuple[str, ...] = rules_mod.MANUAL_CATEGORIES) -> list[AwardResult]:
    """积分制: an organizer awards `points` to several members; `request_id` makes a resubmit a no-op.

    Scope checks belong to the caller (the one authorization helper); the input is checked here.
    """
    check_manual_award(member_ids, points, category, reason, request_id, categories)
    note = compose_note(reason, evidence)
    return [
        award(session, clock, member_id=m, source="manual", source_ref=request_id.strip(), outcome={"points": points},
              actor_id=actor_id, category=category, note=note, on_commit=on_commit)
        for m in sorted(set(member_ids))
    ]


def issue_correction(session: Session, clock: Clock, *, actor_id: int, entry_id: int, points: int, reason: str,
                     request_id: str, on_commit: EntryListener | None = None,
                     sources: tuple[str, ...] | None = None) -> AwardResult:
    """Correct an entry by a new adjustment entry (never an update) that names the month it corrects.

    `sources`, when given, are the sources whose entries may be corrected (the organizer page: 积分制 only).
    """
    original = check_correction(session.get(LedgerEntry, entry_id), points, reason, sources)
    return award(session, clock, member_id=original.member_id, source="adjustment",
                 source_ref=f"correct-{entry_id}-{request_id.strip()}",
                 outcome={"points": points}, actor_id=actor_id, note=reason.strip(),
                 adjusts_month=original.month, corrects_entry_id=entry_id, on_commit=on_commit)


def member_totals(session: Session, clock: Clock, member_id: int) -> dict[str, int]:
    """A member's points today, this month and in total, straight from the ledger."""
    now = clock.now()
    day, month = clock.day_key(now), clock.month_key(now)
    total = func.coalesce(func.sum(LedgerEntry.points), 0)
    base = select(total).where(LedgerEntry.member_id == member_id)
    return {
        "today": int(session.execute(base.where(LedgerEntry.day == day)).scalar_one()),
        "month": int(session.execute(base.where(LedgerEntry.month == month)).scalar_one()),
        "total": int(session.execute(base).scalar_one()),
    }
