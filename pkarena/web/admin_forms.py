"""WTForms of the organizer pages (CSRF on every form that writes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

REQUIRED = _l("此项为必填项")


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


class ActionForm(FlaskForm):
    """A button that writes: only the CSRF token."""


class OrgCreateForm(FlaskForm):
    """A new org under a parent of the managed tree (no parent: a company, admins only)."""

    parent_id = SelectField(_l("上级组织"), coerce=int)
    name = StringField(_l("名称"), validators=[_required(), Length(max=120)])


class OrgRenameForm(FlaskForm):
    """A new name for an org."""

    name = StringField(_l("名称"), validators=[_required(), Length(max=120)])


class MemberFilterForm(FlaskForm):
    """Search and filters of the member list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("搜索"), validators=[Optional(), Length(max=64)])
    org = SelectField(_l("组织"), coerce=int, validators=[Optional()])
    status = SelectField(_l("状态"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1)], default=1)


class MemberCreateForm(FlaskForm):
    """A member added by an organizer."""

    display_name = StringField(_l("姓名"), validators=[_required(), Length(max=64)])
    username = StringField(_l("用户名"), validators=[_required(), Length(min=2, max=64)])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=32)])
    org_id = SelectField(_l("组织"), coerce=int)
    password = PasswordField(_l("初始密码"), validators=[_required(), Length(min=8, message=_l("密码至少 8 位"))])


class MemberEditForm(FlaskForm):
    """Name and phone; admins also set the role and the scope of an organizer."""

    display_name = StringField(_l("姓名"), validators=[_required(), Length(max=64)])
    phone = StringField(_l("手机号"), validators=[Optional(), Length(max=32)])
    role = SelectField(_l("角色"), validators=[Optional()])
    scope_org_id = SelectField(_l("管理范围"), coerce=int, validators=[Optional()])


class MemberMoveForm(FlaskForm):
    """The org a member moves to."""

    org_id = SelectField(_l("调入组织"), coerce=int)


class MemberStatusForm(FlaskForm):
    """Approve, deactivate or reactivate."""

    status = SelectField(_l("状态"), validators=[_required()])


class PasswordResetForm(FlaskForm):
    """A new password typed by the organizer, twice."""

    password = PasswordField(_l("新密码"), validators=[_required(), Length(min=8, message=_l("密码至少 8 位"))])
    confirm = PasswordField(_l("确认新密码"), validators=[EqualTo("password", message=_l("两次输入的密码不一致"))])


class InviteCreateForm(FlaskForm):
    """An invite link for an org of the managed tree."""

    org_id = SelectField(_l("组织"), coerce=int)
    auto_approve = BooleanField(_l("注册后自动通过审核"))
    expires_days = IntegerField(_l("有效天数（留空为长期有效）"),
                                validators=[Optional(), NumberRange(min=1, max=365, message=_l("有效天数须在 1–365 之间"))])


class PairingCreateForm(FlaskForm):
    """Two orgs of different companies, a name and a period."""

    name = StringField(_l("名称"), validators=[Optional(), Length(max=120)])
    org_a_id = SelectField(_l("本方组织"), coerce=int)
    org_b_id = SelectField(_l("结对组织"), coerce=int)
    starts_on = DateField(_l("开始日期"), validators=[DataRequired(message=_l("请填写开始日期"))])
    ends_on = DateField(_l("结束日期"), validators=[Optional()])


class PairingEndForm(FlaskForm):
    """The last day of a pairing."""

    ends_on = DateField(_l("结束日期"), validators=[DataRequired(message=_l("请填写结束日期"))])


class JointGroupCreateForm(FlaskForm):
    """A name and two or more orgs."""

    name = StringField(_l("名称"), validators=[_required(), Length(max=120)])
    org_ids = SelectMultipleField(_l("组织（按住 Ctrl 多选）"), coerce=int)


class JointGroupOrgForm(FlaskForm):
    """One org to add to a joint group."""

    org_id = SelectField(_l("组织"), coerce=int)


class MemberImportForm(FlaskForm):
    """The spreadsheet to import."""

    file = FileField(_l("成员名单文件"), validators=[
        FileRequired(message=_l("请选择要上传的文件")),
        FileAllowed(["xlsx", "csv", "tsv"], message=_l("只支持 .xlsx、.csv 或 .tsv 文件")),
    ])
