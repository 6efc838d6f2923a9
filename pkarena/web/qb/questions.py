"""The question list (search, filters, counts by type), the editor with a phone preview, retire/reactivate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.bank import admin as qb_admin
from pkarena.web.admin.helpers import flash_result
from pkarena.web.admin_forms import ActionForm
from pkarena.web.guards import question_or_404
from pkarena.web.qb import bp
from pkarena.web.qb.forms import QuestionEditForm, QuestionFilterForm
from question_bank.models import Question
from question_bank.types import LETTERS, QUESTION_TYPES

FLAG_LABELS = {"facility_low": _l("太难"), "facility_high": _l("太易"), "discrimination_negative": _l("区分度为负"),
               "discrimination_low": _l("区分度低"), "efficiency_low": _l("区分效率低")}


@bp.route("/")
@bp.route("/questions")
@require("organizer")
def question_list():
    """Questions, newest first, 50 a page, filtered by stem text, type, category, difficulty, status, tag, flags."""
    form = QuestionFilterForm(request.args)
    form.category.choices = [(0, _("全部"))] + qb_admin.category_choices(runtime.session())
    form.validate()
    f = qb_admin.QuestionFilter(
        q=form.q.data or "", type=form.type.data if form.type.data in QUESTION_TYPES else "",
        category_id=form.category.data or None if not form.category.errors else None,
        difficulty=int(form.difficulty.data) if (form.difficulty.data or "").isdigit() else None,
        status=form.status.data or "", tag=form.tag.data or "", flagged=bool(form.flagged.data))
    result = qb_admin.search(runtime.session(), f, form.page.data or 1)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("qb/questions.html", filters=form, result=result, args=args,
                           type_labels={k: t.label for k, t in QUESTION_TYPES.items()},
                           tags=qb_admin.known_tags(runtime.session()), flag_labels=FLAG_LABELS,
                           paths=dict(qb_admin.category_choices(runtime.session())), action=ActionForm())


def _edit_page(question: Question, form: QuestionEditForm, errors: dict[str, list[str]], status: int = 200):
    return render_template("qb/edit.html", question=question, form=form, errors=errors, letters=LETTERS,
                           type_labels={k: t.label for k, t in QUESTION_TYPES.items()}, action=ActionForm()), status


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@require("organizer")
def question_edit(question_id: int):
    """Edit a question; a changed content is saved as a new version, so played answers keep theirs."""
    question = question_or_404(question_id)
    form = QuestionEditForm(data=None if request.method == "POST" else {
        **qb_admin.version_answer(question.current_version), "status": question.status})
    form.category_id.choices = [(0, _("（未分类）"))] + qb_admin.category_choices(runtime.session())
    if request.method == "GET" or not form.validate_on_submit():
        return _edit_page(question, form, {}, 200 if request.method == "GET" else 400)
    draft, errors = qb_admin.parse_form(request.form.to_dict())
    try:
        if draft is None:
            return _edit_page(question, form, errors, 400)
        created = qb_admin.save_question(runtime.session(), runtime.clock(), question, draft,
                                         form.category_id.data or None, form.status.data, current_user.id)
    except qb_admin.QbError as exc:
        return _edit_page(question, form, {exc.field or "stem": [_(exc.message)]}, 400)
    flash(_("已保存为第 %(n)s 版", n=created.version) if created else _("已保存"), "success")
    return redirect(url_for("qb.question_edit", question_id=question.id))


@bp.route("/questions/<int:question_id>/<any(retire, reactivate):action>", methods=["POST"])
@require("organizer")
def question_status(question_id: int, action: str):
    """Retire a question (never drawn again) or make it active again."""
    question = question_or_404(question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    flash_result(lambda: qb_admin.set_status(runtime.session(), runtime.clock(), question,
                                             "retired" if action == "retire" else "active", current_user.id),
                 _("已停用这道题") if action == "retire" else _("已重新启用这道题"))
    return redirect(request.form.get("next") if (request.form.get("next") or "").startswith("/qb/")
                    else url_for("qb.question_edit", question_id=question.id))
