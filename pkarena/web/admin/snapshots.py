"""Frozen months for organizers: checksums, exports (xlsx/CSV) and a verify button."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.services.monthly import freeze, ledger_export, snapshots
from pkarena.web.admin import bp
from pkarena.web.guards import month_or_404

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(verified: dict | None = None, status: int = 200):
    session = runtime.session()
    months = [(month, snapshots.month_headers(session, month)) for month in snapshots.frozen_months(session)]
    return render_template("admin/snapshots.html", months=months, verified=verified, names=snapshots.scope_names(session),
                           current_month=runtime.clock().month_key(), short=snapshots.short_checksum), status


@bp.route("/snapshots")
@require("organizer")
def snapshot_list():
    """Every frozen month with its checksums and export links."""
    return _page()


@bp.route("/snapshots/<month>/verify", methods=["POST"])
@require("organizer")
def snapshot_verify(month: str):
    """Recompute `month` from the ledger and verify each snapshot's checksum; show the result."""
    month = month_or_404(month)
    problems = freeze.check_month(runtime.session(), month, runtime.clock())
    return _page({"month": month, "problems": problems})


@bp.route("/snapshots/export")
@require("organizer")
def snapshot_export():
    """Download a month's rankings and 台账 (`format=xlsx|csv`); the 台账 covers the managed subtree."""
    month = month_or_404(request.args.get("month", ""))
    kind = request.args.get("format", "xlsx")
    if kind not in ("xlsx", "csv"):
        abort(404)
    session, clock, prefix = runtime.session(), runtime.clock(), managed_path(current_user)
    if kind == "csv":
        body, mimetype = ledger_export.csv_text(session, clock, month, prefix), "text/csv; charset=utf-8"
    else:
        body, mimetype = ledger_export.xlsx_bytes(session, clock, month, prefix), XLSX
    headers = {"Content-Disposition": f'attachment; filename="pkarena-ledger-{month}.{kind}"'}
    return Response(body, mimetype=mimetype, headers=headers)
