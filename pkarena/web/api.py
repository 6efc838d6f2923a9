"""JSON boards API (DESIGN §8): `GET /api/v1/boards/<scope>?period=`."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from pkarena import runtime
from pkarena.authz import require
from pkarena.engine import periods
from pkarena.models import JointGroup, Member, Org, Pairing
from pkarena.services import standings
from pkarena.store import keys

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PERIOD_RE = re.compile(r"^(all|day:\d{4}-\d{2}-\d{2}|month:\d{4}-\d{2})$")
# Quarters and years rank the sums of frozen months (what units announce: 流动红旗, yearly honours).
FROZEN_PERIOD_RE = re.compile(r"^(quarter:\d{4}-Q[1-4]|year:\d{4})$")
FROZEN_SCOPES = {"members": "members_all", "orgs": "orgs", "org": "members_org", "pairing": "pairing",
                 "joint-group": "joint_group"}


def _bad(code: str, message: str, status: int = 400):
    return jsonify(error={"code": code, "message": message}), status


@bp.route("/boards/<path:scope>")
@require("member")
def board(scope: str):
    """Top entries of a board: `members`, `orgs` or `org/<id>`, for `period` (default this month)."""
    period = request.args.get("period") or keys.period_month(runtime.clock().month_key())
    if FROZEN_PERIOD_RE.match(period):
        return _frozen_board(scope, period)
    if not PERIOD_RE.match(period):
        return _bad("INVALID_PERIOD", "period 须为 all、day:YYYY-MM-DD 或 month:YYYY-MM")
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    session = runtime.session()
    group_scope = _group_board(session, scope, period)
    if group_scope is not None:
        return group_scope
    if scope == "members":
        key, kind = keys.board_key("members", keys.scope_all(), period), "members"
    elif scope == "orgs":
        key, kind = keys.board_key("orgs", keys.scope_all(), period), "orgs"
    elif scope.startswith("org/") and scope[4:].isdigit():
        if session.get(Org, int(scope[4:])) is None:
            return _bad("NOT_FOUND", "组织不存在", 404)
        key, kind = keys.board_key("members", keys.scope_org(int(scope[4:])), period), "members"
    else:
        return _bad("INVALID_SCOPE", "scope 须为 members、orgs、org/<id>、pairing/<id> 或 joint-group/<id>")
    rows = runtime.store().board_top(key, limit)
    ids = [int(r.member) for r in rows]
    model = Member if kind == "members" else Org
    names = dict(session.execute(select(model.id, model.display_name if kind == "members" else model.name)
                                 .where(model.id.in_(ids))).all()) if ids else {}
    return jsonify(scope=scope, period=period, rows=[
        {"id": int(r.member), "name": names.get(int(r.member), "?"), "points": r.score, "rank": r.rank} for r in rows
    ])


def _group_board(session, scope: str, period: str):
    """`pairing/<id>` and `joint-group/<id>`: side-by-side org metrics of one month (None: another scope)."""
    kind, _, ident = scope.partition("/")
    model = {"pairing": Pairing, "joint-group": JointGroup}.get(kind)
    if model is None or not ident.isdigit():
        return None
    if not period.startswith("month:"):
        return _bad("INVALID_PERIOD", "结对和联合组排行只支持 period=month:YYYY-MM")
    subject = session.get(model, int(ident))
    if subject is None:
        return _bad("NOT_FOUND", "结对不存在" if model is Pairing else "联合组不存在", 404)
    month = period.removeprefix("month:")
    if model is Pairing:
        return jsonify(scope=scope, period=period, **standings.pairing_standing(session, runtime.store(), month, subject))
    return jsonify(scope=scope, period=period,
                   **standings.joint_group_standing(session, runtime.store(), month, subject))


def _frozen_board(scope: str, period: str):
    """A quarter's or year's board from the frozen monthly snapshots (months not frozen yet count nothing)."""
    kind, _, ident = scope.partition("/")
    if kind not in FROZEN_SCOPES or (ident and not ident.isdigit()) or (kind in ("members", "orgs")) == bool(ident):
        return _bad("INVALID_SCOPE", "scope 须为 members、orgs、org/<id>、pairing/<id> 或 joint-group/<id>")
    sort = request.args.get("sort", "total")
    if sort not in periods.ORG_SORTS:
        return _bad("INVALID_SORT", "sort 须为 total、per_member 或 participation")
    board = standings.frozen_period_board(runtime.session(), period, FROZEN_SCOPES[kind], int(ident or 0), sort)
    return jsonify(scope=scope, period=period, **board)
