"""The organizer dashboard: the managed subtree at a glance."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.services import orgs
from pkarena.web.admin import bp


@bp.route("/")
@require("organizer")
def dashboard():
    """Orgs I manage with their member counts."""
    session = runtime.session()
    tree = orgs.subtree(session, managed_path(current_user))
    counts = orgs.active_member_counts(session)
    return render_template("admin/dashboard.html", tree=tree, counts=counts)
