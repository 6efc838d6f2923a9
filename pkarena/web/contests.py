"""Contest pages for members (phone): my contests, and one contest — our side against theirs."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.models import Contest
from pkarena.services.contests import manage as contests
from pkarena.services.contests import views as contest_views

bp = Blueprint("contests", __name__)


@bp.route("/contests")
@require("member")
def index():
    """The contests my org takes part in: running first, then scheduled, then finished."""
    session, clock = runtime.session(), runtime.clock()
    found = [contest_views.summary(c, clock) for c in contests.mine(session, current_user)]
    order = {"running": 0, "scheduled": 1, "ended": 2, "frozen": 3, "cancelled": 4}
    found.sort(key=lambda c: order.get(c["status"], 9))
    return render_template("contests/index.html", contests=found)


@bp.route("/contests/<int:contest_id>")
@require("member")
def show(contest_id: int):
    """One contest: the sides as bars, days left, my side's top contributors and my own contribution."""
    session = runtime.session()
    contest = session.get(Contest, contest_id)
    if contest is None or contest.status == "draft" or not contests.can_view(session, current_user, contest):
        abort(404)
    view = contest_views.member_view(session, runtime.store(), runtime.clock(), contest, current_user)
    return render_template("contests/show.html", contest=view)
