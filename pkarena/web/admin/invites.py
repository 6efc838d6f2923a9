"""Invite links with QR codes for orgs of the managed subtree: create, show, revoke."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.services.people import invites, orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, flash_result, org_choices, scoped_orgs
from pkarena.web.admin_forms import InviteCreateForm
from pkarena.web.guards import invite_or_404, org_or_404
from pkarena.web.qr import qr_svg


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
    flash_result(lambda: invites.create_invite(runtime.session(), runtime.clock(), org,
                                               auto_approve=form.auto_approve.data,
                                               expires_days=form.expires_days.data, actor_id=current_user.id),
                 _("已为「%(org)s」创建邀请链接", org=org.name))
    return redirect(url_for("admin.invite_list"))


@bp.route("/invites/<int:invite_id>/revoke", methods=["POST"])
@require("organizer")
def invite_revoke(invite_id: int):
    """Revoke an invite link of the managed subtree."""
    invite = invite_or_404(invite_id)
    flash_result(lambda: invites.revoke_invite(runtime.session(), runtime.clock(), invite, actor_id=current_user.id),
                 _("邀请链接已作废"))
    return redirect(url_for("admin.invite_list"))
