"""Office screen tokens of the managed subtree: list, create (URL + QR shown once), revoke."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from pkarena import runtime
from pkarena.authz import AccessDenied, managed_path, require
from pkarena.services.boards import screens
from pkarena.services.people import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, org_choices, scoped_orgs
from pkarena.web.guards import screen_or_404
from pkarena.web.qr import qr_svg

SCOPE_LABELS = {"org": _l("组织"), "pairing": _l("结对"), "joint_group": _l("联合组"), "contest": _l("竞赛")}


class ScreenCreateForm(FlaskForm):
    """A new screen: a name and what it shows (`org:ID`, `pairing:ID`, `joint_group:ID` or `contest:ID`)."""

    label = StringField(_l("大屏名称"), validators=[DataRequired(message=_l("此项为必填项")), Length(max=120)])
    scope = SelectField(_l("展示范围"), validators=[DataRequired(message=_l("此项为必填项"))])


def _create_form() -> ScreenCreateForm:
    session, path = runtime.session(), managed_path(current_user)
    form = ScreenCreateForm()
    form.scope.choices = (
        [(f"org:{org_id}", f"{SCOPE_LABELS['org']}：{label}") for org_id, label in org_choices(scoped_orgs())]
        + [(f"pairing:{p.id}", f"{SCOPE_LABELS['pairing']}：{p.name}") for p in orgs.pairings_for(session, path)]
        + [(f"joint_group:{g.id}", f"{SCOPE_LABELS['joint_group']}：{g.name}")
           for g in orgs.joint_groups_for(session, path)]
        + [(f"contest:{c.id}", f"{SCOPE_LABELS['contest']}：{c.name}")
           for c in screens.contests_for(session, current_user)])
    return form


@bp.route("/screens")
@require("organizer")
def screen_list():
    """The screens of the managed subtree with a create form."""
    rows = screens.list_rows(runtime.session(), managed_path(current_user))
    return render_template("admin/screens.html", rows=rows, form=_create_form(), scope_labels=SCOPE_LABELS)


@bp.route("/screens", methods=["POST"])
@require("organizer")
def screen_create():
    """Create a screen token and show its URL and QR code once (only its hash is kept)."""
    form = _create_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.screen_list"))
    session = runtime.session()
    kind, _sep, scope_id = form.scope.data.partition(":")
    scope = screens.load_scope(session, kind, int(scope_id))
    if scope is None or not screens.in_scope(scope, managed_path(current_user)):
        raise AccessDenied(403, "OUT_OF_SCOPE", _("该范围不在您的管理范围内"))
    row, token = screens.create(session, runtime.clock(), scope_kind=kind, scope_id=scope.id,
                                label=form.label.data, actor_id=current_user.id)
    url = url_for("screen.board", token=token, _external=True)
    qr = qr_svg(url)
    response = make_response(render_template("admin/screen_created.html", row=row, scope=scope, url=url, qr=qr,
                                             scope_labels=SCOPE_LABELS), 201)
    response.headers["Cache-Control"] = "no-store"  # the clear token appears only in this response
    return response


@bp.route("/screens/<int:screen_id>/revoke", methods=["POST"])
@require("organizer")
def screen_revoke(screen_id: int):
    """Revoke a screen token: its page answers 410 and open screens are told to reload."""
    row = screen_or_404(screen_id)
    screens.revoke(runtime.session(), runtime.clock(), row, actor_id=current_user.id)
    screens.notify_revoked(row)
    flash(_("大屏「%(label)s」已收回", label=row.label), "success")
    return redirect(url_for("admin.screen_list"))
