"""Ranking tables over a period, for the organizer boards page and `GET /api/v1/boards/<scope>` alike.

One period parse (`resolve_period`), one scope dispatch (`api_board` for the API's scope strings; the page
calls the table functions it picks from its form), and the figures and order of services/metrics.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine.periods import Period, PeriodError
from pkarena.engine.ranking import ORG_SORTS, OrgFigures, rank_orgs
from pkarena.models import JointGroup, Member, Org, Pairing
from pkarena.services.boards import metrics
from pkarena.services.monthly import snapshots
from pkarena.store import keys
from pkarena.store.base import Store

ORG_COLUMNS = ("total", "members", "per_member", "participation")
# A quarter's or year's board is read from the frozen monthly snapshots of this scope kind.
FROZEN_SCOPES = {"members": "members_all", "orgs": "orgs", "org": "members_org", "pairing": "pairing",
                 "joint-group": "joint_group"}
SCOPE_HINT = "scope 须为 members、orgs、org/<id>、pairing/<id> 或 joint-group/<id>"


class BoardViewError(ValueError):
    """A period or scope no board can show: `code` (API), `reason` (page label), Chinese message, status."""

    def __init__(self, code: str, message: str, status: int = 400, reason: str | None = None) -> None:
        super().__init__(message)
        self.code, self.status, self.reason = code, status, reason or code


@dataclass(frozen=True)
class BoardTable:
    """One ranking: rows of {id, name, points, rank, …}, the period shown and the month's freeze, if any."""

    period: Period
    rows: list[dict]
    columns: tuple[str, ...] = ("points",)
    frozen: dict | None = None
    missing_months: list[str] = field(default_factory=list)


def resolve_period(value: str | None, clock: Clock) -> Period:
    """`today` / `month` (the clock's) or a period key (`month:YYYY-MM`, `quarter:YYYY-Qn`…) → a Period."""
    value = (value or "month").strip()
    if value == "today":
        return Period.for_day(clock.day_key())
    if value == "month":
        return Period.for_month(clock.month_key())
    try:
        return Period.parse(value)
    except PeriodError as exc:
        raise BoardViewError(exc.code, str(exc)) from exc


def check_sort(sort: str) -> str:
    """`sort` if it names an org figure, else BoardViewError."""
    if sort not in ORG_SORTS:
        raise BoardViewError("INVALID_SORT", "排序须为 per_member、total 或 participation")
    return sort


def _freeze_note(session: Session, period: Period, scope_kind: str, scope_id: int = 0) -> dict | None:
    """For a month period: the month's snapshot of this scope (checksum shortened), or None."""
    if period.kind != "month":
        return None
    view = snapshots.get(session, period.month_key, scope_kind, scope_id)
    if view is None:
        return None
    return {"month": view.month, "checksum": view.checksum, "short": snapshots.short_checksum(view.checksum)}


def _missing_months(board: dict) -> list[str]:
    return [m for m in board["months"] if m not in board["frozen_months"]]


# --- members --------------------------------------------------------------------------------------
def member_board(session: Session, store: Store, period: Period, org: Org | None, limit: int = 100) -> BoardTable:
    """Members of `org`'s subtree (None: everyone) for `period`; equal points share a rank."""
    scope_kind, scope_id = ("members_org", org.id) if org is not None else ("members_all", 0)
    if period.is_frozen:
        board = metrics.frozen_board(session, period, scope_kind, scope_id)
        rows = [{"id": r["id"], "name": r["name"], "points": r["points"], "rank": r["rank"]}
                for r in board["rows"][:limit]]
        return BoardTable(period, _with_orgs(session, rows), columns=("org", "points"),
                          missing_months=_missing_months(board))
    scope = keys.scope_org(org.id) if org is not None else keys.scope_all()
    top = store.board_top(keys.board_key("members", scope, period.key), limit)
    ids = [int(r.member) for r in top]
    names = dict(session.execute(select(Member.id, Member.display_name).where(Member.id.in_(ids))).all()) if ids else {}
    rows = [{"id": int(r.member), "name": names.get(int(r.member), "?"), "points": r.score, "rank": r.rank}
            for r in top]
    return BoardTable(period, _with_orgs(session, rows), columns=("org", "points"),
                      frozen=_freeze_note(session, period, scope_kind, scope_id))


def _with_orgs(session: Session, rows: list[dict]) -> list[dict]:
    """Member rows with the name of the org each member belongs to now (organizers ask "which branch?")."""
    ids = [row["id"] for row in rows]
    found = dict(session.execute(select(Member.id, Org.name).join(Org, Org.id == Member.org_id)
                                 .where(Member.id.in_(ids))).all()) if ids else {}
    return [{**row, "org": found.get(row["id"], "")} for row in rows]


# --- orgs, pairings, joint groups -----------------------------------------------------------------
def _shown(row: dict, sort: str) -> float:
    # What the chart draws: 人均 to 2 decimals and participation in percent, as the table shows them.
    return {"total": row["total"], "per_member": row["per_member"], "participation": row["participation"]}[sort]


def _org_row(org_id: int, name: str, rank: int, total: float, members: int, per_member: float,
             participation: float, sort: str, participants: int | None = None) -> dict:
    row = {"id": org_id, "name": name, "rank": rank, "total": total, "members": members,
           "per_member": round(per_member, 2), "participation": round(participation * 100, 1)}
    if participants is not None:
        row["participants"] = participants
    return {**row, "points": _shown(row, sort)}


def _live_org_table(session: Session, store: Store, period: Period, org_list: list[Org], sort: str,
                    scope_kind: str, scope_id: int = 0) -> BoardTable:
    rows = [_org_row(m.org_id, m.name, rank, m.total, m.members, m.per_member, m.participation, sort, m.participants)
            for m, rank in metrics.ranked_org_metrics(session, store, period, org_list, sort)]
    return BoardTable(period, rows, columns=ORG_COLUMNS, frozen=_freeze_note(session, period, scope_kind, scope_id))


def _frozen_org_table(session: Session, period: Period, scope_kind: str, scope_id: int, sort: str,
                      names: dict[int, str] | None = None) -> BoardTable:
    """A quarter's or year's orgs of one frozen scope (only `names`' orgs, named so, when given), ranked by `sort`."""
    board = metrics.frozen_board(session, period, scope_kind, scope_id, sort=sort)
    chosen = {r["id"]: r for r in board["rows"] if names is None or r["id"] in names}
    figures = [OrgFigures(i, r["points"], r["per_member"], r["participation"]) for i, r in chosen.items()]
    rows = [_org_row(f.id, names[f.id] if names else chosen[f.id]["name"], rank, f.total, chosen[f.id]["members"],
                     f.per_member, f.participation, sort) for f, rank in rank_orgs(figures, sort)]
    return BoardTable(period, rows, columns=ORG_COLUMNS, missing_months=_missing_months(board))


def org_board(session: Session, store: Store, period: Period, org_list: list[Org], sort: str = "per_member") -> BoardTable:
    """Orgs in the one org order (by 人均, or total, or participation) for `period`, with their ranks."""
    check_sort(sort)
    if period.is_frozen:
        # Quarter/year: sums over the frozen months (流动红旗 goes to the best 人均 of the quarter).
        return _frozen_org_table(session, period, "orgs", 0, sort, {org.id: org.name for org in org_list})
    return _live_org_table(session, store, period, org_list, sort, "orgs")


def ranked_orgs(session: Session, root: Org | None, path_prefix: str) -> list[Org]:
    """The orgs compared on an org board: `root`'s children (itself if it has none); companies for no root."""
    if root is None:
        found = [o for o in session.execute(select(Org).where(Org.parent_id.is_(None)).order_by(Org.path)).scalars()
                 if o.path.startswith(path_prefix)]
        return found
    children = list(session.execute(select(Org).where(Org.parent_id == root.id).order_by(Org.path)).scalars())
    return children or [root]


def _month_only(period: Period) -> Period:
    if period.kind != "month":
        raise BoardViewError("INVALID_PERIOD", "结对和联合组排行只支持 period=month:YYYY-MM、quarter:YYYY-Qn 或 year:YYYY",
                             reason="MONTH_ONLY")
    return period


def pairing_board(session: Session, store: Store, period: Period, pairing: Pairing) -> BoardTable:
    """Both sides of a pairing for a month (or a quarter or year of frozen months), in the one org order."""
    if period.is_frozen:
        return _frozen_org_table(session, period, "pairing", pairing.id, "per_member")
    return _live_org_table(session, store, _month_only(period), [pairing.org_a, pairing.org_b], "per_member",
                           "pairing", pairing.id)


def joint_group_board(session: Session, store: Store, period: Period, group: JointGroup) -> BoardTable:
    """A joint group's orgs for a month (or a quarter or year of frozen months: 联合党委's quarterly 评比)."""
    if period.is_frozen:
        return _frozen_org_table(session, period, "joint_group", group.id, "per_member")
    return _live_org_table(session, store, _month_only(period), [link.org for link in group.members], "per_member",
                           "joint_group", group.id)


def period_choices(clock: Clock, months: int = 12) -> dict[str, list[Period]]:
    """Period choices for the page: the last `months` months, their quarters and years (newest first)."""
    return Period.recent(clock.month_key(), months)


# --- the JSON API -----------------------------------------------------------------------------------
def api_board(session: Session, store: Store, scope: str, period: Period, *, sort: str | None = None,
              limit: int = 50) -> dict:
    """`GET /api/v1/boards/<scope>`'s body: `members`, `orgs`, `org/<id>`, `pairing/<id>`, `joint-group/<id>`."""
    kind, _, ident = scope.partition("/")
    if kind not in FROZEN_SCOPES or (ident and not ident.isdigit()) or (kind in ("members", "orgs")) == bool(ident):
        raise BoardViewError("INVALID_SCOPE", SCOPE_HINT)
    sort = check_sort(sort or ("total" if kind in ("members", "org") else "per_member"))
    subject = _subject(session, kind, int(ident or 0))
    if period.is_frozen:
        board = metrics.frozen_board(session, period, FROZEN_SCOPES[kind], int(ident or 0), sort)
        return {"scope": scope, "period": period.key, **board}
    if kind == "pairing":
        return {"scope": scope, "period": period.key,
                **metrics.pairing_sides(session, store, _month_only(period), subject)}
    if kind == "joint-group":
        return {"scope": scope, "period": period.key,
                **metrics.joint_group_rows(session, store, _month_only(period), subject)}
    if kind == "orgs":
        # Every org (companies, branches, groups): the orgs board of the Store lists them all.
        everyone = list(session.execute(select(Org).order_by(Org.path)).scalars())
        rows = [{**m.as_dict(), "id": m.org_id, "points": m.total, "rank": rank}
                for m, rank in metrics.ranked_org_metrics(session, store, period, everyone, sort)[:limit]]
        return {"scope": scope, "period": period.key, "sort": sort, "rows": rows}
    table = member_board(session, store, period, subject, limit)
    return {"scope": scope, "period": period.key, "rows": table.rows}


def _subject(session: Session, kind: str, ident: int):
    """The org, pairing or joint group a scope names (None for `members`/`orgs`); 404 when unknown."""
    model = {"org": Org, "pairing": Pairing, "joint-group": JointGroup}.get(kind)
    if model is None:
        return None
    found = session.get(model, ident)
    if found is None:
        raise BoardViewError("NOT_FOUND", {Org: "组织不存在", Pairing: "结对不存在", JointGroup: "联合组不存在"}[model], 404)
    return found
