"""WTForms of the organizer contest pages (CSRF on every form that writes).

Choices are filled by the route; participant choices are not validated against them, so an org outside
the organizer's reach is refused by the contests service with its Chinese reason, not by a form message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length, Optional

from pkarena.engine import contests as rules
from pkarena.services.contests.manage import NAME_MAX, ContestDraft
from pkarena.web.labels import SOURCE_LABELS

PARTICIPANT_KINDS = {"orgs": _l("选择组织"), "pairing": _l("结对双方"), "joint_group": _l("联合组")}
METRIC_CHOICES = {"per_member": _l("人均积分"), "total": _l("总积分"), "participation": _l("参与率"),
                  "pk_wins": _l("PK胜场")}
TIE_BREAK_CHOICES = {**METRIC_CHOICES, "earliest": _l("先达到该分数者")}
REPEAT_CHOICES = {"once": _l("仅一次"), "monthly": _l("每月一次"), "quarterly": _l("每季度一次")}
TIE_BREAK_SLOTS = 3


def _optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ContestForm(FlaskForm):
    """Name, participants (orgs, a pairing or a joint group), window, metric, tie-breaks, sources, repeat."""

    name = StringField(_l("竞赛名称"), validators=[Length(max=NAME_MAX)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    participants = RadioField(_l("参赛方"), choices=lambda: list(PARTICIPANT_KINDS.items()), default="orgs")
    org_ids = SelectMultipleField(_l("参赛组织（按住 Ctrl 多选）"), coerce=int, validate_choice=False)
    pairing_id = SelectField(_l("结对"), coerce=_optional_int, validate_choice=False)
    joint_group_id = SelectField(_l("联合组"), coerce=_optional_int, validate_choice=False)
    starts_on = DateField(_l("开始日期"), validators=[Optional()])
    ends_on = DateField(_l("结束日期"), validators=[Optional()])
    metric = SelectField(_l("评比指标"), choices=lambda: list(METRIC_CHOICES.items()), default="per_member")
    tie_break_1 = SelectField(_l("并列时先比"), validate_choice=False)
    tie_break_2 = SelectField(_l("再比"), validate_choice=False)
    tie_break_3 = SelectField(_l("最后比"), validate_choice=False)
    sources = MultiCheckboxField(_l("计分来源"), validate_choice=False)
    repeat = RadioField(_l("重复"), choices=lambda: list(REPEAT_CHOICES.items()), default="once")
    publish = BooleanField(_l("立即发布"))  # the "发布" button sends publish=1; "保存草稿" sends nothing

    def fill_choices(self, org_choices: list[tuple[int, str]], pairings: list[tuple[int, str]],
                     groups: list[tuple[int, str]]) -> ContestForm:
        """The participant choices the organizer may pick from, and the fixed rule choices."""
        self.org_ids.choices = org_choices
        self.pairing_id.choices = [("", "—"), *pairings]
        self.joint_group_id.choices = [("", "—"), *groups]
        for field in self.tie_breaks_fields():
            field.choices = [("", _l("（不再比较）")), *TIE_BREAK_CHOICES.items()]
        self.sources.choices = [(s, SOURCE_LABELS[s]) for s in (*rules.PLAY_SOURCES, *rules.OPTIONAL_SOURCES)]
        return self

    def tie_breaks_fields(self) -> list[SelectField]:
        """The ordered tie-break selects."""
        return [self.tie_break_1, self.tie_break_2, self.tie_break_3]

    def set_defaults(self, starts_on, ends_on) -> None:
        """A fresh form: the default tie-break chain, every play source, the given window."""
        for field, key in zip(self.tie_breaks_fields(), rules.DEFAULT_TIE_BREAKS, strict=False):
            field.data = key
        self.sources.data = list(rules.DEFAULT_SOURCES)
        self.starts_on.data, self.ends_on.data = starts_on, ends_on

    def load(self, contest) -> None:
        """Fill the form from a contest (the edit form)."""
        self.name.data, self.description.data = contest.name, contest.description
        self.participants.data = ("pairing" if contest.pairing_id else "joint_group" if contest.joint_group_id
                                  else "orgs")
        self.org_ids.data = [link.org_id for link in contest.orgs]
        self.pairing_id.data, self.joint_group_id.data = contest.pairing_id, contest.joint_group_id
        self.starts_on.data, self.ends_on.data, self.metric.data = contest.starts_on, contest.ends_on, contest.metric
        chain = list(contest.tie_breaks)
        for index, field in enumerate(self.tie_breaks_fields()):
            field.data = chain[index] if index < len(chain) else ""
        self.sources.data = list(contest.sources)

    def draft(self, keep=None) -> ContestDraft:
        """What the contests service checks; `keep`: a running contest whose rules stay (only its texts change)."""
        if keep is not None:
            return ContestDraft(
                name=self.name.data or "", starts_on=keep.starts_on, ends_on=keep.ends_on,
                org_ids=[link.org_id for link in keep.orgs] if not (keep.pairing_id or keep.joint_group_id) else [],
                pairing_id=keep.pairing_id, joint_group_id=keep.joint_group_id,
                description=self.description.data or "", metric=keep.metric, tie_breaks=list(keep.tie_breaks),
                sources=list(keep.sources))
        kind = self.participants.data
        return ContestDraft(
            name=self.name.data or "", starts_on=self.starts_on.data, ends_on=self.ends_on.data,
            org_ids=list(self.org_ids.data or []) if kind == "orgs" else [],
            pairing_id=self.pairing_id.data if kind == "pairing" else None,
            joint_group_id=self.joint_group_id.data if kind == "joint_group" else None,
            description=self.description.data or "", metric=self.metric.data,
            tie_breaks=[f.data for f in self.tie_breaks_fields() if f.data],
            sources=list(self.sources.data or []))


class CancelForm(FlaskForm):
    """Why a contest is cancelled (required by the service, which says so in Chinese)."""

    reason = StringField(_l("取消原因"), validators=[Optional(), Length(max=500)])
