"""The organizer dashboard: the managed subtree at a glance."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.engine.periods import Period
from pkarena.services.boards import metrics
from pkarena.services.people import orgs
from pkarena.web.admin import bp


@bp.route("/")
@require("organizer")
def dashboard():
    """Orgs I manage with this month's points, points per member and participation."""
    session = runtime.session()
    month = runtime.clock().month_key()
    tree = orgs.subtree(session, managed_path(current_user))
    org_rows = metrics.org_metrics(session, runtime.store(), Period.for_month(month), tree)
    return render_template("admin/dashboard.html", metrics=org_rows, month=month)
