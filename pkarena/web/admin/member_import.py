"""Bulk member import: upload → validate every row → report or preview → confirm → a background task → result."""

from __future__ import annotations

import base64
import io
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.people import member_import, member_import_job
from pkarena.web.admin import bp
from pkarena.web.admin_forms import ActionForm, MemberImportForm
from pkarena.web.guards import task_progress_or_404
from pkarena.web.staging import Staging
from question_bank.tabular import Problem, TableError, write_sheet_with_reasons

# The subdirectory keeps the folder the member import has always used (pkarena-member-import).
staging = Staging("member_import", "member-import")


def _plan(path: Path, filename: str) -> tuple[member_import.ImportPlan | None, list[Problem]]:
    try:
        table = member_import.read(path, filename, max_rows=current_app.config["IMPORT_MAX_ROWS"])
    except TableError as exc:
        return None, exc.problems
    plan = member_import.validate(runtime.session(), table, current_user)
    return plan, plan.problems


def _report(plan, problems: list[Problem]):
    """The error report, or the preview with a confirm button when every row is valid."""
    return render_template("admin/import_report.html", plan=plan, problems=problems,
                           errors=[p for p in problems if p.severity == "error"], confirm=ActionForm())


@bp.route("/members/import")
@require("organizer")
def import_page():
    """The upload form, the expected columns and a template download."""
    return render_template("admin/import.html", form=MemberImportForm())


@bp.route("/members/import", methods=["POST"])
@require("organizer")
def import_upload():
    """Validate an uploaded sheet; nothing is written yet."""
    form = MemberImportForm()
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form), 400
    staged = staging.stage(form.file.data)
    return _report(*_plan(staged.path, staged.filename))


@bp.route("/members/import/confirm", methods=["POST"])
@require("organizer")
def import_confirm():
    """Re-validate the staged file, then create the members in a background task and show its progress."""
    staged = staging.current()
    if staged is None or not ActionForm().validate_on_submit():
        flash(_("上传的文件已失效，请重新上传"), "error")
        return redirect(url_for("admin.import_page"))
    plan, problems = _plan(staged.path, staged.filename)
    if plan is None or not plan.ok:
        return _report(plan, problems)
    member_import_job.start(current_app._get_current_object(), runtime.store(), staged.token, plan, staged.path,
                            staged.filename, current_user.id)
    staging.forget()  # the task owns the file now and removes it when done
    return redirect(url_for("admin.import_result", token=staged.token))


@bp.route("/members/import/<token>/progress")
@require("organizer")
def import_progress(token: str):
    """JSON progress of a confirmed import, polled by the result page."""
    state = task_progress_or_404(member_import_job.TASKS, token)
    return jsonify({k: state.get(k) for k in ("state", "done", "total")})


@bp.route("/members/import/<token>")
@require("organizer")
def import_result(token: str):
    """A progress bar while the members are created; then the accounts, generated passwords shown once."""
    state = task_progress_or_404(member_import_job.TASKS, token)
    accounts = member_import_job.take_accounts(runtime.store(), token) if state.get("state") == "done" else None
    csv_uri = "data:text/csv;charset=utf-8;base64," + base64.b64encode(
        member_import.result_csv(accounts).encode("utf-8")).decode("ascii") if accounts else None
    response = make_response(render_template("admin/import_result.html", token=token, state=state,
                                             accounts=accounts, csv_uri=csv_uri))
    response.headers["Cache-Control"] = "no-store"  # the page shows initial passwords once
    return response


@bp.route("/members/import/reasons.xlsx")
@require("organizer")
def import_reasons():
    """The uploaded sheet back as .xlsx with a 错误原因 column."""
    staged = staging.current()
    if staged is None:
        abort(404)
    plan, problems = _plan(staged.path, staged.filename)
    if plan is None:
        abort(404)
    out = io.BytesIO()
    write_sheet_with_reasons(plan.table, problems, out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=f"{Path(staged.filename).stem}-{_('错误原因')}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/members/import/template.xlsx")
@require("organizer")
def import_template():
    """An empty member sheet with the expected headers, and a sheet of instructions."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "成员名单"
    sheet.append(member_import.TEMPLATE_HEADERS)
    for column, width in zip("ABCDE", (12, 16, 16, 28, 14), strict=True):
        sheet.column_dimensions[column].width = width
    notes = wb.create_sheet("填写说明")
    for line in member_import.TEMPLATE_NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=_("成员导入模板") + ".xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
