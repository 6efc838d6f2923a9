"""Flask-WTF forms (CSRF on every one of them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    """Username or phone, and password."""

    login = StringField(_l("用户名或手机号"), validators=[DataRequired(message=_l("请输入用户名或手机号"))])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请输入密码"))])
    remember = BooleanField(_l("记住我"))


class ChangePasswordForm(FlaskForm):
    """Old password, new password twice."""

    old_password = PasswordField(_l("原密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(min=8, message=_l("密码至少 8 位"))])
    confirm = PasswordField(_l("确认新密码"), validators=[EqualTo("new_password", message=_l("两次输入的密码不一致"))])


class RegisterForm(FlaskForm):
    """Self-registration through an invite link."""

    display_name = StringField(_l("姓名"), validators=[DataRequired(message=_l("请输入姓名")), Length(max=64)])
    username = StringField(_l("用户名"), validators=[DataRequired(message=_l("请输入用户名")), Length(min=2, max=64)])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=32)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(min=8, message=_l("密码至少 8 位"))])
    confirm = PasswordField(_l("确认密码"), validators=[EqualTo("password", message=_l("两次输入的密码不一致"))])
