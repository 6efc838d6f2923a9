"""Login (page and JSON), logout and password change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from pkarena import runtime
from pkarena.authz import public, require
from pkarena.extensions import csrf, limiter
from pkarena.services.people import members

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed(response) -> bool:
    # Only failed attempts count against the limit, so a family sharing one NAT can still log in.
    return getattr(response, "login_failed", False)


login_limit = limiter.shared_limit(_login_limit, scope="login", deduct_when=_failed)


def _safe_next(target: str | None) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@public
@login_limit
def login():
    """The login page: username or phone, and password."""
    from pkarena.web.forms import LoginForm

    form = LoginForm()
    if form.validate_on_submit():
        member = members.authenticate(runtime.session(), form.login.data, form.password.data)
        if member is not None and member.is_active:
            login_user(member, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("账号待审核或已停用，请联系组织管理员") if member else _("用户名或密码错误"), "error")
        response = current_app.make_response((render_template("auth/login.html", form=form), 200))
        response.login_failed = member is None
        return response
    return render_template("auth/login.html", form=form)


@bp.route("/api/v1/auth/login", methods=["POST"])
@public
@csrf.exempt  # JSON only: a cross-site form cannot send application/json without a CORS preflight
@login_limit
def api_login():
    """JSON login: `{"username", "password"}` → session cookie and the member, or 401."""
    if not request.is_json:
        return jsonify(error={"code": "INVALID", "message": "请以 JSON 格式提交"}), 415
    payload = request.get_json(silent=True)
    if payload is not None and not isinstance(payload, dict):  # [1], "x", true: valid JSON, but not an object
        return jsonify(error={"code": "INVALID_BODY", "message": "请求体须为 JSON 对象"}), 400
    payload = payload or {}
    username, password = payload.get("username"), payload.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return jsonify(error={"code": "INVALID", "message": "请提供用户名和密码"}), 400
    member = members.authenticate(runtime.session(), username, password)
    if member is None:
        response = jsonify(error={"code": "BAD_CREDENTIALS", "message": "用户名或密码错误"})
        response.status_code = 401
        response.login_failed = True
        return response
    if not member.is_active:
        return jsonify(error={"code": "ACCOUNT_INACTIVE", "message": "账号待审核或已停用"}), 403
    login_user(member)
    return jsonify(ok=True, member={"id": member.id, "username": member.username, "role": member.role,
                                    "display_name": member.display_name})


@bp.route("/logout", methods=["POST"])
@require("member")
def logout():
    """End the session."""
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@require("member")
def change_password():
    """The member changes their own password."""
    from pkarena.web.forms import ChangePasswordForm

    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            members.change_password(runtime.session(), runtime.clock(), current_user, form.old_password.data,
                                    form.new_password.data)
        except members.MemberError as exc:
            flash(_(exc.message), "error")
        else:
            flash(_("密码已修改"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)
