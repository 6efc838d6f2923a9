"""JSON boards API (DESIGN §8): `GET /api/v1/boards/<scope>?period=` (the boards page's tables, as JSON)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.boards import tables as board_views

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/boards/<path:scope>")
@require("member")
def board(scope: str):
    """A board: `members`, `orgs`, `org/<id>`, `pairing/<id>` or `joint-group/<id>`, for `period` (default this month)."""
    limit = min(max(request.args.get("limit", 50, type=int) or 50, 1), 500)
    try:
        period = board_views.resolve_period(request.args.get("period"), runtime.clock())
        body = board_views.api_board(runtime.session(), runtime.store(), scope, period,
                                     sort=request.args.get("sort"), limit=limit)
    except board_views.BoardViewError as exc:
        return jsonify(error={"code": exc.code, "message": str(exc)}), exc.status
    return jsonify(body)
