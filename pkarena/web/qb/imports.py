"""Question import: upload → dry-run report and preview → confirm → background import with progress → result."""

from __future__ import annotations

import io
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.bank import imports as qb_import
from pkarena.web.admin_forms import ActionForm
from pkarena.web.guards import task_progress_or_404
from pkarena.web.qb import bp
from pkarena.web.qb.forms import QuestionImportForm
from pkarena.web.staging import Staging
from question_bank.export import export_bank, write_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
staging = Staging("qb_import", "qb-import")


def _max_rows() -> int:
    return int(current_app.config["IMPORT_MAX_ROWS"])


def _xlsx(write, name: str):
    out = io.BytesIO()
    write(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=name, mimetype=XLSX)


@bp.route("/import")
@require("organizer")
def import_page():
    """The upload form, the expected columns, the template and the export."""
    return render_template("qb/import.html", form=QuestionImportForm())


@bp.route("/import", methods=["POST"])
@require("organizer")
def import_upload():
    """Stage the upload and validate it against the bank; nothing is written yet."""
    form = QuestionImportForm()
    if not form.validate_on_submit():
        return render_template("qb/import.html", form=form), 400
    staged = staging.stage(form.file.data)
    report = qb_import.dry_run(runtime.session(), staged.path, staged.filename, _max_rows())
    return render_template("qb/import_report.html", report=report, filename=staged.filename,
                           rows=qb_import.preview_rows(report.table), confirm=ActionForm())


@bp.route("/import/confirm", methods=["POST"])
@require("organizer")
def import_confirm():
    """Start the real import of the staged file (one transaction) and show its progress."""
    staged = staging.current()
    if staged is None or not ActionForm().validate_on_submit():
        flash(_("上传的文件已失效，请重新上传"), "error")
        return redirect(url_for("qb.import_page"))
    qb_import.start(current_app._get_current_object(), runtime.store(), staged.token, staged.path, staged.filename,
                    current_user.id, _max_rows())
    staging.forget()  # the background task owns the file now and removes it when done
    return redirect(url_for("qb.import_result", token=staged.token))


@bp.route("/import/<token>/progress")
@require("organizer")
def import_progress(token: str):
    """JSON progress of a confirmed import, polled by the result page."""
    state = task_progress_or_404(qb_import.TASKS, token)
    return jsonify({k: state.get(k) for k in ("state", "phase", "done", "total")})


@bp.route("/import/<token>")
@require("organizer")
def import_result(token: str):
    """A progress bar while the import runs; then created/updated/skipped, or the problems that stopped it."""
    return render_template("qb/import_result.html", token=token, state=task_progress_or_404(qb_import.TASKS, token))


@bp.route("/import/reasons.xlsx")
@require("organizer")
def import_reasons():
    """The uploaded sheet back as .xlsx with a 错误原因 column."""
    staged = staging.current()
    if staged is None:
        abort(404)
    report = qb_import.dry_run(runtime.session(), staged.path, staged.filename, _max_rows())
    if report.table is None:
        abort(404)
    return _xlsx(report.write_reasons, f"{Path(staged.filename).stem}-{_('错误原因')}.xlsx")


@bp.route("/template.xlsx")
@require("organizer")
def template():
    """The empty import template with dropdowns and one example of each type."""
    return _xlsx(write_template, _("题库导入模板") + ".xlsx")


@bp.route("/export.xlsx")
@require("organizer")
def export():
    """Every question not retired, in the template's layout (re-importable)."""
    return _xlsx(lambda out: export_bank(runtime.session(), out), _("题库导出") + ".xlsx")
