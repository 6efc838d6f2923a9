"""JSON boards API (DESIGN §8): `GET /api/v1/boards/<scope>?period=` (the boards page's tables, as JSON)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.boards import tables as board_views
from pkarena.services.contests import views as contest_views

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/boards/<path:scope>")
@require("member")
def board(scope: str):
    """A board: `members`, `orgs`, `org/<id>`, `pairing/<id>`, `joint-group/<id>` for `period` (default this month),
    or `contest/<id>` (the contest's own window: its live or frozen standings)."""
    if scope.startswith("contest/"):
        body = contest_views.board(runtime.session(), runtime.store(), runtime.clock(), current_user,
                                   scope.removeprefix("contest/"))
        if body is None:
            return jsonify(error={"code": "NOT_FOUND", "message": "竞赛不存在或您无权查看"}), 404
        return jsonify(body)
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    try:
        period = board_views.resolve_period(request.args.get("period"), runtime.clock())
        body = board_views.api_board(runtime.session(), runtime.store(), scope, period,
                                     sort=request.args.get("sort"), limit=limit)
    except board_views.BoardViewError as exc:
        return jsonify(error={"code": exc.code, "message": str(exc)}), exc.status
    return jsonify(body)
