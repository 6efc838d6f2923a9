"""The member's own points pages (phone): this month's trend, ledger entries with sources, ranks."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.engine.periods import Period, PeriodError
from pkarena.services.boards import metrics
from pkarena.services.boards import my_points as member_points
from pkarena.web.labels import SOURCE_LABELS

bp = Blueprint("member", __name__)

SCOPE_LABELS = {"company": _l("公司"), "branch": _l("支部"), "group": _l("小组"), "pairing": _l("结对共建"),
                "joint_group": _l("联合组")}


def _month_arg() -> str | None:
    """The `month=YYYY-MM` query argument if valid, else None."""
    try:
        return Period.for_month(request.args.get("month", "")).month_key
    except PeriodError:
        return None


@bp.route("/me/points")
@require("member")
def points():
    """My points this month as a trend, my ranks (month and all time) and my entries, paginated."""
    session, clock = runtime.session(), runtime.clock()
    month = _month_arg() or clock.month_key()
    trend = member_points.month_trend(session, clock, current_user.id, month)
    page = member_points.entry_page(session, current_user.id, page=request.args.get("page", 1, type=int) or 1)
    ranks = metrics.member_summary(session, runtime.store(), clock, current_user).scopes
    return render_template("member/points.html", trend=trend, result=page, ranks=ranks, clock=clock,
                           source_labels=SOURCE_LABELS, scope_labels=SCOPE_LABELS,
                           month_period=Period.for_month(clock.month_key()).key)


@bp.route("/api/v1/me/entries")
@require("member")
def api_entries():
    """My ledger entries (of `month=YYYY-MM` if given), newest first, `page` of `per_page` (≤ 100)."""
    if request.args.get("month") and not _month_arg():
        return jsonify(error={"code": "INVALID_MONTH", "message": "month 须为 YYYY-MM"}), 400
    per_page = min(max(request.args.get("per_page", member_points.PER_PAGE, type=int) or 1, 1), 100)
    page = member_points.entry_page(runtime.session(), current_user.id, month=_month_arg(),
                                    page=request.args.get("page", 1, type=int) or 1, per_page=per_page)
    clock = runtime.clock()
    return jsonify(month=_month_arg(), page=page.page, pages=page.pages, total=page.total, entries=[
        {**member_points.entry_dict(e, clock), "source_label": str(SOURCE_LABELS.get(e.source, e.source))}
        for e in page.items
    ])
