"""Invite links with QR codes; members open them on the phone and register themselves."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user

from pkarena import runtime
from pkarena.authz import public
from pkarena.extensions import limiter
from pkarena.services.people import invites, members

bp = Blueprint("invites", __name__)


def _register_limit() -> str:
    # Generous per address: a whole branch often registers from one office network in one meeting.
    return current_app.config["INVITE_RATE_LIMIT"]


def _unavailable(state: str | None):
    if state is None:
        return render_template("invites/unavailable.html", title=_("邀请链接不存在"),
                               message=_("请检查链接是否完整，或向组织管理员索取新的邀请链接。")), 404
    title = _("邀请链接已过期") if state == invites.EXPIRED else _("邀请链接已作废")
    return render_template("invites/unavailable.html", title=title,
                           message=_("请联系组织管理员获取新的邀请链接。")), 410


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_register_limit, methods=["POST"])
def join(token: str):
    """Register through an invite link: active at once if it auto-approves, else pending approval."""
    from pkarena.web.forms import RegisterForm

    session, clock = runtime.session(), runtime.clock()
    invite = invites.find(session, token)
    if invite is None or invites.state(invite, clock) != invites.VALID:
        return _unavailable(invite and invites.state(invite, clock))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            member = invites.register(session, clock, invite, display_name=form.display_name.data,
                                      username=form.username.data, phone=form.phone.data,
                                      password=form.password.data)
        except members.MemberError as exc:
            getattr(form, exc.field or "", form.username).errors.append(_(exc.message))
        else:
            if member.is_active:
                login_user(member)
                flash(_("注册成功，欢迎加入%(org)s", org=invite.org.name), "success")
                return redirect(url_for("main.home"))
            return render_template("invites/pending.html", org=invite.org, member=member)
    return render_template("invites/join.html", form=form, org=invite.org)
