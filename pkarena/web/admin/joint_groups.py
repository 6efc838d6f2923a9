"""Joint groups (联合党委) with at least one org in the managed subtree: list, create, add/remove orgs."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import AccessDenied, can_manage, check, managed_path, require
from pkarena.models import JointGroup, Org
from pkarena.services import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, org_choices
from pkarena.web.admin_forms import JointGroupCreateForm, JointGroupOrgForm

OUT_OF_SCOPE = "OUT_OF_SCOPE"


def _all_org_choices() -> list[tuple[int, str]]:
    return org_choices(orgs.subtree(runtime.session(), ""))


def group_or_404(group_id: int) -> JointGroup:
    """A joint group with at least one org the current user manages (404 unknown, 403 otherwise)."""
    group = runtime.session().get(JointGroup, group_id)
    if group is None:
        abort(404)
    if not any(can_manage(current_user, link.org) for link in group.members):
        raise AccessDenied(403, OUT_OF_SCOPE, _("该联合组不在您的管理范围内"))
    return group


def _flash_result(action, message: str):
    try:
        action()
    except orgs.OrgError as exc:
        runtime.session().rollback()
        flash(_(str(exc)), "error")
    else:
        runtime.session().commit()
        flash(message, "success")
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
        return redirect(url_for("admin.joint_group_list"))
    chosen = [runtime.session().get(Org, org_id) for org_id in form.org_ids.data]
    if not any(can_manage(current_user, org) for org in chosen if org):
        raise AccessDenied(403, OUT_OF_SCOPE, _("联合组中至少要有一个您管理的组织"))
    return _flash_result(
        lambda: orgs.create_joint_group(runtime.session(), runtime.clock(), form.name.data,
                                        [o for o in chosen if o], actor_id=current_user.id),
        _("已创建联合组「%(name)s」", name=form.name.data.strip()))


@bp.route("/joint-groups/<int:group_id>/orgs", methods=["POST"])
@require("organizer")
def joint_group_add(group_id: int):
    """Add an org to a joint group the current user takes part in."""
    group = group_or_404(group_id)
    form = JointGroupOrgForm()
    form.org_id.choices = _all_org_choices()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.joint_group_list"))
    org = runtime.session().get(Org, form.org_id.data) or abort(404)
    return _flash_result(
        lambda: orgs.add_to_joint_group(runtime.session(), runtime.clock(), group, org, actor_id=current_user.id),
        _("已将「%(org)s」加入「%(group)s」", org=org.name, group=group.name))


@bp.route("/joint-groups/<int:group_id>/orgs/<int:org_id>/remove", methods=["POST"])
@require("organizer")
def joint_group_remove(group_id: int, org_id: int):
    """Remove an org the current user manages from a joint group."""
    group = group_or_404(group_id)
    org = runtime.session().get(Org, org_id) or abort(404)
    check(current_user, "organizer", org)
    return _flash_result(
        lambda: orgs.remove_from_joint_group(runtime.session(), runtime.clock(), group, org,
                                             actor_id=current_user.id),
        _("已将「%(org)s」移出「%(group)s」", org=org.name, group=group.name))
