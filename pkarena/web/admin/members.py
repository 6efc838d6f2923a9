"""Members of the managed subtree: list and search, add, edit, move, approve/deactivate, password reset."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.models import Member, Org
from pkarena.services.people import members, orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import (
    ROLE_LABELS,
    STATUS_LABELS,
    check_member_write,
    flash_errors,
    flash_result,
    org_choices,
    scoped_orgs,
)
from pkarena.web.admin_forms import (
    MemberCreateForm,
    MemberEditForm,
    MemberFilterForm,
    MemberMoveForm,
    MemberStatusForm,
    PasswordResetForm,
)
from pkarena.web.guards import member_or_404, org_or_404

PER_PAGE = 50
# Which status an organizer may set from which: approve, deactivate, reactivate.
TRANSITIONS = {"pending": ("active", "inactive"), "active": ("inactive",), "inactive": ("active",)}


def _filter_form() -> MemberFilterForm:
    form = MemberFilterForm(request.args)
    form.org.choices = [(0, _("全部组织")), *org_choices(scoped_orgs())]
    form.status.choices = [("", _("全部状态")), *((k, str(v)) for k, v in STATUS_LABELS.items())]
    return form


def _create_form() -> MemberCreateForm:
    form = MemberCreateForm()
    form.org_id.choices = org_choices(scoped_orgs())
    return form


@bp.route("/members")
@require("organizer")
def member_list():
    """Members of the managed subtree: search by name/username/phone, filter by org subtree and status."""
    form = _filter_form()
    form.validate()
    prefix = org_or_404(form.org.data).path if form.org.data else managed_path(current_user)
    status = form.status.data if form.status.data in STATUS_LABELS else None
    result = members.search(runtime.session(), prefix, text=form.q.data or "", status=status,
                            page=form.page.data or 1, per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("admin/members.html", filters=form, result=result, args=args, form=_create_form())


@bp.route("/members", methods=["POST"])
@require("organizer")
def member_create():
    """Add a member to an org of the managed subtree."""
    form = _create_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.member_list"))
    org = org_or_404(form.org_id.data)
    member = flash_result(
        lambda: members.create_member(runtime.session(), runtime.clock(), username=form.username.data.strip(),
                                      display_name=form.display_name.data, org=org, password=form.password.data,
                                      phone=form.phone.data, actor_id=current_user.id),
        lambda created: _("已添加成员「%(name)s」", name=created.display_name))
    if member is None:
        return redirect(url_for("admin.member_list"))
    return redirect(url_for("admin.member_detail", member_id=member.id))


def _detail_forms(member: Member) -> dict:
    edit = MemberEditForm(obj=member)
    _edit_choices(edit, member)
    move = MemberMoveForm(org_id=member.org_id)
    move.org_id.choices = org_choices(scoped_orgs())
    status = MemberStatusForm()
    status.status.choices = [(s, str(STATUS_LABELS[s])) for s in TRANSITIONS.get(member.status, ())]
    return {"edit": edit, "move": move, "status_form": status, "reset": PasswordResetForm()}


def _edit_choices(form: MemberEditForm, member: Member) -> None:
    if current_user.role != "admin" or member.id == current_user.id:
        del form.role, form.scope_org_id  # only admins set roles, and never their own
        return
    roles = ["member", "organizer"] + (["admin"] if member.role == "admin" else [])
    form.role.choices = [(r, str(ROLE_LABELS[r])) for r in roles]
    form.scope_org_id.choices = [(0, _("（无）")), *org_choices(orgs.subtree(runtime.session(), ""))]
    if request.method == "GET":
        form.scope_org_id.data = member.scope_org_id or 0


@bp.route("/members/<int:member_id>")
@require("organizer")
def member_detail(member_id: int):
    """One member: details, edit, move (with membership history), status, password reset."""
    member = member_or_404(member_id)
    history = members.history(runtime.session(), member.id)
    labels = orgs.name_paths(runtime.session(), [p.org for p in history] + [member.org])
    can_write = current_user.role == "admin" or member.role == "member"
    return render_template("admin/member.html", member=member, history=history, labels=labels,
                           can_write=can_write, **_detail_forms(member))


def _back(member_id: int):
    return redirect(url_for("admin.member_detail", member_id=member_id))


@bp.route("/members/<int:member_id>/edit", methods=["POST"])
@require("organizer")
def member_edit(member_id: int):
    """Edit name and phone; admins also role and organizer scope."""
    member = member_or_404(member_id)
    check_member_write(member)
    form = MemberEditForm()
    _edit_choices(form, member)
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(member_id)
    role = scope = None
    if "role" in form:
        role = form.role.data
        scope = runtime.session().get(Org, form.scope_org_id.data) if form.scope_org_id.data else None
        if role == "organizer" and scope is None:
            flash(_("组织者必须指定管理范围"), "error")
            return _back(member_id)
    flash_result(lambda: members.update_member(runtime.session(), runtime.clock(), member,
                                               display_name=form.display_name.data, phone=form.phone.data,
                                               actor_id=current_user.id, role=role, scope_org=scope),
                 _("已保存"))
    return _back(member_id)


@bp.route("/members/<int:member_id>/move", methods=["POST"])
@require("organizer")
def member_move(member_id: int):
    """Move a member to another org of the managed subtree (membership history kept)."""
    member = member_or_404(member_id)
    check_member_write(member)
    form = MemberMoveForm()
    form.org_id.choices = org_choices(scoped_orgs())
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(member_id)
    target = org_or_404(form.org_id.data)
    flash_result(lambda: members.move_member(runtime.session(), runtime.clock(), member, target,
                                             actor_id=current_user.id),
                 _("已调入「%(org)s」", org=target.name))
    return _back(member_id)


@bp.route("/members/<int:member_id>/status", methods=["POST"])
@require("organizer")
def member_status(member_id: int):
    """Approve a pending member, deactivate or reactivate one."""
    member = member_or_404(member_id)
    check_member_write(member, self_allowed=False)
    form = MemberStatusForm()
    form.status.choices = [(s, s) for s in TRANSITIONS.get(member.status, ())]
    if not form.validate_on_submit():
        flash(_("不能从当前状态变更为该状态"), "error")
        return _back(member_id)
    approved = member.status == "pending" and form.status.data == "active"
    flash_result(lambda: members.set_status(runtime.session(), runtime.clock(), member, form.status.data,
                                            actor_id=current_user.id),
                 lambda changed: _("已审核通过") if approved else _("状态已更新为「%(s)s」",
                                                                  s=STATUS_LABELS[changed.status]))
    return _back(member_id)


@bp.route("/members/<int:member_id>/password", methods=["POST"])
@require("organizer")
def member_password(member_id: int):
    """Set a new password, typed by the organizer, for a member."""
    member = member_or_404(member_id)
    check_member_write(member)
    form = PasswordResetForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(member_id)
    flash_result(lambda: members.reset_password(runtime.session(), runtime.clock(), member, form.password.data,
                                                actor_id=current_user.id),
                 _("密码已重置，请将新密码告知本人"))
    return _back(member_id)
