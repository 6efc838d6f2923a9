"""The org tree of the managed subtree: create child orgs (admins also companies), rename."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.services.people import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, flash_result, org_choices, scoped_orgs
from pkarena.web.admin_forms import OrgCreateForm, OrgRenameForm
from pkarena.web.guards import org_or_404

NEW_COMPANY = 0


def _create_form() -> OrgCreateForm:
    form = OrgCreateForm()
    form.parent_id.choices = org_choices(scoped_orgs(), kinds=("company", "branch"))
    if current_user.role == "admin":
        form.parent_id.choices.insert(0, (NEW_COMPANY, _("（无上级：新建公司）")))
    return form


@bp.route("/orgs")
@require("organizer")
def org_tree():
    """The managed subtree as an indented tree with member counts."""
    nodes = orgs.org_tree(runtime.session(), managed_path(current_user))
    return render_template("admin/orgs.html", nodes=nodes, form=_create_form())


@bp.route("/orgs", methods=["POST"])
@require("organizer")
def org_create():
    """Create a child org (or, for admins, a company)."""
    form = _create_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.org_tree"))
    parent = None if form.parent_id.data == NEW_COMPANY else org_or_404(form.parent_id.data)
    flash_result(lambda: orgs.create_org(runtime.session(), runtime.clock(), form.name.data, parent,
                                         actor_id=current_user.id),
                 lambda org: _("已创建组织「%(name)s」", name=org.name))
    return redirect(url_for("admin.org_tree"))


@bp.route("/orgs/<int:org_id>/rename", methods=["POST"])
@require("organizer")
def org_rename(org_id: int):
    """Rename an org of the managed subtree."""
    org = org_or_404(org_id)
    form = OrgRenameForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.org_tree"))
    flash_result(lambda: orgs.rename_org(runtime.session(), runtime.clock(), org, form.name.data,
                                         actor_id=current_user.id),
                 lambda renamed: _("已重命名为「%(name)s」", name=renamed.name))
    return redirect(url_for("admin.org_tree"))
