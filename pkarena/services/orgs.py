"""Org tree, pairings and joint groups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.models import JointGroup, JointGroupOrg, Member, Org, Pairing
from pkarena.services import audit

CHILD_KIND = {None: "company", "company": "branch", "branch": "group"}


class OrgError(Exception):
    """A refused org, pairing or joint-group change, with a Chinese message."""


def create_org(session: Session, clock: Clock, name: str, parent: Org | None = None, *,
               actor_id: int | None = None) -> Org:
    """Add an org under `parent` (a company when there is none); the kind follows the depth."""
    name = name.strip()
    if not name:
        raise OrgError("组织名称不能为空")
    parent_kind = parent.kind if parent else None
    if parent_kind not in CHILD_KIND:
        raise OrgError("小组下不能再建下级组织")
    org = Org(name=name, kind=CHILD_KIND[parent_kind], parent_id=parent.id if parent else None,
              created_at=clock.now())
    session.add(org)
    session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    audit.record(session, clock, actor_id, "org.create", "org", org.id, name=name,
                 parent_id=parent.id if parent else None)
    return org


def rename_org(session: Session, clock: Clock, org: Org, name: str, *, actor_id: int) -> Org:
    """Rename an org (audited)."""
    if not name.strip():
        raise OrgError("组织名称不能为空")
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
    """Pair two orgs of different companies (结对共建) for a period."""
    if org_a.id == org_b.id:
        raise OrgError("不能与自身结对")
    if org_a.company_id == org_b.company_id:
        raise OrgError("结对双方必须属于不同的公司")
    if ends_on is not None and ends_on < starts_on:
        raise OrgError("结束日期不能早于开始日期")
    pairing = Pairing(name=name.strip() or f"{org_a.name} × {org_b.name}", org_a_id=org_a.id, org_b_id=org_b.id,
                      starts_on=starts_on, ends_on=ends_on, created_at=clock.now())
    session.add(pairing)
    session.flush()
    audit.record(session, clock, actor_id, "pairing.create", "pairing", pairing.id, name=pairing.name,
                 org_a_id=org_a.id, org_b_id=org_b.id)
    return pairing


def create_joint_group(session: Session, clock: Clock, name: str, orgs: list[Org], *,
                       actor_id: int | None = None) -> JointGroup:
    """Gather two or more orgs in a joint group (联合党委)."""
    if not name.strip():
        raise OrgError("联合组名称不能为空")
    unique = {org.id: org for org in orgs}
    if len(unique) < 2:
        raise OrgError("联合组至少需要两个组织")
    if session.execute(select(JointGroup).where(JointGroup.name == name.strip())).scalar_one_or_none():
        raise OrgError("已存在同名的联合组")
    group = JointGroup(name=name.strip(), created_at=clock.now())
    group.members = [JointGroupOrg(org_id=org_id) for org_id in sorted(unique)]
    session.add(group)
    session.flush()
    audit.record(session, clock, actor_id, "joint_group.create", "joint_group", group.id, name=group.name,
                 org_ids=sorted(unique))
    return group
