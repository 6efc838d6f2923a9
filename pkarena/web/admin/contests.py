"""Organizer contest pages (PK赛): list and create, one contest with its reports, the writes, export, bulletins."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from pkarena import runtime
from pkarena.authz import AccessDenied, can_manage, managed_path, require
from pkarena.models import Contest, ContestSeries, JointGroup, Pairing
from pkarena.services.contests import manage as contests
from pkarena.services.contests import reports as contest_reports
from pkarena.services.contests import series as contest_series
from pkarena.services.contests import standings as contest_standings
from pkarena.services.contests import views as contest_views
from pkarena.services.monthly import freeze, snapshots
from pkarena.services.people import orgs
from pkarena.web.admin import bp
from pkarena.web.admin.helpers import flash_errors, flash_result, org_choices
from pkarena.web.admin_forms import ActionForm
from pkarena.web.contest_forms import CancelForm, ContestForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BULLETIN_KINDS = {"pairing": "pairing", "joint-group": "joint_group"}


# --- loading and forms -------------------------------------------------------------------------------------
def contest_or_404(contest_id: int, *, manage: bool = False) -> Contest:
    """A contest the current user may see (404 otherwise); `manage`: also run (403 otherwise)."""
    session = runtime.session()
    contest = session.get(Contest, contest_id)
    if contest is None or not contests.can_view(session, current_user, contest) or (
            contest.status == "draft" and not contests.can_manage(current_user, contest)):
        abort(404)
    if manage and not contests.can_manage(current_user, contest):
        raise AccessDenied(403, "OUT_OF_SCOPE", _("该竞赛不在您的管理范围内"))
    return contest


def contest_form(**values) -> ContestForm:
    """The create/edit form with the orgs, pairings and joint groups the current user may pick."""
    session, clock, prefix = runtime.session(), runtime.clock(), managed_path(current_user)
    allowed = contests.partner_org_ids(session, current_user, clock.local().date())
    org_list = [o for o in orgs.subtree(session, "") if allowed is None or o.id in allowed]
    return ContestForm(**values).fill_choices(
        org_choices(org_list), [(p.id, p.name) for p in orgs.pairings_for(session, prefix)],
        [(g.id, g.name) for g in orgs.joint_groups_for(session, prefix)])


def _write(contest: Contest | None, action: Callable[[], object], done: str) -> object | None:
    """Run one contest service write (flash `done` or its Chinese refusal), then refresh the boards it touched."""
    result = flash_result(action, done)
    if result is None:
        return None
    contest_standings.rebuild_changed(runtime.session(), runtime.store(), contest or result)
    return result


# --- pages ---------------------------------------------------------------------------------------------------
@bp.route("/contests")
@require("organizer")
def contest_list():
    """Contests the organizer may see with their status today, and a create form."""
    session, clock = runtime.session(), runtime.clock()
    found = contests.visible_to(session, current_user)
    today = clock.local().date()
    form = contest_form()
    form.set_defaults(today, contest_reports.month_end(today))
    series = list(dict.fromkeys(c.series for c in found if c.series is not None and c.series.active))
    prefix = managed_path(current_user)
    return render_template("admin/contests.html", contests=[contest_views.summary(c, clock) for c in found],
                           series=series, form=form, action_form=ActionForm(),
                           months=snapshots.frozen_months(session)[:3], pairings=orgs.pairings_for(session, prefix),
                           groups=orgs.joint_groups_for(session, prefix))


@bp.route("/contests", methods=["POST"])
@require("organizer")
def contest_create():
    """Create a contest (draft or published), or a monthly/quarterly series with its current contest."""
    session, clock = runtime.session(), runtime.clock()
    form = contest_form()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("admin.contest_list"))
    publish, draft, name = form.publish.data, form.draft(), (form.name.data or "").strip()
    if form.repeat.data in ("monthly", "quarterly"):
        _write(None, lambda: contest_series.create_series(session, clock, current_user, draft, form.repeat.data),
               _("已创建周期竞赛「%(name)s」，本期竞赛已发布", name=name))
        return redirect(url_for("admin.contest_list"))
    created = _write(None, lambda: contests.create(session, clock, current_user, draft, schedule=publish),
                     _("已发布竞赛「%(name)s」", name=name) if publish else _("已保存竞赛草稿「%(name)s」", name=name))
    if created is None:
        return redirect(url_for("admin.contest_list"))
    return redirect(url_for("admin.contest_show", contest_id=created.id))


@bp.route("/contests/<int:contest_id>")
@require("organizer")
def contest_show(contest_id: int):
    """One contest: head, standings, by-day chart, by-source table, who has not played, signals, actions."""
    contest = contest_or_404(contest_id)
    view = contest_reports.organizer_view(runtime.session(), runtime.store(), runtime.clock(), contest)
    form = contest_form()
    form.load(contest)
    return render_template("admin/contest.html", contest=view, form=form, cancel_form=CancelForm(),
                           action_form=ActionForm(), manage=contests.can_manage(current_user, contest))


@bp.route("/contests/<int:contest_id>/edit", methods=["POST"])
@require("organizer")
def contest_update(contest_id: int):
    """Change a contest (all of it before it starts; its name and description while it runs)."""
    contest = contest_or_404(contest_id, manage=True)
    form = contest_form()
    if not form.validate_on_submit():
        flash_errors(form)
    else:
        running = contests.status_of(contest, runtime.clock()) == "running"
        draft = form.draft(keep=contest if running else None)
        _write(contest, lambda: contests.update(runtime.session(), runtime.clock(), current_user, contest, draft),
               _("已保存修改"))
    return redirect(url_for("admin.contest_show", contest_id=contest_id))


@bp.route("/contests/<int:contest_id>/schedule", methods=["POST"])
@require("organizer")
def contest_schedule(contest_id: int):
    """Publish a draft: it runs from its first day."""
    contest = contest_or_404(contest_id, manage=True)
    if ActionForm().validate_on_submit():
        _write(contest, lambda: contests.schedule(runtime.session(), runtime.clock(), current_user, contest),
               _("竞赛已发布"))
    return redirect(url_for("admin.contest_show", contest_id=contest_id))


@bp.route("/contests/<int:contest_id>/end", methods=["POST"])
@require("organizer")
def contest_end(contest_id: int):
    """End a running contest with today (it is frozen after midnight)."""
    contest = contest_or_404(contest_id, manage=True)
    if ActionForm().validate_on_submit():
        _write(contest, lambda: contests.end_early(runtime.session(), runtime.clock(), current_user, contest),
               _("竞赛将于今天结束，明天零点后冻结结果"))
    return redirect(url_for("admin.contest_show", contest_id=contest_id))


@bp.route("/contests/<int:contest_id>/cancel", methods=["POST"])
@require("organizer")
def contest_cancel(contest_id: int):
    """Cancel a contest with a reason (points stay in the ledger)."""
    contest = contest_or_404(contest_id, manage=True)
    form = CancelForm()
    if not form.validate_on_submit():
        flash_errors(form)
    else:
        _write(contest, lambda: contests.cancel(runtime.session(), runtime.clock(), current_user, contest,
                                                form.reason.data or ""), _("竞赛已取消"))
    return redirect(url_for("admin.contest_show", contest_id=contest_id))


@bp.route("/contest-series/<int:series_id>/stop", methods=["POST"])
@require("organizer")
def contest_series_stop(series_id: int):
    """Stop a series: no further contests (the current one runs to its end)."""
    session = runtime.session()
    series = session.get(ContestSeries, series_id) or abort(404)
    latest = session.execute(select(Contest).where(Contest.series_id == series.id)
                             .order_by(Contest.starts_on.desc())).scalars().first()
    if latest is None:
        abort(404)
    contest_or_404(latest.id, manage=True)
    if ActionForm().validate_on_submit():
        _write(latest, lambda: contest_series.stop_series(session, runtime.clock(), current_user, series),
               _("已停止周期竞赛「%(name)s」", name=series.name))
    return redirect(url_for("admin.contest_list"))


@bp.route("/contests/<int:contest_id>/export.xlsx")
@require("organizer")
def contest_export(contest_id: int):
    """The standings (with the checksum once frozen) and the breakdowns as a workbook."""
    contest = contest_or_404(contest_id)
    body = contest_reports.xlsx_bytes(runtime.session(), runtime.store(), runtime.clock(), contest)
    headers = {"Content-Disposition": f'attachment; filename="pkarena-contest-{contest.id}.xlsx"'}
    return Response(body, mimetype=XLSX, headers=headers)


@bp.route("/contests/<int:contest_id>/bulletin")
@require("organizer")
def contest_bulletin(contest_id: int):
    """The printable A4 通报 of a contest: standings, 流动红旗, charts, per-source table, checksum."""
    contest = contest_or_404(contest_id)
    if contest.status in ("draft", "cancelled"):
        abort(404)
    view = contest_reports.contest_bulletin(runtime.session(), runtime.store(), runtime.clock(), contest)
    return render_template("admin/bulletin_contest.html", bulletin=view)


@bp.route("/bulletins/<any(pairing, 'joint-group'):kind>/<int:scope_id>/<month>")
@require("organizer")
def month_bulletin(kind: str, scope_id: int, month: str):
    """The printable A4 通报 of a pairing's or joint group's frozen month."""
    session = runtime.session()
    scope = session.get(Pairing if kind == "pairing" else JointGroup, scope_id)
    if scope is None:
        abort(404)
    sides = [scope.org_a, scope.org_b] if kind == "pairing" else [link.org for link in scope.members]
    if not any(can_manage(current_user, org) for org in sides):
        raise AccessDenied(403, "OUT_OF_SCOPE", _("该结对或联合组不在您的管理范围内"))
    try:
        month = freeze.parse_month(month)
    except freeze.FreezeError:
        abort(404)
    view = contest_reports.month_bulletin(session, runtime.clock(), BULLETIN_KINDS[kind], scope, month)
    if view is None:
        abort(404)
    return render_template("admin/bulletin_month.html", bulletin=view, kind=kind)
