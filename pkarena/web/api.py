"""JSON boards API (DESIGN §8): `GET /api/v1/boards/<scope>?period=`."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from pkarena import runtime
from pkarena.authz import require
from pkarena.models import Member, Org
from pkarena.store import keys

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PERIOD_RE = re.compile(r"^(all|day:\d{4}-\d{2}-\d{2}|month:\d{4}-\d{2})$")


def _bad(code: str, message: str, status: int = 400):
    return jsonify(error={"code": code, "message": message}), status


@bp.route("/boards/<path:scope>")
@require("member")
def board(scope: str):
    """Top entries of a board: `members`, `orgs` or `org/<id>`, for `period` (default this month)."""
    period = request.args.get("period") or keys.period_month(runtime.clock().month_key())
    if not PERIOD_RE.match(period):
        return _bad("INVALID_PERIOD", "period 须为 all、day:YYYY-MM-DD 或 month:YYYY-MM")
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    session = runtime.session()
    if scope == "members":
        key, kind = keys.board_key("members", keys.scope_all(), period), "members"
    elif scope == "orgs":
        key, kind = keys.board_key("orgs", keys.scope_all(), period), "orgs"
    elif scope.startswith("org/") and scope[4:].isdigit():
        if session.get(Org, int(scope[4:])) is None:
            return _bad("NOT_FOUND", "组织不存在", 404)
        key, kind = keys.board_key("members", keys.scope_org(int(scope[4:])), period), "members"
    else:
        return _bad("INVALID_SCOPE", "scope 须为 members、orgs 或 org/<id>")
    rows = runtime.store().board_top(key, limit)
    ids = [int(r.member) for r in rows]
    model = Member if kind == "members" else Org
    names = dict(session.execute(select(model.id, model.display_name if kind == "members" else model.name)
                                 .where(model.id.in_(ids))).all()) if ids else {}
    return jsonify(scope=scope, period=period, rows=[
        {"id": int(r.member), "name": names.get(int(r.member), "?"), "points": r.score, "rank": r.rank} for r in rows
    ])
