"""Pairings (结对共建) with at least one side in the managed subtree: list, create, end."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from pkarena import runtime
from pkarena.authz import AccessDenied, can_manage, managed_path, require
from pkarena.models import Org, Pairing
from pkarena.services import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, org_choices, org_or_404, scoped_orgs
from pkarena.web.admin_forms import PairingCreateForm, PairingEndForm


def _create_form() -> PairingCreateForm:
    form = PairingCreateForm(starts_on=runtime.clock().local().date())
    form.org_a_id.choices = org_choices(scoped_orgs())
    form.org_b_id.choices = org_choices(orgs.subtree(runtime.session(), ""))
    return form


def pairing_or_404(pairing_id: int) -> Pairing:
    """A pairing with at least one side the current user manages (404 unknown, 403 otherwise)."""
    pairing = runtime.session().get(Pairing, pairing_id)
    if pairing is None:
        abort(404)
    if not (can_manage(current_user, pairing.org_a) or can_manage(current_user, pairing.org_b)):
        raise AccessDenied(403, "OUT_OF_SCOPE", _("该结对不在您的管理范围内"))
    return pairing


@bp.route("/pairings")
@require("organizer")
def pairing_list():
    """Pairings touching the managed subtree, newest first, with a create form."""
    session = runtime.session()
    pairings = orgs.pairings_for(session, managed_path(current_user))
    labels = orgs.name_paths(session, [o for p in pairings for o in (p.org_a, p.org_b)])
    return render_template("admin/pairings.html", pairings=pairings, labels=labels, form=_create_form(),
                           end_form=PairingEndForm(ends_on=runtime.clock().local().date()),
                           today=runtime.clock().local().date())


@bp.route("/pairings", methods=["POST"])
@require("organizer")
def pairing_create():
    """Pair an org of the managed subtree with an org of another company."""
    form = _create_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.pairing_list"))
    org_a = org_or_404(form.org_a_id.data)
    org_b = runtime.session().get(Org, form.org_b_id.data) or abort(404)
    try:
        pairing = orgs.create_pairing(runtime.session(), runtime.clock(), form.name.data or "", org_a, org_b,
                                      form.starts_on.data, form.ends_on.data, actor_id=current_user.id)
        runtime.session().commit()
    except orgs.OrgError as exc:
        runtime.session().rollback()
        flash(_(str(exc)), "error")
    except IntegrityError:
        runtime.session().rollback()
        flash(_("这两个组织之间已有同名的结对"), "error")
    else:
        flash(_("已创建结对「%(name)s」", name=pairing.name), "success")
    return redirect(url_for("admin.pairing_list"))


@bp.route("/pairings/<int:pairing_id>/end", methods=["POST"])
@require("organizer")
def pairing_end(pairing_id: int):
    """Set the last day of a pairing."""
    pairing = pairing_or_404(pairing_id)
    form = PairingEndForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.pairing_list"))
    try:
        orgs.end_pairing(runtime.session(), runtime.clock(), pairing, form.ends_on.data, actor_id=current_user.id)
    except orgs.OrgError as exc:
        runtime.session().rollback()
        flash(_(str(exc)), "error")
    else:
        runtime.session().commit()
        flash(_("结对「%(name)s」将于 %(day)s 结束", name=pairing.name, day=pairing.ends_on.isoformat()), "success")
    return redirect(url_for("admin.pairing_list"))
