"""JSON contests API (DESIGN §8): `GET /api/v1/contests` (mine) and `GET /api/v1/contests/<id>`."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.models import Contest
from pkarena.services.contests import manage as contests
from pkarena.services.contests import views as contest_views

bp = Blueprint("contests_api", __name__, url_prefix="/api/v1/contests")


@bp.route("")
@require("member")
def index():
    """The contests the caller may see (their org's; an organizer's subtree's too), with status."""
    session, clock = runtime.session(), runtime.clock()
    return jsonify(contests=[contest_views.summary(c, clock) for c in contests.visible_to(session, current_user)])


@bp.route("/<int:contest_id>")
@require("member")
def show(contest_id: int):
    """One contest: participants, window, metric, live or frozen standings, checksum once frozen."""
    session = runtime.session()
    contest = session.get(Contest, contest_id)
    if contest is None or not contests.can_view(session, current_user, contest) or (
            contest.status == "draft" and not contests.can_manage(current_user, contest)):
        return jsonify(error={"code": "NOT_FOUND", "message": "竞赛不存在或您无权查看"}), 404
    return jsonify(contest_views.detail(session, runtime.store(), runtime.clock(), contest))
