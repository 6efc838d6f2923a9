"""Joint groups (联合党委) with at least one org in the managed subtree: list, create, add/remove orgs."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import can_manage, managed_path, require
from pkarena.models import Org
from pkarena.services.people import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, flash_result, org_choices
from pkarena.web.admin_forms import JointGroupCreateForm, JointGroupOrgForm
from pkarena.web.guards import joint_group_or_404, org_or_404, require_managed


def _all_org_choices() -> list[tuple[int, str]]:
    return org_choices(orgs.subtree(runtime.session(), ""))


def _to_list():
    return redirect(url_for("admin.joint_group_list"))


@bp.route("/joint-groups")
@require("organizer")
def joint_group_list():
    """Joint groups touching the managed subtree, with forms to create one and to add orgs."""
    session = runtime.session()
    groups = orgs.joint_groups_for(session, managed_path(current_user))
    labels = orgs.name_paths(session, [link.org for g in groups for link in g.members])
    create = JointGroupCreateForm()
    create.org_ids.choices = _all_org_choices()
    add = JointGroupOrgForm()
    add.org_id.choices = create.org_ids.choices
    return render_template("admin/joint_groups.html", groups=groups, labels=labels, form=create, add=add,
                           can_manage=lambda org: can_manage(current_user, org))


@bp.route("/joint-groups", methods=["POST"])
@require("organizer")
def joint_group_create():
    """Create a joint group of two or more orgs, at least one of them in the managed subtree."""
    form = JointGroupCreateForm()
    form.org_ids.choices = _all_org_choices()
    if not form.validate_on_submit():
        flash_errors(form)
        return _to_list()
    chosen = [runtime.session().get(Org, org_id) for org_id in form.org_ids.data]
    require_managed(chosen, _("联合组中至少要有一个您管理的组织"))
    flash_result(lambda: orgs.create_joint_group(runtime.session(), runtime.clock(), form.name.data,
                                                 [o for o in chosen if o], actor_id=current_user.id),
                 _("已创建联合组「%(name)s」", name=form.name.data.strip()))
    return _to_list()


@bp.route("/joint-groups/<int:group_id>/orgs", methods=["POST"])
@require("organizer")
def joint_group_add(group_id: int):
    """Add an org to a joint group the current user takes part in."""
    group = joint_group_or_404(group_id)
    form = JointGroupOrgForm()
    form.org_id.choices = _all_org_choices()
    if not form.validate_on_submit():
        flash_errors(form)
        return _to_list()
    org = runtime.session().get(Org, form.org_id.data) or abort(404)
    flash_result(lambda: orgs.add_to_joint_group(runtime.session(), runtime.clock(), group, org,
                                                 actor_id=current_user.id),
                 _("已将「%(org)s」加入「%(group)s」", org=org.name, group=group.name))
    return _to_list()


@bp.route("/joint-groups/<int:group_id>/orgs/<int:org_id>/remove", methods=["POST"])
@require("organizer")
def joint_group_remove(group_id: int, org_id: int):
    """Remove an org the current user manages from a joint group."""
    group = joint_group_or_404(group_id)
    org = org_or_404(org_id)
    flash_result(lambda: orgs.remove_from_joint_group(runtime.session(), runtime.clock(), group, org,
                                                      actor_id=current_user.id),
                 _("已将「%(org)s」移出「%(group)s」", org=org.name, group=group.name))
    return _to_list()
