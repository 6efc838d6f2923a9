"""The member's play pages (phone): the lobby with today's progress, the game screen, my match history."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.services import play, play_progress

bp = Blueprint("play", __name__)

MODE_LABELS = {"daily": _l("每日答题"), "challenge": _l("挑战答题"), "pk1v1": _l("双人对战"), "pk4": _l("四人赛")}
REASON_LABELS = {"daily_cap": _l("今日该项积分已达上限"), "match_limit": _l("今日对战积分已达上限"),
                 "bot": _l("与机器人对战不计分"), "forfeited": _l("中途退出，本场不计分")}
SCOPES = ("company", "open")


@bp.route("/play")
@require("member")
def lobby():
    """Today's progress per mode (from the ledger) and one big button per mode."""
    progress = play_progress.today(runtime.session(), runtime.clock(), current_user.id)
    return render_template("play/lobby.html", progress=progress, labels=MODE_LABELS)


@bp.route("/play/match")
@require("member")
def match():
    """The single-page game screen of `?mode=` (daily, challenge, pk1v1, pk4) and `?scope=` for PK."""
    mode = request.args.get("mode", "daily")
    if mode not in MODE_LABELS:
        mode = "daily"
    scope = request.args.get("scope", "company")
    store, clock = runtime.store(), runtime.clock()
    # Seated in a match already (a reload): the connect handler re-sends the open question, so the page
    # must not start or queue again.
    seated = play.current_match_id(store, current_user.id) is not None
    daily_done = False
    if mode == "daily" and not seated:
        try:
            daily_done = play.load(store, play.daily_match_id(clock, current_user.id)).over
        except play.PlayError:
            daily_done = False  # not started today (or expired): starting is allowed
    return render_template("play/game.html", mode=mode, scope=scope if scope in SCOPES else "company",
                           label=MODE_LABELS[mode], seated=seated, daily_done=daily_done, labels=MODE_LABELS)


@bp.route("/play/history")
@require("member")
def history():
    """My last 20 runs and matches with their points and why points were capped."""
    records = play_progress.history(runtime.session(), current_user.id)
    return render_template("play/history.html", records=records, labels=MODE_LABELS, reasons=REASON_LABELS,
                           clock=runtime.clock())
