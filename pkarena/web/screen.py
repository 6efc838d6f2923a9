"""The office screen kiosk page `/screen/<token>`: public, the token itself is the credential."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, url_for
from flask_babel import gettext as _

from pkarena import runtime
from pkarena.authz import public
from pkarena.services.boards import screens
from pkarena.web.qr import qr_svg

bp = Blueprint("screen", __name__)


def _no_store(response):
    # The token is in the URL: keep the page out of caches and never leak it as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/screen/<token>")
@public
def board(token: str):
    """The kiosk page of a valid token; 404 for an unknown token, 410 once revoked."""
    session = runtime.session()
    row = screens.find(session, token)
    if row is None or row.revoked_at is not None:
        gone = row is not None
        body = render_template("screen/gone.html", gone=gone,
                               title=_("大屏链接已收回") if gone else _("大屏链接不存在"))
        return _no_store(make_response(body, 410 if gone else 404))
    payload = screens.screen_payload(session, runtime.store(), runtime.clock(), row)
    if payload["kind"] == "contest":  # the QR opens the member contest page (after logging in)
        join_url = url_for("contests.show", contest_id=payload["contest"]["id"], _external=True)
        template = "screen/contest.html"
    else:
        join_url, template = url_for("auth.login", _external=True), "screen/board.html"
    body = render_template(template, payload=payload, token=token, join_url=join_url,
                           qr=qr_svg(join_url, scale=10, border=2, omitsize=True))
    return _no_store(make_response(body, 200))
