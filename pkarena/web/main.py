"""Health check and the member's phone home page."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from pkarena import runtime
from pkarena.authz import public, require
from pkarena.services.boards import metrics
from pkarena.services.boards import my_points as member_points
from pkarena.services.contests import views as contest_views

bp = Blueprint("main", __name__)


@bp.route("/healthz")
@public
def healthz():
    """200 when the database and the store answer, 503 otherwise (JSON either way)."""
    checks = {}
    try:
        runtime.session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # a health check reports, it does not raise
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        checks["store"] = "ok" if runtime.store().ping() else "error: no answer"
    except Exception as exc:
        checks["store"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "error", checks=checks), 200 if healthy else 503


@bp.route("/")
@public
def index():
    """Send visitors to their home page or to the login page."""
    if current_user.is_authenticated:
        if current_user.role in ("organizer", "admin"):
            return redirect(url_for("admin.dashboard"))
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@require("member")
def home():
    """The phone home page: my points today / this month / total, and my ranks, from the ledger."""
    session = runtime.session()
    summary = metrics.member_summary(session, runtime.store(), runtime.clock(), current_user)
    entries = member_points.recent_entries(session, current_user.id)
    flags = contest_views.member_flags(session, current_user)  # 流动红旗 my org (or an ancestor) holds
    return render_template("member/home.html", summary=summary, entries=entries, flags=flags,
                           clock=runtime.clock())


@bp.route("/api/v1/me")
@require("member")
def api_me():
    """The logged-in member, their org, points today/month/total and ranks."""
    summary = metrics.member_summary(runtime.session(), runtime.store(), runtime.clock(), current_user)
    return jsonify(summary.as_dict())
