"""Contests between organizations: what an organizer creates, schedules, ends and cancels (audited).

Who may run a contest between which orgs: an organizer's own subtree, plus the orgs paired with it
(结对共建) and the orgs of the joint groups it belongs to; at least one participant must be the
organizer's own. An admin may pair any orgs. Every change is one transaction with its audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import contests as rules
from pkarena.models import Contest, ContestOrg, ContestSeries, JointGroup, JointGroupOrg, Member, Org, Pairing
from pkarena.services import audit

NAME_MAX = 120
EDITABLE_WHILE_RUNNING = ("name", "description")


class ContestError(Exception):
    """A contest change that cannot be made: a stable `code` and a Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class ContestDraft:
    """What an organizer fills in: participants by org ids, or a pairing's two, or a joint group's orgs."""

    name: str
    starts_on: date | None
    ends_on: date | None
    org_ids: list[int] = field(default_factory=list)
    pairing_id: int | None = None
    joint_group_id: int | None = None
    description: str = ""
    metric: str = "per_member"
    tie_breaks: list[str] = field(default_factory=lambda: list(rules.DEFAULT_TIE_BREAKS))
    sources: list[str] = field(default_factory=lambda: list(rules.DEFAULT_SOURCES))


def participant(org: Org) -> rules.Participant:
    """An org as the contest engine sees it."""
    return rules.Participant(org.id, org.name, tuple(org.ancestor_ids))


# --- scope -----------------------------------------------------------------------------------------------
def partner_org_ids(session: Session, actor: Member, today: date) -> set[int] | None:
    """Orgs an organizer may put in a contest beside their own (None: an admin, any org)."""
    if actor.role == "admin":
        return None
    if actor.role != "organizer" or actor.scope_org is None:
        return set()
    own = [o.id for o in session.execute(select(Org).where(Org.path.startswith(actor.scope_org.path))).scalars()]
    related_ids = [*own, *actor.scope_org.ancestor_ids]
    allowed = set(own)
    pairings = session.execute(select(Pairing.org_a_id, Pairing.org_b_id).where(
        or_(Pairing.org_a_id.in_(related_ids), Pairing.org_b_id.in_(related_ids)),
        or_(Pairing.ends_on.is_(None), Pairing.ends_on >= today))).all()
    for org_a, org_b in pairings:
        allowed.update((org_a, org_b))
    groups = select(JointGroupOrg.group_id).where(JointGroupOrg.org_id.in_(related_ids))
    allowed.update(session.execute(select(JointGroupOrg.org_id).where(JointGroupOrg.group_id.in_(groups))).scalars())
    # A partner org's subtree may take part too (a paired company's branch, say).
    partner_paths = [p for (p,) in session.execute(select(Org.path).where(Org.id.in_(allowed))).all()]
    for org_id, path in session.execute(select(Org.id, Org.path)).all():
        if any(path.startswith(prefix) for prefix in partner_paths):
            allowed.add(org_id)
    return allowed


def can_view(session: Session, actor: Member, contest: Contest) -> bool:
    """Members see contests of their org's tree; organizers also those of their subtree; admins all."""
    if actor.role == "admin":
        return True
    paths = [link.org.path for link in contest.orgs]
    member_path = actor.org.path if actor.org is not None else "/none/"
    if any(member_path.startswith(path) for path in paths):
        return True
    scope = actor.scope_org.path if actor.role == "organizer" and actor.scope_org is not None else None
    return scope is not None and any(path.startswith(scope) or scope.startswith(path) for path in paths)


def can_manage(actor: Member, contest: Contest) -> bool:
    """Admins manage every contest; an organizer those with a participant inside their own subtree."""
    if actor.role == "admin":
        return True
    if actor.role != "organizer" or actor.scope_org is None:
        return False
    return any(link.org.path.startswith(actor.scope_org.path) for link in contest.orgs)


# --- reading a draft ---------------------------------------------------------------------------------------
def _resolve_orgs(session: Session, draft: ContestDraft) -> list[Org]:
    if draft.pairing_id:
        pairing = session.get(Pairing, draft.pairing_id)
        if pairing is None:
            raise ContestError("NOT_FOUND", "结对不存在")
        return [pairing.org_a, pairing.org_b]
    if draft.joint_group_id:
        group = session.get(JointGroup, draft.joint_group_id)
        if group is None:
            raise ContestError("NOT_FOUND", "联合组不存在")
        return [link.org for link in group.members]
    orgs = [session.get(Org, org_id) for org_id in dict.fromkeys(draft.org_ids)]
    if any(org is None for org in orgs):
        raise ContestError("NOT_FOUND", "参赛组织不存在")
    if len(orgs) != len(draft.org_ids):
        raise ContestError("DUPLICATE_ORG", "同一组织不能重复参赛")
    return orgs


def checked_orgs(session: Session, clock: Clock, actor: Member, draft: ContestDraft) -> list[Org]:
    """The participating orgs once every rule holds (else ContestError with a Chinese message)."""
    name = draft.name.strip()
    if not name:
        raise ContestError("NAME_REQUIRED", "请填写竞赛名称")
    if len(name) > NAME_MAX:
        raise ContestError("NAME_TOO_LONG", f"竞赛名称不能超过 {NAME_MAX} 个字")
    orgs = _resolve_orgs(session, draft)
    try:
        rules.check_participants([participant(org) for org in orgs])
        rules.check_window(draft.starts_on, draft.ends_on)
        rules.check_scoring(draft.metric, draft.tie_breaks, draft.sources)
    except rules.ContestRuleError as exc:
        raise ContestError(exc.code, exc.message) from exc
    allowed = partner_org_ids(session, actor, clock.local().date())
    if allowed is not None:
        outside = [org.name for org in orgs if org.id not in allowed]
        if outside:
            raise ContestError("OUT_OF_SCOPE", f"组织“{'、'.join(outside)}”不在您的管理范围内，也未与您的组织结对或同属联合组")
        own = actor.scope_org.path
        if not any(org.path.startswith(own) for org in orgs):
            raise ContestError("OUT_OF_SCOPE", "参赛组织中至少要有一个是您管理的组织")
    return orgs


def commit_or_conflict(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ContestError("CONFLICT", "保存失败：该竞赛与已有数据冲突，请刷新后重试") from exc


# --- use cases -------------------------------------------------------------------------------------------
def create(session: Session, clock: Clock, actor: Member, draft: ContestDraft, *, schedule: bool = False,
           series: ContestSeries | None = None) -> Contest:
    """A new contest (draft, or scheduled at once), audited and committed."""
    orgs = checked_orgs(session, clock, actor, draft)
    now = clock.now()
    contest = Contest(
        name=draft.name.strip(), description=draft.description.strip(), series_id=series.id if series else None,
        pairing_id=draft.pairing_id or None, joint_group_id=draft.joint_group_id or None,
        starts_on=draft.starts_on, ends_on=draft.ends_on, metric=draft.metric, tie_breaks=list(draft.tie_breaks),
        sources=list(draft.sources), status="scheduled" if schedule else "draft", created_by_id=actor.id,
        created_at=now, updated_at=now,
        orgs=[ContestOrg(org_id=org.id, position=index) for index, org in enumerate(orgs)])
    session.add(contest)
    session.flush()
    audit.record(session, clock, actor.id, "contest.create", "contest", contest.id, name=contest.name,
                 org_ids=[org.id for org in orgs], starts_on=str(draft.starts_on), ends_on=str(draft.ends_on),
                 metric=draft.metric, status=contest.status)
    commit_or_conflict(session)
    return contest


def _status_today(contest: Contest, clock: Clock) -> str:
    return rules.current_status(contest.status, contest.starts_on, contest.ends_on, clock.local().date())


def update(session: Session, clock: Clock, actor: Member, contest: Contest, draft: ContestDraft) -> Contest:
    """Change a contest: everything before it starts; only its name and description once it runs."""
    status = _status_today(contest, clock)
    if status in ("frozen", "cancelled", "ended"):
        raise ContestError("LOCKED", "已结束、已冻结或已取消的竞赛不能再修改")
    rules_now = (contest.starts_on, contest.ends_on, contest.metric, list(contest.tie_breaks), list(contest.sources))
    rules_asked = (draft.starts_on, draft.ends_on, draft.metric, list(draft.tie_breaks), list(draft.sources))
    if status == "running" and ([o.org_id for o in contest.orgs] != [o.id for o in _resolve_orgs(session, draft)]
                                or rules_asked != rules_now):
        raise ContestError("RUNNING", "竞赛进行中只能修改名称和说明；如需改变规则，请提前结束或取消后重建")
    orgs = checked_orgs(session, clock, actor, draft)
    before = {"name": contest.name, "starts_on": str(contest.starts_on), "ends_on": str(contest.ends_on),
              "metric": contest.metric, "org_ids": [o.org_id for o in contest.orgs]}
    contest.name, contest.description = draft.name.strip(), draft.description.strip()
    contest.starts_on, contest.ends_on, contest.metric = draft.starts_on, draft.ends_on, draft.metric
    contest.tie_breaks, contest.sources = list(draft.tie_breaks), list(draft.sources)
    contest.pairing_id, contest.joint_group_id = draft.pairing_id or None, draft.joint_group_id or None
    if [o.org_id for o in contest.orgs] != [org.id for org in orgs]:
        contest.orgs.clear()
        session.flush()
        contest.orgs.extend(ContestOrg(org_id=org.id, position=index) for index, org in enumerate(orgs))
    contest.updated_at = clock.now()
    audit.record(session, clock, actor.id, "contest.update", "contest", contest.id, before=before,
                 name=contest.name, starts_on=str(contest.starts_on), ends_on=str(contest.ends_on),
                 metric=contest.metric, org_ids=[org.id for org in orgs])
    commit_or_conflict(session)
    return contest


def schedule(session: Session, clock: Clock, actor: Member, contest: Contest) -> Contest:
    """A draft becomes scheduled: it runs from its first day (members see it)."""
    if contest.status != "draft":
        raise ContestError("NOT_DRAFT", "只有草稿可以发布")
    if contest.ends_on < clock.local().date():
        raise ContestError("WINDOW_PASSED", "竞赛的结束日期已过，请先修改日期")
    contest.status, contest.updated_at = "scheduled", clock.now()
    audit.record(session, clock, actor.id, "contest.schedule", "contest", contest.id, name=contest.name)
    commit_or_conflict(session)
    return contest


def end_early(session: Session, clock: Clock, actor: Member, contest: Contest) -> Contest:
    """A running contest ends with today: today's points still count, the worker freezes it after midnight."""
    today = clock.local().date()
    if _status_today(contest, clock) != "running":
        raise ContestError("NOT_RUNNING", "只有进行中的竞赛可以提前结束")
    if contest.ends_on == today:
        raise ContestError("ENDS_TODAY", "竞赛今天就结束，无需提前结束")
    before = str(contest.ends_on)
    contest.ends_on, contest.updated_at = today, clock.now()
    audit.record(session, clock, actor.id, "contest.end_early", "contest", contest.id, name=contest.name,
                 before=before, ends_on=str(today))
    commit_or_conflict(session)
    return contest


def cancel(session: Session, clock: Clock, actor: Member, contest: Contest, reason: str) -> Contest:
    """Cancel a contest that is not frozen; points stay in the ledger, only the comparison goes."""
    reason = reason.strip()
    if not reason:
        raise ContestError("REASON_REQUIRED", "取消竞赛须填写原因")
    if contest.status in ("frozen", "cancelled"):
        raise ContestError("LOCKED", "已冻结或已取消的竞赛不能取消")
    contest.status, contest.cancel_reason, contest.updated_at = "cancelled", reason, clock.now()
    audit.record(session, clock, actor.id, "contest.cancel", "contest", contest.id, name=contest.name, reason=reason)
    commit_or_conflict(session)
    return contest


# --- reading -------------------------------------------------------------------------------------------
def status_of(contest: Contest, clock: Clock) -> str:
    """The contest's status today (running and ended follow from the window)."""
    return _status_today(contest, clock)


def visible_to(session: Session, actor: Member) -> list[Contest]:
    """Contests the actor may see (not drafts for plain members), newest first."""
    found = session.execute(select(Contest).order_by(Contest.starts_on.desc(), Contest.id.desc())).scalars()
    return [c for c in found if can_view(session, actor, c) and (c.status != "draft" or can_manage(actor, c))]


def mine(session: Session, member: Member) -> list[Contest]:
    """Contests the member's org takes part in (not drafts), newest first."""
    ids = member.org.ancestor_ids if member.org is not None else []
    found = session.execute(select(Contest).join(ContestOrg).where(ContestOrg.org_id.in_(ids),
                                                                   Contest.status != "draft")
                            .order_by(Contest.starts_on.desc(), Contest.id.desc())).scalars()
    return list(dict.fromkeys(found))
