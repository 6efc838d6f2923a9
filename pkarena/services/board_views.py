"""Ranking tables for the organizer boards page: members, orgs, pairings and joint groups over a period."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine.periods import ORG_SORTS
from pkarena.engine.ranking import shared_ranks
from pkarena.models import JointGroup, Member, Org, Pairing
from pkarena.services import snapshots, standings
from pkarena.store import keys
from pkarena.store.base import Store

LIVE_PERIOD_RE = re.compile(r"^(all|day:\d{4}-\d{2}-\d{2}|month:\d{4}-(0[1-9]|1[0-2]))$")
FROZEN_PERIOD_RE = re.compile(r"^(quarter:\d{4}-Q[1-4]|year:\d{4})$")


class BoardViewError(ValueError):
    """A period or scope the boards page cannot show; `code` names which (message in Chinese)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BoardTable:
    """One ranking: rows of {id, name, points, rank, …}, the period shown and the month's freeze, if any."""

    period: str
    rows: list[dict]
    columns: tuple[str, ...] = ("points",)
    frozen: dict | None = None
    missing_months: list[str] = field(default_factory=list)


def resolve_period(value: str | None, clock: Clock) -> str:
    """`today` / `month` / `month:YYYY-MM` / `day:…` / `quarter:YYYY-Qn` / `year:YYYY` / `all` → a board period."""
    value = (value or "month").strip()
    if value == "today":
        return keys.period_day(clock.day_key())
    if value == "month":
        return keys.period_month(clock.month_key())
    if LIVE_PERIOD_RE.match(value) or FROZEN_PERIOD_RE.match(value):
        return value
    raise BoardViewError("INVALID_PERIOD", "周期须为 today、month、month:YYYY-MM、quarter:YYYY-Qn、year:YYYY 或 all")


def is_frozen_period(period: str) -> bool:
    """Quarters and years are sums of frozen months."""
    return bool(FROZEN_PERIOD_RE.match(period))


def _freeze_note(session: Session, period: str, scope_kind: str, scope_id: int = 0) -> dict | None:
    """For a month period: the month's snapshot of this scope (checksum shortened), or None."""
    if not period.startswith("month:"):
        return None
    view = snapshots.get(session, period.removeprefix("month:"), scope_kind, scope_id)
    if view is None:
        return None
    return {"month": view.month, "checksum": view.checksum, "short": snapshots.short_checksum(view.checksum)}


def member_board(session: Session, store: Store, period: str, org: Org | None, limit: int = 100) -> BoardTable:
    """Members of `org`'s subtree (None: everyone) for `period`; equal points share a rank."""
    scope_kind, scope_id = ("members_org", org.id) if org is not None else ("members_all", 0)
    if is_frozen_period(period):
        board = standings.frozen_period_board(session, period, scope_kind, scope_id)
        rows = [{"id": r["id"], "name": r["name"], "points": r["points"], "rank": r["rank"]}
                for r in board["rows"][:limit]]
        return BoardTable(period, _with_orgs(session, rows), columns=("org", "points"),
                          missing_months=_missing_months(board))
    scope = keys.scope_org(org.id) if org is not None else keys.scope_all()
    top = store.board_top(keys.board_key("members", scope, period), limit)
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


def _missing_months(board: dict) -> list[str]:
    """The months of a quarter/year board that are not frozen yet (they count nothing)."""
    return [m for m in board["months"] if m not in board["frozen_months"]]


def _populations(session: Session) -> list[tuple[str, int]]:
    """(org path, active human members directly in it) for every org with members."""
    return list(session.execute(
        select(Org.path, func.count(Member.id)).join(Member, Member.org_id == Org.id)
        .where(Member.status == "active", Member.is_bot.is_(False)).group_by(Org.path)
    ).all())


def org_metrics(session: Session, store: Store, period: str, org_list: list[Org]) -> list[standings.OrgMetrics]:
    """Each org subtree's total, members and participants for a live period (day, month or all)."""
    if period.startswith("month:"):
        return standings.org_month_metrics(session, store, period.removeprefix("month:"), org_list)
    # Same reading as standings.org_month_metrics, for the day and all-time boards.
    populations = _populations(session)
    org_board = store.board_all(keys.board_key("orgs", keys.scope_all(), period))
    metrics = []
    for org in org_list:
        member_board = store.board_all(keys.board_key("members", keys.scope_org(org.id), period))
        metrics.append(standings.OrgMetrics(
            org.id, org.name, org.kind, len(org.ancestor_ids) - 1, org_board.get(str(org.id), 0.0),
            sum(count for path, count in populations if path.startswith(org.path)),
            sum(1 for score in member_board.values() if score > 0)))
    return metrics


def org_board(session: Session, store: Store, period: str, org_list: list[Org], sort: str = "per_member") -> BoardTable:
    """Orgs ranked by 人均 (or total, or participation) for `period`; equal values share a rank."""
    if sort not in ORG_SORTS:
        raise BoardViewError("INVALID_SORT", "排序须为 per_member、total 或 participation")
    if is_frozen_period(period):
        # Quarter/year: sums over the frozen months (流动红旗 goes to the best 人均 of the quarter).
        return _frozen_org_table(session, period, "orgs", 0, sort, {org.id: org.name for org in org_list})
    metrics = {m.org_id: m for m in org_metrics(session, store, period, org_list)}
    value = {"per_member": lambda m: round(m.per_member, 4), "total": lambda m: m.total,
             "participation": lambda m: round(m.participation, 4)}[sort]
    rows = []
    for org_id, score, rank in shared_ranks((m.org_id, value(m)) for m in metrics.values()):
        m = metrics[org_id]
        rows.append({"id": m.org_id, "name": m.name, "points": _shown(score, sort), "rank": rank, "total": m.total,
                     "members": m.members, "participants": m.participants,
                     "per_member": round(m.per_member, 2), "participation": round(m.participation * 100, 1)})
    return BoardTable(period, rows, columns=("total", "members", "per_member", "participation"),
                      frozen=_freeze_note(session, period, "orgs"))


def _shown(score: float, sort: str) -> float:
    # What the chart draws: 人均 to 2 decimals and participation in percent, as the table shows them.
    if sort == "per_member":
        return round(score, 2)
    if sort == "participation":
        return round(score * 100, 1)
    return score


def _sort_value(row: dict, sort: str) -> float:
    return {"total": row["points"], "per_member": row["per_member"], "participation": row["participation"]}[sort]


def _frozen_org_table(session: Session, period: str, scope_kind: str, scope_id: int, sort: str,
                      names: dict[int, str] | None = None) -> BoardTable:
    """A quarter's or year's orgs of one frozen scope (only `names`' orgs, named so, when given), ranked by `sort`."""
    board = standings.frozen_period_board(session, period, scope_kind, scope_id, sort=sort)
    chosen = {r["id"]: r for r in board["rows"] if names is None or r["id"] in names}
    rows = []
    for org_id, score, rank in shared_ranks((i, _sort_value(r, sort)) for i, r in chosen.items()):
        r = chosen[org_id]
        rows.append({"id": org_id, "name": names[org_id] if names else r["name"], "points": _shown(score, sort),
                     "rank": rank, "total": r["points"], "members": r["members"],
                     "per_member": round(r["per_member"], 2), "participation": round(r["participation"] * 100, 1)})
    return BoardTable(period, rows, columns=("total", "members", "per_member", "participation"),
                      missing_months=_missing_months(board))


def ranked_orgs(session: Session, root: Org | None, path_prefix: str) -> list[Org]:
    """The orgs compared on an org board: `root`'s children (itself if it has none); companies for no root."""
    if root is None:
        found = [o for o in session.execute(select(Org).where(Org.parent_id.is_(None)).order_by(Org.path)).scalars()
                 if o.path.startswith(path_prefix)]
        return found
    children = list(session.execute(select(Org).where(Org.parent_id == root.id).order_by(Org.path)).scalars())
    return children or [root]


def _month_only(period: str) -> str:
    if not period.startswith("month:"):
        raise BoardViewError("MONTH_ONLY", "结对和联合组排行只支持按月、季度或年度查看")
    return period.removeprefix("month:")


def pairing_board(session: Session, store: Store, period: str, pairing: Pairing) -> BoardTable:
    """Both sides of a pairing for a month (or a quarter or year of frozen months), ranked by 人均."""
    if is_frozen_period(period):
        return _frozen_org_table(session, period, "pairing", pairing.id, "per_member")
    standing = standings.pairing_standing(session, store, _month_only(period), pairing)
    return _group_table(session, period, standing["sides"], "pairing", pairing.id)


def joint_group_board(session: Session, store: Store, period: str, group: JointGroup) -> BoardTable:
    """A joint group's orgs for a month (or a quarter or year of frozen months: 联合党委's quarterly 评比), by 人均."""
    if is_frozen_period(period):
        return _frozen_org_table(session, period, "joint_group", group.id, "per_member")
    standing = standings.joint_group_standing(session, store, _month_only(period), group)
    return _group_table(session, period, standing["rows"], "joint_group", group.id)


def _group_table(session: Session, period: str, sides: list[dict], scope_kind: str, scope_id: int) -> BoardTable:
    ranked = shared_ranks((s["org_id"], s["per_member"]) for s in sides)
    by_id = {s["org_id"]: s for s in sides}
    rows = [{"id": org_id, "name": by_id[org_id]["name"], "points": round(score, 2), "rank": rank,
             "total": by_id[org_id]["total"], "members": by_id[org_id]["members"],
             "participants": by_id[org_id]["participants"], "per_member": round(score, 2),
             "participation": round(by_id[org_id]["participation"] * 100, 1)}
            for org_id, score, rank in ranked]
    return BoardTable(period, rows, columns=("total", "members", "per_member", "participation"),
                      frozen=_freeze_note(session, period, scope_kind, scope_id))


def recent_periods(clock: Clock, months: int = 12) -> dict[str, list[str]]:
    """Period choices for the page: the last `months` months, their quarters and years (newest first)."""
    year, month = (int(part) for part in clock.month_key().split("-"))
    month_keys = []
    for back in range(months):
        y, m = divmod((year * 12 + month - 1) - back, 12)
        month_keys.append(f"{y}-{m + 1:02d}")
    quarters = list(dict.fromkeys(f"quarter:{k[:4]}-Q{(int(k[5:]) - 1) // 3 + 1}" for k in month_keys))
    years = list(dict.fromkeys(f"year:{k[:4]}" for k in month_keys))
    return {"months": [f"month:{k}" for k in month_keys], "quarters": quarters, "years": years}
