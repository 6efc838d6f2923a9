"""The web layer's guards: load what a URL names for the current user, 404 when unknown, 403 out of scope.

The scope guards answer the same way: an unknown id is a 404; an object none of whose orgs the current user
manages (`authz.can_manage`: admins everything, organizers their subtree) is a 403 `OUT_OF_SCOPE`. Objects
that span orgs (pairings, joint groups, screens) are in scope when one of their orgs is. Questions,
categories and months belong to no org (the route's role check is the whole authorization); an upload's
task belongs to the user who started it, and anyone else's token is a 404 like an unknown one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from pkarena import runtime
from pkarena.authz import AccessDenied, can_manage
from pkarena.models import Invite, JointGroup, LedgerEntry, Member, Org, Pairing, ScreenToken
from pkarena.services.background import StoredTasks
from pkarena.services.boards import screens
from pkarena.services.monthly import freeze
from pkarena.web.staging import TOKEN_RE
from question_bank.models import Category, Question

OUT_OF_SCOPE = "OUT_OF_SCOPE"


def require_managed(orgs: Iterable[Org | None], message: str) -> None:
    """Refuse (403 OUT_OF_SCOPE, `message`) unless the current user manages at least one of `orgs`."""
    if not any(org is not None and can_manage(current_user, org) for org in orgs):
        raise AccessDenied(403, OUT_OF_SCOPE, message)


def _found(model, object_id: int | None):
    row = runtime.session().get(model, object_id) if object_id else None
    if row is None:
        abort(404)
    return row


def org_or_404(org_id: int | None) -> Org:
    """An org the current user manages."""
    org = _found(Org, org_id)
    require_managed([org], "该组织不在您的管理范围内")
    return org


def member_or_404(member_id: int) -> Member:
    """A member (never a bot) of an org the current user manages."""
    member = _found(Member, member_id)
    if member.is_bot:
        abort(404)
    require_managed([member.org], "该组织不在您的管理范围内")
    return member


def pairing_or_404(pairing_id: int | None) -> Pairing:
    """A pairing with at least one side the current user manages."""
    pairing = _found(Pairing, pairing_id)
    require_managed([pairing.org_a, pairing.org_b], _("该结对不在您的管理范围内"))
    return pairing


def joint_group_or_404(group_id: int | None) -> JointGroup:
    """A joint group with at least one org the current user manages."""
    group = _found(JointGroup, group_id)
    require_managed([link.org for link in group.members], _("该联合组不在您的管理范围内"))
    return group


def screen_or_404(screen_id: int) -> ScreenToken:
    """A screen token whose scope (an org, a pairing or a joint group) has an org the current user manages."""
    row = _found(ScreenToken, screen_id)
    scope = screens.load_scope(runtime.session(), row.scope_kind, row.scope_id)
    require_managed(scope.owners if scope else [], _("该大屏不在您的管理范围内"))
    return row


def invite_or_404(invite_id: int) -> Invite:
    """An invite link of an org the current user manages."""
    invite = _found(Invite, invite_id)
    require_managed([invite.org], "该组织不在您的管理范围内")
    return invite


def entry_or_404(entry_id: int) -> LedgerEntry:
    """A ledger entry awarded to an org the current user manages."""
    entry = _found(LedgerEntry, entry_id)
    require_managed([runtime.session().get(Org, entry.org_id)], "该组织不在您的管理范围内")
    return entry


def question_or_404(question_id: int) -> Question:
    """A question of the bank that has a current version."""
    question = _found(Question, question_id)
    if question.current_version is None:
        abort(404)
    return question


def category_or_404(category_id: int) -> Category:
    """A category of the question bank."""
    return _found(Category, category_id)


def month_or_404(month: str) -> str:
    """`month` when it is a valid YYYY-MM (404 otherwise: it names a page)."""
    try:
        return freeze.parse_month(month)
    except freeze.FreezeError:
        abort(404)


def task_progress_or_404(tasks: StoredTasks, token: str) -> dict[str, Any]:
    """The progress of the current user's task for an upload `token`; 404 for a malformed, unknown or other's token."""
    state = tasks.progress(runtime.store(), token) if TOKEN_RE.match(token) else None
    if state is None or state.get("actor") != current_user.id:
        abort(404)
    return state
