"""Org tree, pairings and joint groups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.models import JointGroup, JointGroupOrg, Member, Org, Pairing
from pkarena.services import audit
from pkarena.services.transaction import use_case

CHILD_KIND = {None: "company", "company": "branch", "branch": "group"}


class OrgError(Exception):
    """A refused org, pairing or joint-group change, with a Chinese message."""


def _conflict(message: str) -> Callable[[], OrgError]:
    return lambda: OrgError(message)


CHANGED_MEANWHILE = _conflict("数据刚被其他人修改，请刷新页面后重试")
DUPLICATE_GROUP = "已存在同名的联合组"
ALREADY_IN_GROUP = "该组织已在联合组中"


def create_org(session: Session, clock: Clock, name: str, parent: Org | None = None, *,
               actor_id: int | None = None) -> Org:
    """Add an org under `parent` (a company when there is none; audited, committed); the kind follows the depth."""
    name = name.strip()
    if not name:
        raise OrgError("组织名称不能为空")
    parent_kind = parent.kind if parent else None
    if parent_kind not in CHILD_KIND:
        raise OrgError("小组下不能再建下级组织")
    with use_case(session, CHANGED_MEANWHILE):
        org = Org(name=name, kind=CHILD_KIND[parent_kind], parent_id=parent.id if parent else None,
                  created_at=clock.now())
        session.add(org)
        session.flush()
        org.path = f"{parent.path if parent else '/'}{org.id}/"
        audit.record(session, clock, actor_id, "org.create", "org", org.id, name=name,
                     parent_id=parent.id if parent else None)
    return org


def rename_org(session: Session, clock: Clock, org: Org, name: str, *, actor_id: int) -> Org:
    """Rename an org (audited, committed)."""
    if not name.strip():
        raise OrgError("组织名称不能为空")
    with use_case(session, CHANGED_MEANWHILE):
        audit.record(session, clock, actor_id, "org.rename", "org", org.id, old=org.name, new=name.strip())
        org.name = name.strip()
    return org


def subtree(session: Session, path_prefix: str) -> list[Org]:
    """Every org whose path starts with `path_prefix` ('' = all), in tree order."""
    return list(session.execute(select(Org).where(Org.path.startswith(path_prefix)).order_by(Org.path)).scalars())


def descendant_ids(session: Session, org: Org) -> list[int]:
    """Ids of `org` and all orgs below it."""
    return list(session.execute(select(Org.id).where(Org.path.startswith(org.path))).scalars())


def active_member_counts(session: Session) -> dict[int, int]:
    """Active, non-bot members per org (direct membership only)."""
    rows = session.execute(
        select(Member.org_id, func.count(Member.id))
        .where(Member.status == "active", Member.is_bot.is_(False))
        .group_by(Member.org_id)
    ).all()
    return {org_id: count for org_id, count in rows}


def create_pairing(session: Session, clock: Clock, name: str, org_a: Org, org_b: Org, starts_on: date,
                   ends_on: date | None = None, *, actor_id: int | None = None) -> Pairing:
    """Pair two orgs of different companies (结对共建) for a period (audited, committed)."""
    if org_a.id == org_b.id:
        raise OrgError("不能与自身结对")
    if org_a.company_id == org_b.company_id:
        raise OrgError("结对双方必须属于不同的公司")
    if ends_on is not None and ends_on < starts_on:
        raise OrgError("结束日期不能早于开始日期")
    # UNIQUE (org_a, org_b, name): no pre-check, the constraint is the one judge even between racing requests.
    with use_case(session, _conflict("这两个组织之间已有同名的结对")):
        pairing = Pairing(name=name.strip() or f"{org_a.name} × {org_b.name}", org_a_id=org_a.id,
                          org_b_id=org_b.id, starts_on=starts_on, ends_on=ends_on, created_at=clock.now())
        session.add(pairing)
        session.flush()
        audit.record(session, clock, actor_id, "pairing.create", "pairing", pairing.id, name=pairing.name,
                     org_a_id=org_a.id, org_b_id=org_b.id)
    return pairing


def create_joint_group(session: Session, clock: Clock, name: str, orgs: list[Org], *,
                       actor_id: int | None = None) -> JointGroup:
    """Gather two or more orgs in a joint group (联合党委; audited, committed)."""
    if not name.strip():
        raise OrgError("联合组名称不能为空")
    unique = {org.id: org for org in orgs}
    if len(unique) < 2:
        raise OrgError("联合组至少需要两个组织")
    # The name is UNIQUE: the query answers the usual case, the constraint a race between two requests.
    with use_case(session, _conflict(DUPLICATE_GROUP)):
        if session.execute(select(JointGroup).where(JointGroup.name == name.strip())).scalar_one_or_none():
            raise OrgError(DUPLICATE_GROUP)
        group = JointGroup(name=name.strip(), created_at=clock.now())
        group.members = [JointGroupOrg(org_id=org_id) for org_id in sorted(unique)]
        session.add(group)
        session.flush()
        audit.record(session, clock, actor_id, "joint_group.create", "joint_group", group.id, name=group.name,
                     org_ids=sorted(unique))
    return group


# --- organizer pages: tree view, labels, ending pairings, joint-group membership --------------------
@dataclass(frozen=True)
class TreeNode:
    """One org of a tree view: its depth below the view's root and its member counts."""

    org: Org
    depth: int
    direct: int
    total: int
    pending: int


def name_paths(session: Session, org_list: list[Org], sep: str = " / ") -> dict[int, str]:
    """Each org's name path from its company down ("公司 / 支部"), ancestors loaded as needed."""
    wanted = {i for org in org_list for i in org.ancestor_ids}
    names = dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(wanted))).all()) if wanted else {}
    return {org.id: sep.join(names.get(i, "?") for i in org.ancestor_ids) for org in org_list}


def org_tree(session: Session, path_prefix: str) -> list[TreeNode]:
    """The orgs under `path_prefix` in tree order, with active members (direct and subtree) and pending ones."""
    tree = subtree(session, path_prefix)
    rows = session.execute(
        select(Member.org_id, Member.status, func.count(Member.id))
        .where(Member.is_bot.is_(False), Member.status.in_(("active", "pending")))
        .group_by(Member.org_id, Member.status)
    ).all()
    active = {org_id: n for org_id, status, n in rows if status == "active"}
    pending = {org_id: n for org_id, status, n in rows if status == "pending"}
    totals: dict[int, int] = {}
    for org in tree:  # each org's active members count towards every ancestor's subtree total
        for ancestor in org.ancestor_ids:
            totals[ancestor] = totals.get(ancestor, 0) + active.get(org.id, 0)
    top = min((len(o.ancestor_ids) for o in tree), default=1)
    return [TreeNode(org, len(org.ancestor_ids) - top, active.get(org.id, 0), totals.get(org.id, 0),
                     pending.get(org.id, 0)) for org in tree]


def pairings_for(session: Session, path_prefix: str) -> list[Pairing]:
    """Pairings with at least one side under `path_prefix` ('' = all), newest first."""
    query = select(Pairing).order_by(Pairing.starts_on.desc(), Pairing.id.desc())
    if path_prefix:
        inside = select(Org.id).where(Org.path.startswith(path_prefix))
        query = query.where(or_(Pairing.org_a_id.in_(inside), Pairing.org_b_id.in_(inside)))
    return list(session.execute(query).scalars())


def end_pairing(session: Session, clock: Clock, pairing: Pairing, ends_on: date, *, actor_id: int) -> Pairing:
    """Set the last day of a pairing (audited, committed); it must not be before the first."""
    if ends_on < pairing.starts_on:
        raise OrgError("结束日期不能早于开始日期")
    with use_case(session, CHANGED_MEANWHILE):
        audit.record(session, clock, actor_id, "pairing.end", "pairing", pairing.id,
                     before=pairing.ends_on.isoformat() if pairing.ends_on else None, ends_on=ends_on.isoformat())
        pairing.ends_on = ends_on
    return pairing


def joint_groups_for(session: Session, path_prefix: str) -> list[JointGroup]:
    """Joint groups with at least one org under `path_prefix` ('' = all), by name."""
    query = select(JointGroup).order_by(JointGroup.name)
    if path_prefix:
        inside = select(JointGroupOrg.group_id).join(Org, Org.id == JointGroupOrg.org_id).where(
            Org.path.startswith(path_prefix))
        query = query.where(JointGroup.id.in_(inside))
    return list(session.execute(query).scalars())


def add_to_joint_group(session: Session, clock: Clock, group: JointGroup, org: Org, *,
                       actor_id: int) -> JointGroup:
    """Add an org to a joint group (audited, committed); adding it twice is refused, also by a racing request."""
    if any(link.org_id == org.id for link in group.members):
        raise OrgError(ALREADY_IN_GROUP)
    with use_case(session, _conflict(ALREADY_IN_GROUP)):
        group.members.append(JointGroupOrg(org_id=org.id))
        session.flush()
        audit.record(session, clock, actor_id, "joint_group.add_org", "joint_group", group.id, org_id=org.id)
    return group


def remove_from_joint_group(session: Session, clock: Clock, group: JointGroup, org: Org, *,
                            actor_id: int) -> JointGroup:
    """Remove an org from a joint group (audited, committed); a group keeps at least two orgs."""
    link = next((m for m in group.members if m.org_id == org.id), None)
    if link is None:
        raise OrgError("该组织不在联合组中")
    if len(group.members) <= 2:
        raise OrgError("联合组至少需要两个组织")
    with use_case(session, CHANGED_MEANWHILE):
        group.members.remove(link)
        session.flush()
        audit.record(session, clock, actor_id, "joint_group.remove_org", "joint_group", group.id, org_id=org.id)
    return group
