"""The member's play pages (phone): the lobby with today's progress, the game screen, my match history.

好友对战 (a 1v1 by invitation): `POST /play/duel/new` creates an invitation and sends the host to the game
screen in duel mode, which shows the link and its QR code while the host's socket sits in their member room.
The colleague opens `/play/duel/<code>`, taps 接受挑战 and lands on the same screen, whose socket emits
`duel.accept {"code"}`; the server starts a normal pk1v1 match (same rules, ledger awards) and `match.start`
reaches both member rooms. No extra waiting event is needed: being connected to /play is the waiting.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.contests import matchmaking as contest_queues
from pkarena.services.play import matches as play
from pkarena.services.play import matchmaking
from pkarena.services.play import progress as play_progress
from pkarena.web.labels import PLAY_LABELS
from pkarena.web.qr import qr_svg

bp = Blueprint("play", __name__)

MODE_LABELS = PLAY_LABELS  # the registry's solo and queue sources, in lobby order
SCOPES = ("company", "open")
DUEL_LABEL = _l("好友对战")


@bp.route("/play")
@require("member")
def lobby():
    """Today's progress per mode (from the ledger) and one big button per mode."""
    progress = play_progress.today(runtime.session(), runtime.clock(), current_user.id)
    return render_template("play/lobby.html", progress=progress, labels=MODE_LABELS)


@bp.route("/play/match")
@require("member")
def match():
    """The single-page game screen of `?mode=` (a solo or queue source) and `?scope=` for PK."""
    mode = request.args.get("mode", "daily")
    store, clock = runtime.store(), runtime.clock()
    # Seated in a match already (a reload): the connect handler re-sends the open question, so the page
    # must not start or queue again.
    seated = play.current_match_id(store, current_user.id) is not None
    if mode == "duel":
        return _duel_screen(request.args.get("code", ""), seated)
    if mode not in MODE_LABELS:
        mode = "daily"
    scope = request.args.get("scope", "company")
    # A contest's PK queue (`contest:<id>`) stays as asked, so `queue.join` refuses an outsider clearly; the
    # waiting screen names a contest the member may see, and "back" returns to it.
    in_contest = mode in matchmaking.QUEUE_MODES and contest_queues.contest_id_of(scope) is not None
    if scope not in SCOPES and not in_contest:
        scope = "company"
    contest = contest_queues.queue_contest(runtime.session(), current_user, scope) if in_contest else None
    done = not seated and play.done_today(store, clock, mode, current_user.id)
    return render_template("play/game.html", mode=mode, scope=scope, label=MODE_LABELS[mode], seated=seated,
                           done_today=done, solo=mode in play.SOLO_MODES, labels=MODE_LABELS,
                           contest_name=contest.name if contest else None,
                           back_url=url_for("contests.show", contest_id=contest.id) if contest else None)


@bp.route("/play/history")
@require("member")
def history():
    """My last 20 runs and matches with their points and why points were capped."""
    records = play_progress.history(runtime.session(), current_user.id)
    return render_template("play/history.html", records=records, labels=MODE_LABELS,
                           clock=runtime.clock())


def _duel_screen(code: str, seated: bool):
    """The game screen in duel mode: the host waits with the link and QR; anyone else accepts on connect."""
    if not code or len(code) > 64:
        abort(404)
    offer = matchmaking.invitation(runtime.store(), code)
    host = offer is not None and offer["host"] == str(current_user.id)
    url = url_for("play.duel", code=code, _external=True)
    return render_template("play/game.html", mode="duel", scope="company", label=DUEL_LABEL, seated=seated,
                           done_today=False, solo=False, labels=MODE_LABELS, code=code, duel_role="host" if host else "guest",
                           invite_url=url, qr=qr_svg(url) if host else None)


@bp.route("/play/duel/new", methods=["POST"])
@require("member")
def duel_new():
    """Create a 好友对战 invitation and wait for the colleague on the duel screen."""
    invitation = matchmaking.invite(runtime.store(), current_user.id, play.now_ms(runtime.clock()))
    return redirect(url_for("play.match", mode="duel", code=invitation.code))


@bp.route("/play/duel/<code>")
@require("member")
def duel(code: str):
    """The invitation link: who invites, and an 接受挑战 button (the host is sent to their waiting screen)."""
    offer = matchmaking.invitation(runtime.store(), code)
    if offer is not None and offer["host"] == str(current_user.id):
        return redirect(url_for("play.match", mode="duel", code=code))
    host = play_progress.display_names(runtime.session(), [offer["host"]])[offer["host"]] if offer else None
    return render_template("play/duel.html", code=code, host=host), 200 if offer else 404
