"""Invite links with QR codes for orgs of the managed subtree: create, show, revoke."""

from __future__ import annotations

import segno
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from pkarena import runtime
from pkarena.authz import check, managed_path, require
from pkarena.models import Invite
from pkarena.services import invites, orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, org_choices, org_or_404, scoped_orgs
from pkarena.web.admin_forms import InviteCreateForm


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code of `url` (segno output is markup we generate, safe to embed)."""
    return Markup(segno.make(url, error="m").svg_inline(scale=4, title=url))


def _create_form() -> InviteCreateForm:
    form = InviteCreateForm(auto_approve=current_app.config["INVITE_AUTO_APPROVE"])
    form.org_id.choices = org_choices(scoped_orgs())
    return form


@bp.route("/invites")
@require("organizer")
def invite_list():
    """Invite links of the managed subtree, each with its link and QR code."""
    session, clock = runtime.session(), runtime.clock()
    rows = []
    for invite in invites.invites_for(session, managed_path(current_user)):
        url = url_for("invites.join", token=invite.token, _external=True)
        state = invites.state(invite, clock)
        rows.append({"invite": invite, "url": url, "state": state, "qr": qr_svg(url) if state == "valid" else None})
    labels = orgs.name_paths(session, [row["invite"].org for row in rows])
    return render_template("admin/invites.html", rows=rows, labels=labels, form=_create_form())


@bp.route("/invites", methods=["POST"])
@require("organizer")
def invite_create():
    """Create an invite link for an org of the managed subtree."""
    form = _create_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.invite_list"))
    org = org_or_404(form.org_id.data)
    invites.create_invite(runtime.session(), runtime.clock(), org, auto_approve=form.auto_approve.data,
                          expires_days=form.expires_days.data, actor_id=current_user.id)
    runtime.session().commit()
    flash(_("已为「%(org)s」创建邀请链接", org=org.name), "success")
    return redirect(url_for("admin.invite_list"))


@bp.route("/invites/<int:invite_id>/revoke", methods=["POST"])
@require("organizer")
def invite_revoke(invite_id: int):
    """Revoke an invite link of the managed subtree."""
    invite = runtime.session().get(Invite, invite_id)
    if invite is None:
        abort(404)
    check(current_user, "organizer", invite.org)
    invites.revoke_invite(runtime.session(), runtime.clock(), invite, actor_id=current_user.id)
    runtime.session().commit()
    flash(_("邀请链接已作废"), "success")
    return redirect(url_for("admin.invite_list"))
