"""Office screens: revocable read-only tokens per org, pairing, joint group or contest, and what a screen draws."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import contests as contest_rules
from pkarena.engine.periods import Period
from pkarena.engine.ranking import shared_ranks
from pkarena.extensions import socketio
from pkarena.models import (
    Contest,
    ContestOrg,
    JointGroup,
    JointGroupOrg,
    LedgerEntry,
    Member,
    Org,
    Pairing,
    ScreenToken,
)
from pkarena.services import audit
from pkarena.services.boards import metrics
from pkarena.services.contests import manage as contest_manage
from pkarena.services.contests import screen as contest_screen
from pkarena.services.contests.standings import LIVE_STATUSES
from pkarena.services.monthly import snapshots
from pkarena.store import keys
from pkarena.store.base import Store

NAMESPACE = "/screen"  # the Socket.IO namespace of office screens (realtime/screen.py serves it)
SCOPE_KINDS = ("org", "pairing", "joint_group", "contest")
# Contests an organizer may put on a screen: published ones (running, to come, ended or frozen).
SCREEN_CONTEST_STATUSES = ("scheduled", "frozen")
TOP_MEMBERS = 20
TOKEN_BYTES = 24  # 192 random bits: the URL is the only credential a screen has
# The frozen ranking a screen shows: an org's members, a pairing's or joint group's orgs.
SNAPSHOT_SCOPES = {"org": "members_org", "pairing": "pairing", "joint_group": "joint_group"}


class ScreenError(Exception):
    """A screen that cannot be created (unknown scope, empty label)."""


@dataclass(frozen=True)
class ScreenScope:
    """What a screen shows: an org subtree, a pairing, a joint group or a contest; `owners` are the orgs
    it covers (the org itself, the two sides, the group's orgs, the contest's participants), `orgs` the
    ones its race compares."""

    kind: str
    id: int
    name: str
    owners: list[Org]
    orgs: list[Org]

    @property
    def room(self) -> str:
        """The Socket.IO room of every screen of this scope."""
        return room_for(self.kind, self.id)


def room_for(kind: str, scope_id: int) -> str:
    """`screen:{kind}:{id}`: screens of one scope share a room and a payload."""
    return f"screen:{kind}:{int(scope_id)}"


def token_room(row: ScreenToken) -> str:
    """`screen-token:{id}`: the screens opened with one token (told when it is revoked)."""
    return f"screen-token:{int(row.id)}"


def hash_token(token: str) -> str:
    """SHA-256 hex of a token: only this is stored, so a database leak reveals no screen URL."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- tokens ------------------------------------------------------------------------------------------
def create(session: Session, clock: Clock, *, scope_kind: str, scope_id: int, label: str,
           actor_id: int) -> tuple[ScreenToken, str]:
    """A new screen token (audited, committed); the clear token is returned once and never stored."""
    label = label.strip()
    if not label:
        raise ScreenError("请填写大屏名称")
    scope = load_scope(session, scope_kind, scope_id)
    if scope is None:
        raise ScreenError("大屏对应的组织、结对、联合组或竞赛不存在")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = ScreenToken(token_hash=hash_token(token), label=label[:120], scope_kind=scope.kind, scope_id=scope.id,
                      created_by_id=actor_id, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, clock, actor_id, "screen.create", "screen", row.id, label=row.label,
                 scope_kind=scope.kind, scope_id=scope.id)
    session.commit()
    return row, token


def revoke(session: Session, clock: Clock, row: ScreenToken, *, actor_id: int) -> ScreenToken:
    """Stop a token from opening its screen (audited, committed; revoking twice changes nothing)."""
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        audit.record(session, clock, actor_id, "screen.revoke", "screen", row.id, label=row.label,
                     scope_kind=row.scope_kind, scope_id=row.scope_id)
        session.commit()
    return row


def find(session: Session, token: str) -> ScreenToken | None:
    """The token row for a clear token, revoked or not (None when unknown)."""
    if not token or len(token) > 128:
        return None
    return session.execute(select(ScreenToken).where(ScreenToken.token_hash == hash_token(token))).scalar_one_or_none()


def resolve(session: Session, token: str) -> ScreenToken | None:
    """The token row if the token opens a screen now; unknown or revoked tokens give None."""
    row = find(session, token)
    return row if row is not None and row.revoked_at is None else None


def screens_for(session: Session, path_prefix: str) -> list[ScreenToken]:
    """Screen tokens whose scope touches an org under `path_prefix` ('' = all), newest first."""
    query = select(ScreenToken).order_by(ScreenToken.created_at.desc(), ScreenToken.id.desc())
    if not path_prefix:
        return list(session.execute(query).scalars())
    inside = select(Org.id).where(Org.path.startswith(path_prefix))
    pairings = select(Pairing.id).where(or_(Pairing.org_a_id.in_(inside), Pairing.org_b_id.in_(inside)))
    groups = select(JointGroupOrg.group_id).where(JointGroupOrg.org_id.in_(inside))
    contests = select(ContestOrg.contest_id).where(ContestOrg.org_id.in_(inside))
    return list(session.execute(query.where(or_(
        (ScreenToken.scope_kind == "org") & ScreenToken.scope_id.in_(inside),
        (ScreenToken.scope_kind == "pairing") & ScreenToken.scope_id.in_(pairings),
        (ScreenToken.scope_kind == "joint_group") & ScreenToken.scope_id.in_(groups),
        (ScreenToken.scope_kind == "contest") & ScreenToken.scope_id.in_(contests),
    ))).scalars())


# --- scopes ------------------------------------------------------------------------------------------
def load_scope(session: Session, kind: str, scope_id: int) -> ScreenScope | None:
    """The scope of a screen with the orgs its race compares (an org's children, or the paired/grouped orgs)."""
    if kind == "org":
        org = session.get(Org, scope_id)
        if org is None:
            return None
        children = list(session.execute(select(Org).where(Org.parent_id == org.id).order_by(Org.id)).scalars())
        return ScreenScope(kind, org.id, org.name, [org], children or [org])
    if kind == "pairing":
        pairing = session.get(Pairing, scope_id)
        if pairing is None:
            return None
        sides = [pairing.org_a, pairing.org_b]
        return ScreenScope(kind, pairing.id, pairing.name, sides, sides)
    if kind == "joint_group":
        group = session.get(JointGroup, scope_id)
        if group is None:
            return None
        grouped = [link.org for link in group.members]
        return ScreenScope(kind, group.id, group.name, grouped, grouped)
    if kind == "contest":
        contest = session.get(Contest, scope_id)
        if contest is None:
            return None
        sides = [link.org for link in contest.orgs]
        return ScreenScope(kind, contest.id, contest.name, sides, sides)
    return None


def contests_for(session: Session, actor: Member) -> list[Contest]:
    """Published contests the actor may manage, newest first: the ones they may put on a screen."""
    return [contest for contest in contest_manage.visible_to(session, actor)
            if contest.status in SCREEN_CONTEST_STATUSES and contest_manage.can_manage(actor, contest)]


def in_scope(scope: ScreenScope, path_prefix: str) -> bool:
    """True if someone managing `path_prefix` ('' = all) may put this scope on a screen (one of its orgs is theirs)."""
    return any(org.path.startswith(path_prefix) for org in scope.owners)


def counting_contests(session: Session, entry: LedgerEntry, ancestors: list[int]) -> list[int]:
    """Live contests that count an entry: one of its org's ancestors is a side, its day and source are in."""
    day = date.fromisoformat(entry.day)
    found = session.execute(select(Contest).join(ContestOrg).where(
        Contest.status.in_(LIVE_STATUSES), ContestOrg.org_id.in_(ancestors),
        Contest.starts_on <= day, Contest.ends_on >= day)).scalars()
    return sorted({contest.id for contest in found if entry.source in contest_rules.counted_sources(contest.sources)})


def affected_scopes(session: Session, entry: LedgerEntry) -> list[tuple[str, int]]:
    """Scopes with an active screen whose boards an entry moved (its org's ancestors and their pairings/groups,
    and the contests that count it)."""
    org = session.get(Org, entry.org_id)
    if org is None:
        return []
    ancestors = org.ancestor_ids
    pairings = select(Pairing.id).where(or_(Pairing.org_a_id.in_(ancestors), Pairing.org_b_id.in_(ancestors)))
    groups = select(JointGroupOrg.group_id).where(JointGroupOrg.org_id.in_(ancestors))
    rows = session.execute(select(ScreenToken.scope_kind, ScreenToken.scope_id).distinct().where(
        ScreenToken.revoked_at.is_(None),
        or_((ScreenToken.scope_kind == "org") & ScreenToken.scope_id.in_(ancestors),
            (ScreenToken.scope_kind == "pairing") & ScreenToken.scope_id.in_(pairings),
            (ScreenToken.scope_kind == "joint_group") & ScreenToken.scope_id.in_(groups),
            (ScreenToken.scope_kind == "contest")
            & ScreenToken.scope_id.in_(counting_contests(session, entry, ancestors))),
    )).all()
    return sorted((kind, int(scope_id)) for kind, scope_id in rows)


# --- what a screen draws -----------------------------------------------------------------------------
def member_top(session: Session, store: Store, month: str, roots: list[Org], n: int = TOP_MEMBERS) -> list[dict]:
    """This month's top `n` members over the subtrees of `roots` (equal points share a rank)."""
    scores: dict[str, float] = {}
    for org in metrics.outermost(roots):
        board = store.board_all(keys.board_key("members", keys.scope_org(org.id), Period.for_month(month).key))
        for member, points in board.items():
            scores[member] = scores.get(member, 0.0) + points
    ranked = [row for row in shared_ranks((int(m), p) for m, p in scores.items() if p > 0)][:n]
    ids = [member_id for member_id, _points, _rank in ranked]
    people = {m.id: m for m in session.execute(select(Member).where(Member.id.in_(ids))).scalars()} if ids else {}
    org_names = dict(session.execute(select(Org.id, Org.name).where(
        Org.id.in_({m.org_id for m in people.values()}))).all()) if people else {}
    return [{"rank": rank, "member_id": member_id, "name": people[member_id].display_name,
             "org": org_names.get(people[member_id].org_id, ""), "points": round(points)}
            for member_id, points, rank in ranked if member_id in people]


def org_race(session: Session, store: Store, month: str, orgs: list[Org]) -> list[dict]:
    """The orgs' month: total, members, 人均 and participation, in the one org order (as the boards page)."""
    ranked = metrics.ranked_org_metrics(session, store, Period.for_month(month), orgs)
    return [{"org_id": m.org_id, "name": m.name, "total": round(m.total), "members": m.members,
             "participants": m.participants, "per_member": round(m.per_member, 2),
             "participation": round(m.participation, 4), "rank": rank} for m, rank in ranked]


def frozen_view(session: Session, scope: ScreenScope) -> dict | None:
    """Last frozen month's ranking of this scope with its shortened checksum (None before any freeze)."""
    month = snapshots.latest_month(session)
    if month is None:
        return None
    view = snapshots.get(session, month, SNAPSHOT_SCOPES[scope.kind], scope.id)
    if view is None:
        return None
    rows = [{"rank": r.get("rank"), "name": r.get("name"), "points": r.get("points"),
             "per_member": r.get("per_member"), "participation": r.get("participation")}
            for r in view.rows[:TOP_MEMBERS]]
    subject = view.rows[0]["subject_kind"] if view.rows else "member"
    return {"month": view.month, "scope_kind": view.scope_kind, "subject": subject, "checksum": view.checksum,
            "short": snapshots.short_checksum(view.checksum), "rows": rows}


def scope_payload(session: Session, store: Store, clock: Clock, scope: ScreenScope) -> dict:
    """Everything the screens of one scope draw (the same for every token of the scope; JSON-able)."""
    if scope.kind == "contest":
        return contest_screen.payload(session, store, clock, session.get(Contest, scope.id))
    month, now = clock.month_key(), clock.now()
    race = org_race(session, store, month, scope.orgs)
    tug = None
    if scope.kind == "pairing":
        by_id = {row["org_id"]: row for row in race}
        tug = {"a": by_id[scope.orgs[0].id], "b": by_id[scope.orgs[1].id]}
    covered = metrics.org_metrics(session, store, Period.for_month(month), metrics.outermost(scope.owners))
    totals = {"total": round(sum(m.total for m in covered)), "members": sum(m.members for m in covered),
              "participants": sum(m.participants for m in covered)}
    return {
        "kind": "board",
        "scope": {"kind": scope.kind, "id": scope.id, "name": scope.name},
        "totals": totals,
        "month": month,
        "updated_at": now.isoformat(),
        "updated_local": clock.local(now).strftime("%H:%M:%S"),
        "members": member_top(session, store, month, scope.owners),
        "orgs": race,
        "tug": tug,
        "frozen": frozen_view(session, scope),
    }


def screen_payload(session: Session, store: Store, clock: Clock, token_row: ScreenToken) -> dict:
    """What the screen of `token_row` draws: its scope's payload plus its own label."""
    scope = load_scope(session, token_row.scope_kind, token_row.scope_id)
    if scope is None:
        raise ScreenError("大屏对应的组织、结对、联合组或竞赛不存在")
    return {**scope_payload(session, store, clock, scope), "label": token_row.label}


@dataclass(frozen=True)
class ScreenListRow:
    """One line of the organizer's screen list."""

    id: int
    label: str
    scope_kind: str
    scope_name: str
    created_at: object
    revoked: bool

    def as_dict(self) -> dict:
        """The row as a dict (templates)."""
        return asdict(self)


def list_rows(session: Session, path_prefix: str) -> list[ScreenListRow]:
    """The organizer's screens with the names of their scopes."""
    rows = []
    for row in screens_for(session, path_prefix):
        scope = load_scope(session, row.scope_kind, row.scope_id)
        rows.append(ScreenListRow(row.id, row.label, row.scope_kind, scope.name if scope else "—", row.created_at,
                                  row.revoked_at is not None))
    return rows


def push_contest(session: Session, store: Store, clock: Clock, contest_id: int) -> None:
    """Send a contest's screens its payload now: after a change no award makes (the freeze shows the podium)."""
    scope = load_scope(session, "contest", contest_id)
    if scope is not None:
        socketio.emit("board.update", scope_payload(session, store, clock, scope), to=scope.room, namespace=NAMESPACE)


def notify_revoked(row: ScreenToken) -> None:
    """Tell the screens opened with a revoked token to reload (they then show the 410 page)."""
    socketio.emit("screen.revoked", {"id": row.id}, to=token_room(row), namespace=NAMESPACE)
