"""Organizer boards page: member, org, pairing and joint-group rankings of the managed subtree over a period."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.models import Org
from pkarena.services.boards import tables as board_views
from pkarena.services.people import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import org_choices, scoped_orgs
from pkarena.web.guards import joint_group_or_404, org_or_404, pairing_or_404

SCOPES = {"members": _l("成员排名"), "orgs": _l("组织排名"), "pairing": _l("结对"), "joint-group": _l("联合组")}
ERRORS = {"INVALID_PERIOD": _l("无法识别的周期"), "INVALID_SORT": _l("无法识别的排序方式"),
          "MONTH_ONLY": _l("结对和联合组排行只支持按月（本月或往月）、季度或年度查看")}
SORTS = {"per_member": _l("人均积分"), "total": _l("总积分"), "participation": _l("参与率")}


def _root_org() -> Org | None:
    """The chosen org (`org=`), else the organizer's own scope org; None = everything (admins only)."""
    if request.args.get("org", type=int):
        return org_or_404(request.args.get("org", type=int))
    return None if current_user.role == "admin" else current_user.scope_org


def _table(scope: str, period: str, root: Org | None) -> board_views.BoardTable | None:
    session, store = runtime.session(), runtime.store()
    if scope == "members":
        return board_views.member_board(session, store, period, root)
    if scope == "orgs":
        ranked = board_views.ranked_orgs(session, root, managed_path(current_user))
        return board_views.org_board(session, store, period, ranked, request.args.get("sort", "per_member"))
    if scope == "pairing" and request.args.get("pairing", type=int):
        return board_views.pairing_board(session, store, period, pairing_or_404(request.args.get("pairing", type=int)))
    if scope == "joint-group" and request.args.get("group", type=int):
        return board_views.joint_group_board(session, store, period, joint_group_or_404(request.args.get("group", type=int)))
    return None


@bp.route("/boards")
@require("organizer")
def board_page():
    """One ranking (`scope`, `period`, `org`/`pairing`/`group`, `sort`) with a top-20 chart and the freeze note."""
    scope = request.args.get("scope", "members")
    if scope not in SCOPES:
        abort(404)
    session, clock, prefix = runtime.session(), runtime.clock(), managed_path(current_user)
    root, error, table = _root_org(), None, None
    try:
        period = board_views.resolve_period(request.args.get("period"), clock)
        table = _table(scope, period, root)
    except board_views.BoardViewError as exc:
        period, error = request.args.get("period", ""), str(ERRORS[exc.reason])
    return render_template(
        "admin/boards.html", scope=scope, scopes=SCOPES, sorts=SORTS, sort=request.args.get("sort", "per_member"),
        period=period, period_arg=request.args.get("period", "month"), root=root, table=table, error=error,
        org_options=org_choices(scoped_orgs()), pairings=orgs.pairings_for(session, prefix),
        groups=orgs.joint_groups_for(session, prefix), pairing_id=request.args.get("pairing", type=int),
        group_id=request.args.get("group", type=int), choices=board_views.period_choices(clock),
    ), (400 if error else 200)
