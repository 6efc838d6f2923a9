"""The category tree with question counts; create a child, rename."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import require
from pkarena.services.bank import admin as qb_admin
from pkarena.web.admin.helpers import flash_errors, flash_result
from pkarena.web.guards import category_or_404
from pkarena.web.qb import bp
from pkarena.web.qb.forms import CategoryCreateForm, CategoryRenameForm


def _create_form() -> CategoryCreateForm:
    form = CategoryCreateForm()
    form.parent_id.choices = [(0, _("（顶级分类）"))] + qb_admin.category_choices(runtime.session())
    return form


@bp.route("/categories")
@require("organizer")
def category_list():
    """The category tree with the questions directly in each node and in its subtree."""
    session = runtime.session()
    return render_template("qb/categories.html", nodes=qb_admin.category_tree(session), form=_create_form(),
                           uncategorized=qb_admin.uncategorized_count(session))


@bp.route("/categories", methods=["POST"])
@require("organizer")
def category_create():
    """Add a category under the chosen parent."""
    form = _create_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("qb.category_list"))
    parent = category_or_404(form.parent_id.data) if form.parent_id.data else None
    flash_result(lambda: qb_admin.create_category(runtime.session(), runtime.clock(), parent, form.name.data,
                                                  current_user.id),
                 lambda node: _("已新建分类「%(name)s」", name=node.name))
    return redirect(url_for("qb.category_list"))


@bp.route("/categories/<int:category_id>/rename", methods=["POST"])
@require("organizer")
def category_rename(category_id: int):
    """Give a category a new name."""
    node = category_or_404(category_id)
    form = CategoryRenameForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("qb.category_list"))
    flash_result(lambda: qb_admin.rename_category(runtime.session(), runtime.clock(), node, form.name.data,
                                                  current_user.id),
                 lambda _none: _("已重命名为「%(name)s」", name=node.name))
    return redirect(url_for("qb.category_list"))
