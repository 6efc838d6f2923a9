"""积分制 manual points: award to members of the managed subtree, the month's list, corrections."""

from __future__ import annotations

import re
import uuid

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pkarena import runtime
from pkarena.authz import managed_path, require
from pkarena.services import ledger, manual_points
from pkarena.services.ledger import MAX_MANUAL_POINTS
from pkarena.services.people import members
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, org_choices, scoped_orgs
from pkarena.web.admin.members import PER_PAGE
from pkarena.web.guards import entry_or_404, member_or_404, org_or_404

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REQUIRED = _l("此项为必填项")


class PointsFilterForm(FlaskForm):
    """Who to list for an award: search by name/username/phone, filter by org (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("搜索成员"), validators=[Optional(), Length(max=64)])
    org = SelectField(_l("组织"), coerce=int, validators=[Optional()])


class AwardForm(FlaskForm):
    """An award to several members; `request_id` makes a double submit one award."""

    # Choices are the searched members only; scope is checked per member, so no choice validation here.
    member_ids = SelectMultipleField(_l("成员"), coerce=int, validate_choice=False,
                                     validators=[DataRequired(message=_l("请至少选择一名成员"))])
    category = SelectField(_l("积分类别"))
    points = IntegerField(_l("积分"), validators=[
        DataRequired(message=REQUIRED),
        NumberRange(min=1, max=MAX_MANUAL_POINTS, message=_l("积分须为 1–100 的正整数；扣减请使用“更正”"))])
    reason = StringField(_l("记分理由"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    evidence = TextAreaField(_l("证明材料说明"), validators=[Optional(), Length(max=500)])
    request_id = HiddenField(validators=[DataRequired(message=_l("表单已过期，请刷新页面后重试")), Length(max=64)])


class EntryFilterForm(FlaskForm):
    """Month, org and category of the entry list (GET, no CSRF)."""

    class Meta:
        csrf = False

    month = StringField(_l("月份"), validators=[Optional(), Length(max=7)])
    org = SelectField(_l("组织"), coerce=int, validators=[Optional()])
    category = SelectField(_l("类别"), validators=[Optional()])


class CorrectionForm(FlaskForm):
    """A correction of one entry: signed points and a reason."""

    points = IntegerField(_l("更正分值（可为负数）"), validators=[
        DataRequired(message=_l("更正分值须为非零整数")),
        NumberRange(min=-MAX_MANUAL_POINTS, max=MAX_MANUAL_POINTS)])
    reason = StringField(_l("更正理由"), validators=[DataRequired(message=REQUIRED), Length(max=200)])
    request_id = HiddenField(validators=[DataRequired(message=_l("表单已过期，请刷新页面后重试")), Length(max=64)])


def _categories() -> tuple[str, ...]:
    return tuple(current_app.config["MANUAL_CATEGORIES"])


def _award_form(**data) -> AwardForm:
    form = AwardForm(**data)
    form.category.choices = [(c, c) for c in _categories()]
    return form


def _filters() -> PointsFilterForm:
    form = PointsFilterForm(request.args)
    form.org.choices = [(0, _("全部组织")), *org_choices(scoped_orgs())]
    form.validate()
    return form


@bp.route("/points")
@require("organizer")
def points_page():
    """The award form: members of the managed subtree (searched, filtered by org) to tick, category, points."""
    filters = _filters()
    prefix = org_or_404(filters.org.data).path if filters.org.data else managed_path(current_user)
    found = members.search(runtime.session(), prefix, text=filters.q.data or "", status="active", per_page=PER_PAGE)
    form = _award_form(request_id=uuid.uuid4().hex)
    return render_template("admin/points.html", filters=filters, found=found, form=form,
                           month=runtime.clock().month_key())


@bp.route("/points", methods=["POST"])
@require("organizer")
def points_award():
    """Award points to the ticked members (each checked against the organizer's scope)."""
    form = _award_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.points_page"))
    chosen = [member_or_404(member_id) for member_id in form.member_ids.data]
    try:
        results = ledger.manual_award(
            runtime.session(), runtime.clock(), actor_id=current_user.id, member_ids=[m.id for m in chosen],
            points=form.points.data, category=form.category.data, reason=form.reason.data,
            evidence=form.evidence.data, request_id=form.request_id.data, on_commit=runtime.board_updater(),
            categories=_categories())
    except ledger.LedgerError as exc:
        flash(_(str(exc)), "error")
        return redirect(url_for("admin.points_page"))
    made = sum(r.created for r in results)
    if made:
        flash(_("已为 %(n)s 名成员记分 %(points)s 分（%(category)s）", n=made, points=form.points.data,
                category=form.category.data), "success")
    if made < len(results):
        flash(_("%(n)s 条记录此前已提交，未重复记分", n=len(results) - made), "warning")
    return redirect(url_for("admin.points_entries", month=runtime.clock().month_key()))


@bp.route("/points/entries")
@require("organizer")
def points_entries():
    """Manual entries and corrections of a month in the managed subtree, with a correction form per entry."""
    filters = EntryFilterForm(request.args)
    filters.org.choices = [(0, _("全部组织")), *org_choices(scoped_orgs())]
    filters.category.choices = [("", _("全部类别")), *((c, c) for c in _categories()),
                                (manual_points.CORRECTIONS, _("积分更正"))]
    filters.validate()
    month = filters.month.data if MONTH_RE.match(filters.month.data or "") else runtime.clock().month_key()
    prefix = org_or_404(filters.org.data).path if filters.org.data else managed_path(current_user)
    session = runtime.session()
    rows = manual_points.list_entries(session, prefix, month, category=filters.category.data or None)
    corrections = manual_points.corrections_by_entry(session, [row.entry.id for row in rows])
    return render_template("admin/points_entries.html", filters=filters, rows=rows, month=month,
                           corrections=corrections, correction_form=CorrectionForm(),
                           new_request_id=lambda: uuid.uuid4().hex)


@bp.route("/points/entries/<int:entry_id>/correct", methods=["POST"])
@require("organizer")
def points_correct(entry_id: int):
    """Correct a manual entry by a new entry that names its month (reason required)."""
    entry = entry_or_404(entry_id)
    back = url_for("admin.points_entries", month=request.args.get("month") or entry.month)
    form = CorrectionForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(back)
    try:
        result = ledger.issue_correction(runtime.session(), runtime.clock(), actor_id=current_user.id,
                                         entry_id=entry.id, points=form.points.data, reason=form.reason.data,
                                         request_id=form.request_id.data, on_commit=runtime.board_updater(),
                                         sources=manual_points.CORRECTABLE)
    except ledger.LedgerError as exc:
        flash(_(str(exc)), "error")
        return redirect(back)
    if result.created:
        flash(_("已更正：%(points)+d 分，计入本月，注明更正 %(month)s 的积分", points=result.points,
                month=result.entry.adjusts_month), "success")
    else:
        flash(_("该更正此前已提交，未重复记分"), "warning")
    return redirect(back)
