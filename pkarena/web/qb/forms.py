"""WTForms of the question bank pages (CSRF on every form that writes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from question_bank.rows import MAX_NAME
from question_bank.types import LETTERS

# Choices are given as callables: WTForms 3.3 deprecates tuples passed to the constructor.
TYPE_CHOICES = [("single", _l("单选")), ("multiple", _l("多选")), ("judge", _l("判断")), ("fill", _l("填空"))]
STATUS_CHOICES = [("active", _l("启用")), ("draft", _l("草稿")), ("retired", _l("已停用"))]
DIFFICULTY_CHOICES = [("1", _l("1 易")), ("2", _l("2 较易")), ("3", _l("3 中等")), ("4", _l("4 较难")), ("5", _l("5 难"))]


class QuestionImportForm(FlaskForm):
    """A question file to check (the importer itself judges the file type and content)."""

    file = FileField(_l("题库文件（.xlsx / .csv / .tsv）"), validators=[FileRequired(message=_l("请选择要上传的文件"))])


class QuestionFilterForm(FlaskForm):
    """Search and filters of the question list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("题干搜索"), validators=[Optional(), Length(max=100)])
    type = SelectField(_l("题型"), choices=lambda: [("", _l("全部")), *TYPE_CHOICES], validators=[Optional()])
    category = SelectField(_l("分类"), coerce=int, validators=[Optional()])
    difficulty = SelectField(_l("难度"), choices=lambda: [("", _l("全部")), *DIFFICULTY_CHOICES], validators=[Optional()])
    status = SelectField(_l("状态"), choices=lambda: [("", _l("全部")), *STATUS_CHOICES], validators=[Optional()])
    tag = StringField(_l("知识点/标签"), validators=[Optional(), Length(max=MAX_NAME)])
    flagged = BooleanField(_l("仅看统计异常的题"))
    page = IntegerField(validators=[Optional(), NumberRange(min=1)], default=1)


class QuestionEditForm(FlaskForm):
    """The content of a question; the answer is typed the way the import sheet spells it.

    Content rules (lengths, options, answer spellings) are the importer's, applied by qb_admin.parse_form.
    """

    type = SelectField(_l("题型"), choices=lambda: TYPE_CHOICES)
    stem = TextAreaField(_l("题干"))
    answer = StringField(_l("答案"))
    explanation = TextAreaField(_l("解析"))
    difficulty = SelectField(_l("难度"), choices=lambda: DIFFICULTY_CHOICES)
    category_id = SelectField(_l("分类"), coerce=int)
    tags = StringField(_l("知识点/标签"), validators=[Optional(), Length(max=500)])
    source = StringField(_l("来源"))
    status = SelectField(_l("状态"), choices=lambda: STATUS_CHOICES)

    def option_fields(self) -> list:
        """The option inputs A…H in order."""
        return [getattr(self, f"option_{letter}") for letter in LETTERS]


for _letter in LETTERS:  # WTForms' FormMeta accepts fields set on the class before it is instantiated
    setattr(QuestionEditForm, f"option_{_letter}",
            StringField(_l("选项%(letter)s", letter=_letter)))


class CategoryCreateForm(FlaskForm):
    """A new category under a parent (none: a top-level category)."""

    parent_id = SelectField(_l("上级分类"), coerce=int)
    name = StringField(_l("名称"), validators=[DataRequired(message=_l("此项为必填项")), Length(max=MAX_NAME)])


class CategoryRenameForm(FlaskForm):
    """A new name for a category."""

    name = StringField(_l("名称"), validators=[DataRequired(message=_l("此项为必填项")), Length(max=MAX_NAME)])
