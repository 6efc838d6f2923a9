"""Frozen monthly snapshots as JSON (DESIGN §8): `GET /api/v1/snapshots/<YYYY-MM>`."""

from __future__ import annotations

from flask import Blueprint, jsonify

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.monthly import freeze, snapshots

bp = Blueprint("snapshots", __name__, url_prefix="/api/v1")


def _error(code: str, message: str, status: int):
    return jsonify(error={"code": code, "message": message}), status


@bp.route("/snapshots/<month>")
@require("member")
def month_snapshots(month: str):
    """Every frozen scope of `month` with its rows and checksum, plus later corrections that name it."""
    try:
        month = freeze.parse_month(month)
    except freeze.FreezeError:
        return _error("INVALID_MONTH", "月份格式应为 YYYY-MM", 400)
    session = runtime.session()
    views = snapshots.all_for_month(session, month)
    if not views:
        return _error("NOT_FROZEN", "该月尚未冻结", 404)
    corrections = [
        {"entry_id": e.id, "member_id": e.member_id, "org_id": e.org_id, "points": e.points, "month": e.month,
         "corrects_entry_id": e.corrects_entry_id}
        for e in freeze.corrections_naming(session, month)
    ]
    return jsonify(month=month, snapshots=[view.as_dict() for view in views], corrections=corrections)
