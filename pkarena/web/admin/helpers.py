"""Shared pieces of the admin pages: flashing a use case's outcome, org choices, time display.

The scope guards (`org_or_404`, `member_or_404`, …) live in `pkarena.web.guards`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import current_app, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from pkarena import runtime
from pkarena.authz import AccessDenied, managed_path
from pkarena.models import Member, Org
from pkarena.services import ledger
from pkarena.services.bank import admin as qb_admin
from pkarena.services.contests import manage as contests
from pkarena.services.people import invites, members, orgs
from pkarena.web.admin import bp

T = TypeVar("T")
# The refusals of the services these pages call: each carries a Chinese message for the user.
SERVICE_ERRORS = (orgs.OrgError, members.MemberError, invites.InviteError, ledger.LedgerError, qb_admin.QbError,
                  contests.ContestError)


def flash_result(use_case: Callable[[], T], success: str | Callable[[T], str]) -> T | None:
    """Run one use case (the service commits it): flash `success` (text, or made from the result) and return
    the result; or flash the service's refusal as an error and return None (nothing was written)."""
    try:
        result = use_case()
    except SERVICE_ERRORS as exc:
        flash(_(str(exc)), "error")
        return None
    flash(success(result) if callable(success) else success, "success")
    return result


def check_member_write(member: Member, *, self_allowed: bool = True) -> None:
    """Organizers change only plain members; admins change anyone (but not their own status)."""
    if current_user.role != "admin" and member.role != "member":
        raise AccessDenied(403, "FORBIDDEN", _("只有管理员可以修改组织者或管理员的账号"))
    if not self_allowed and member.id == current_user.id:
        raise AccessDenied(403, "FORBIDDEN", _("不能对自己的账号执行此操作"))


def scoped_orgs() -> list[Org]:
    """The orgs the current user manages, in tree order."""
    return orgs.subtree(runtime.session(), managed_path(current_user))


def org_choices(org_list: list[Org], *, kinds: tuple[str, ...] | None = None) -> list[tuple[int, str]]:
    """(id, "公司 / 支部") pairs for a select, optionally limited to some kinds."""
    labels = orgs.name_paths(runtime.session(), org_list)
    return [(o.id, labels[o.id]) for o in org_list if kinds is None or o.kind in kinds]


def flash_errors(form: FlaskForm) -> None:
    """Flash every validation error of a form (used when a POST redirects back)."""
    for field in form:
        for error in field.errors:
            flash(f"{field.label.text}：{error}", "error")


@bp.app_template_filter("localtime")
def localtime(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime shown in the configured zone ("" for none)."""
    return runtime.clock().local(moment).strftime(fmt) if moment else ""


KIND_LABELS = {"company": _l("公司"), "branch": _l("支部"), "group": _l("小组")}
STATUS_LABELS = {"active": _l("正常"), "pending": _l("待审核"), "inactive": _l("已停用")}
ROLE_LABELS = {"member": _l("成员"), "organizer": _l("组织者"), "admin": _l("管理员")}


# (endpoint, label, endpoint prefix that marks the entry active); entries of unregistered pages are skipped.
NAV = [
    ("admin.dashboard", _l("概览"), "admin.dashboard"),
    ("admin.org_tree", _l("组织"), "admin.org_"),
    ("admin.member_list", _l("成员"), "admin.member_"),
    ("admin.import_page", _l("批量导入"), "admin.import_"),
    ("admin.invite_list", _l("邀请链接"), "admin.invite_"),
    ("admin.pairing_list", _l("结对共建"), "admin.pairing_"),
    ("admin.joint_group_list", _l("联合组"), "admin.joint_group_"),
    ("admin.contest_list", _l("竞赛"), "admin.contest"),
    ("admin.points_page", _l("积分制"), "admin.points_"),
    ("admin.board_page", _l("排行榜"), "admin.board_"),
    ("admin.snapshot_list", _l("月度快照"), "admin.snapshot_"),
    ("admin.screen_list", _l("办公室大屏"), "admin.screen_"),
    ("qb.question_list", _l("题库"), "qb."),
    ("qb_stats.page", _l("题目统计"), "qb_stats."),
    ("admin.audit_log", _l("操作日志"), "admin.audit_"),
]


def admin_nav() -> list[tuple[str, str, str]]:
    """The navigation entries whose pages exist in this app."""
    return [(e, str(label), p) for e, label, p in NAV if e in current_app.view_functions]


@bp.app_context_processor
def _admin_globals() -> dict:
    return {
        "admin_nav": admin_nav,
        "kind_label": lambda kind: str(KIND_LABELS.get(kind, kind)),
        "status_label": lambda status: str(STATUS_LABELS.get(status, status)),
        "role_label": lambda role: str(ROLE_LABELS.get(role, role)),
    }


ACTION_LABELS = {
    "org.create": _l("新建组织"), "org.rename": _l("重命名组织"),
    "member.create": _l("新增成员"), "member.update": _l("修改成员资料"), "member.move": _l("调动组织"),
    "member.status.active": _l("启用/审核通过"), "member.status.inactive": _l("停用账号"),
    "member.status.pending": _l("设为待审核"), "member.password.reset": _l("重置密码"),
    "member.password.change": _l("修改本人密码"), "member.import": _l("批量导入成员"),
    "invite.create": _l("新建邀请链接"), "invite.revoke": _l("作废邀请链接"), "invite.register": _l("通过邀请注册"),
    "pairing.create": _l("新建结对"), "pairing.end": _l("设置结对结束日期"),
    "joint_group.create": _l("新建联合组"), "joint_group.add_org": _l("联合组加入组织"),
    "joint_group.remove_org": _l("联合组移出组织"), "ledger.manual": _l("积分制记分"),
    "ledger.adjustment": _l("积分更正"), "screen.create": _l("新建大屏链接"), "screen.revoke": _l("收回大屏链接"),
    "qb.import": _l("导入题目"), "qb.question.update": _l("修改题目"), "qb.question.retire": _l("停用题目"),
    "qb.question.activate": _l("启用题目"), "qb.category.create": _l("新建分类"), "qb.category.rename": _l("重命名分类"),
    "contest.create": _l("新建竞赛"), "contest.update": _l("修改竞赛"), "contest.schedule": _l("发布竞赛"),
    "contest.end_early": _l("提前结束竞赛"), "contest.cancel": _l("取消竞赛"),
    "contest_series.create": _l("新建周期竞赛"), "contest_series.stop": _l("停止周期竞赛"),
}


@bp.app_template_filter("action_label")
def action_label(action: str) -> str:
    """A readable name of an audit action (the code itself when unknown)."""
    return str(ACTION_LABELS.get(action, action))


@bp.app_template_filter("details")
def details(detail: dict | None) -> str:
    """Audit details as readable "key: value" pairs (Chinese kept as is)."""
    return "；".join(f"{key}: {json.dumps(value, ensure_ascii=False, default=str)}"
                    for key, value in (detail or {}).items())
