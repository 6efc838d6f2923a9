"""The audit log of the managed subtree (admins: everything)."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.models import Member
from pkarena.services import audit
from pkarena.web.admin import bp

LIMIT = 200


@bp.route("/audit")
@require("organizer")
def audit_log():
    """The latest 200 audit rows about orgs, members and links of the managed subtree."""
    session = runtime.session()
    rows = audit.recent(session, managed_path(current_user), LIMIT)
    actor_ids = {r.actor_id for r in rows if r.actor_id}
    actors = dict(session.execute(select(Member.id, Member.display_name).where(Member.id.in_(actor_ids))).all())
    return render_template("admin/audit.html", rows=rows, actors=actors, targets=audit.target_labels(session, rows),
                           limit=LIMIT)
