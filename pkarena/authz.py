"""The one authorization helper, used by every route and every socket handler."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from pkarena.models import Member, Org

ROLE_LEVEL = {"member": 1, "organizer": 2, "admin": 3}
F = TypeVar("F", bound=Callable[..., Any])


class AccessDenied(Exception):
    """Refused access: `status` 401 when nobody is logged in, 403 for a wrong role or scope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def check(user: Member | None, role: str, org: Org | None = None) -> Member:
    """Return `user` if it is an active account with at least `role` (and manages `org` if given)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise AccessDenied(401, "AUTH_REQUIRED", "请先登录")
    if not user.is_active:
        raise AccessDenied(403, "ACCOUNT_INACTIVE", "账号未启用或待审核")
    if ROLE_LEVEL.get(user.role, 0) < ROLE_LEVEL[role]:
        raise AccessDenied(403, "FORBIDDEN", "没有权限执行此操作")
    if org is not None and not can_manage(user, org):
        raise AccessDenied(403, "OUT_OF_SCOPE", "该组织不在您的管理范围内")
    return user


def can_manage(user: Member, org: Org) -> bool:
    """Admins manage every org; an organizer manages the subtree under their scope org."""
    if user.role == "admin":
        return True
    if user.role != "organizer" or user.scope_org is None:
        return False
    return org.path.startswith(user.scope_org.path)


def managed_path(user: Member) -> str:
    """The org path prefix a user may manage ('' for admins = everything)."""
    if user.role == "admin":
        return ""
    return user.scope_org.path if user.scope_org is not None else "/nothing/"


def require(role: str) -> Callable[[F], F]:
    """Route decorator: the current user must hold `role`; records the role on the view for audits."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from flask_login import current_user

            check(current_user if current_user.is_authenticated else None, role)
            return view(*args, **kwargs)

        wrapped.required_role = role  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view as deliberately open to anonymous visitors (checked by the route audit test)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view
