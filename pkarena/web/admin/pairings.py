"""Pairings (结对共建) with at least one side in the managed subtree: list, create, end."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.models import Org
from pkarena.services.people import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, flash_result, org_choices, scoped_orgs
from pkarena.web.admin_forms import PairingCreateForm, PairingEndForm
from pkarena.web.guards import org_or_404, pairing_or_404


def _create_form() -> PairingCreateForm:
    form = PairingCreateForm(starts_on=runtime.clock().local().date())
    form.org_a_id.choices = org_choices(scoped_orgs())
    form.org_b_id.choices = org_choices(orgs.subtree(runtime.session(), ""))
    return form


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
    flash_result(lambda: orgs.create_pairing(runtime.session(), runtime.clock(), form.name.data or "", org_a, org_b,
                                             form.starts_on.data, form.ends_on.data, actor_id=current_user.id),
                 lambda pairing: _("已创建结对「%(name)s」", name=pairing.name))
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
    flash_result(lambda: orgs.end_pairing(runtime.session(), runtime.clock(), pairing, form.ends_on.data,
                                          actor_id=current_user.id),
                 lambda ended: _("结对「%(name)s」将于 %(day)s 结束", name=ended.name, day=ended.ends_on.isoformat()))
    return redirect(url_for("admin.pairing_list"))
