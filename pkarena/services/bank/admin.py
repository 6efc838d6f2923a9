"""Organizer glue over question_bank: list and search, edit as a new version, retire, categories."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.services import audit
from question_bank.answers import load_responses
from question_bank.export import category_paths
from question_bank.models import STATUSES, Category, Question, QuestionVersion
from question_bank.rows import MAX_NAME, Draft, parse_row
from question_bank.selection import Candidate
from question_bank.stats import item_statistics
from question_bank.tabular import Row, match_key
from question_bank.types import LETTERS, QUESTION_TYPES

PER_PAGE = 50
FORM_FIELDS = ("type", "stem", *(f"option_{letter}" for letter in LETTERS), "answer", "explanation", "difficulty",
               "tags", "source")


class QbError(Exception):
    """A refused question-bank change, with a Chinese message (and the form field it is about, if any)."""

    def __init__(self, message: str, field_name: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field_name


# --- the question list ----------------------------------------------------------------------------
@dataclass
class QuestionFilter:
    """What the question list shows: stem text, type, category subtree, difficulty, status, tag, flagged."""

    q: str = ""
    type: str = ""
    category_id: int | None = None
    difficulty: int | None = None
    status: str = ""
    tag: str = ""
    flagged: bool = False


@dataclass
class QuestionPage:
    """One page of the list, the counts by type of everything matched (ignoring the type filter), flags."""

    items: list[tuple[Question, QuestionVersion]]
    page: int
    pages: int
    total: int
    counts: dict[str, int]
    flags: dict[int, list[str]] = field(default_factory=dict)


def item_flags(session: Session) -> dict[int, list[str]]:
    """Question id → item-statistics flags (only questions with ≥ 30 answers can be flagged)."""
    kinds = {qid: (t, len(opts or [])) for qid, t, opts in session.execute(
        select(Question.id, QuestionVersion.type, QuestionVersion.options)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id))}
    stats = item_statistics(load_responses(session), kinds)
    return {int(qid): s.flags for qid, s in stats.items() if s.flags}


def search(session: Session, f: QuestionFilter, page: int = 1) -> QuestionPage:
    """The filtered list, newest first, PER_PAGE a page; tag and flag filters apply in Python (JSON columns)."""
    query = (select(Question.id, QuestionVersion.type, QuestionVersion.tags)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id))
    if f.q.strip():
        query = query.where(QuestionVersion.stem.icontains(f.q.strip(), autoescape=True))
    if f.category_id:
        node = session.get(Category, f.category_id)
        inside = select(Category.id).where(Category.path.startswith(node.path if node else "/none/"))
        query = query.where(QuestionVersion.category_id.in_(inside))
    if f.difficulty:
        query = query.where(QuestionVersion.difficulty == f.difficulty)
    if f.status in STATUSES:
        query = query.where(Question.status == f.status)
    rows = session.execute(query.order_by(Question.id.desc())).all()
    if f.tag.strip():
        wanted = match_key(f.tag)
        rows = [r for r in rows if any(match_key(t) == wanted for t in r.tags or [])]
    flags: dict[int, list[str]] = {}
    if f.flagged:
        flags = item_flags(session)
        rows = [r for r in rows if r.id in flags]
    counts = {name: 0 for name in QUESTION_TYPES}
    for r in rows:
        counts[r.type] = counts.get(r.type, 0) + 1
    ids = [r.id for r in rows if not f.type or r.type == f.type]
    pages = max(1, math.ceil(len(ids) / PER_PAGE))
    page = min(max(page, 1), pages)
    wanted_ids = ids[(page - 1) * PER_PAGE: page * PER_PAGE]
    loaded = {q.id: (q, v) for q, v in session.execute(
        select(Question, QuestionVersion).join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(wanted_ids)))} if wanted_ids else {}
    return QuestionPage([loaded[i] for i in wanted_ids], page, pages, len(ids), counts, flags)


def known_tags(session: Session) -> list[str]:
    """Every tag used by a current version, sorted (for the filter's suggestions)."""
    tags: set[str] = set()
    query = select(QuestionVersion.tags).join(Question, Question.current_version_id == QuestionVersion.id)
    for row in session.scalars(query):
        tags.update(row or [])
    return sorted(tags)


def candidates(session: Session) -> list[Candidate]:
    """Every question as a selection candidate (current version, status, category path)."""
    paths = {c.id: c.path for c in session.scalars(select(Category))}
    query = (select(Question, QuestionVersion)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id).order_by(Question.id))
    return [Candidate(q.id, v.id, v.type, v.difficulty, paths.get(v.category_id or 0, "/"), q.status)
            for q, v in session.execute(query)]


# --- editing ------------------------------------------------------------------------------------
def parse_form(values: dict[str, str]) -> tuple[Draft | None, dict[str, list[str]]]:
    """Validate edit-form values with the importer's own row rules: a Draft, or messages by form field."""
    cells = {name: (values.get(name) or "").strip() for name in FORM_FIELDS}
    letters = {letter: f"option_{letter}" for letter in LETTERS}
    draft, problems = parse_row(Row(None, cells, list(cells.values())), letters)  # type: ignore[arg-type]
    errors: dict[str, list[str]] = {}
    for p in problems:
        if p.severity == "error":
            # Without a row number the importer prefixes only 「field」列：; the form shows the field itself.
            errors.setdefault(p.column or "stem", []).append(p.message.removeprefix(f"「{p.column}」列："))
    return (draft if not errors else None), errors


def _same_content(v: QuestionVersion, d: Draft, category_id: int | None) -> bool:
    return (v.type, v.stem, list(v.options or []), v.answer, v.explanation or None, v.difficulty, v.category_id,
            list(v.tags or []), v.source or None) == (d.type, d.stem, d.options, d.answer, d.explanation, d.difficulty,
                                                      category_id, d.tags, d.source)


def _duplicate_of(session: Session, question: Question, content_hash: str) -> int | None:
    return session.scalars(select(Question.id).where(Question.content_hash == content_hash, Question.id != question.id,
                                                     Question.status != "retired")).first()


def save_question(session: Session, clock: Clock, question: Question, draft: Draft, category_id: int | None,
                  status: str, actor_id: int | None) -> QuestionVersion | None:
    """Apply an edit: a changed content becomes a new version (old answers keep theirs); commit; the new version."""
    if status not in STATUSES:
        raise QbError("状态无效", "status")
    if category_id is not None and session.get(Category, category_id) is None:
        raise QbError("分类不存在", "category_id")
    current = question.current_version
    created: QuestionVersion | None = None
    if current is None or not _same_content(current, draft, category_id):
        other = _duplicate_of(session, question, draft.content_hash)
        if other is not None and draft.content_hash != question.content_hash:
            raise QbError(f"题库中已有相同的题目（编号 {other}）", "stem")
        number = max((v.version for v in question.versions), default=0) + 1
        created = QuestionVersion(
            question_id=question.id, version=number, type=draft.type, stem=draft.stem, options=draft.options,
            answer=draft.answer, explanation=draft.explanation, difficulty=draft.difficulty, category_id=category_id,
            tags=draft.tags, source=draft.source, content_hash=draft.content_hash, created_at=clock.now())
        question.versions.append(created)
        question.current_version, question.content_hash = created, draft.content_hash
    if created is None and status == question.status:
        return None
    old_status, question.status = question.status, status
    audit.record(session, clock, actor_id, "qb.question.update", "qb_question", question.id,
                 version=created.version if created else None, status=status if status != old_status else None)
    try:
        session.commit()
    except IntegrityError as exc:  # another organizer saved version N+1 of this question first
        session.rollback()
        raise QbError("这道题刚被其他人修改过，请刷新页面后重新编辑") from exc
    return created


def set_status(session: Session, clock: Clock, question: Question, status: str, actor_id: int | None) -> None:
    """Retire or reactivate a question (retired ones are never drawn); commit with an audit row."""
    if status not in STATUSES:
        raise QbError("状态无效")
    if status != "retired" and question.status == "retired":
        other = _duplicate_of(session, question, question.content_hash)
        if other is not None:  # the same content was imported again while this one was retired
            raise QbError(f"题库中已有相同的题目（编号 {other}），不能重新启用这道题")
    if status == question.status:
        return
    audit.record(session, clock, actor_id, f"qb.question.{'retire' if status == 'retired' else 'activate'}",
                 "qb_question", question.id, old=question.status, new=status)
    question.status = status
    session.commit()


# --- categories -----------------------------------------------------------------------------------
@dataclass
class CategoryNode:
    """A category in tree order: depth, its path of names, questions directly in it and in its subtree."""

    category: Category
    depth: int
    label: str
    direct: int
    total: int


def category_tree(session: Session) -> list[CategoryNode]:
    """Every category in tree order with the number of questions (not retired) directly in it and below."""
    labels = category_paths(session)
    direct = dict(session.execute(
        select(QuestionVersion.category_id, func.count())
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.status != "retired").group_by(QuestionVersion.category_id)).all())
    nodes = list(session.scalars(select(Category)))
    out = []
    for c in sorted(nodes, key=lambda c: [match_key(part) for part in labels.get(c.id, c.name).split("/")]):
        total = sum(direct.get(o.id, 0) for o in nodes if o.path.startswith(c.path))
        out.append(CategoryNode(c, c.path.strip("/").count("/"), labels.get(c.id, c.name), direct.get(c.id, 0), total))
    return out


def uncategorized_count(session: Session) -> int:
    """Questions (not retired) without a category."""
    return session.scalar(select(func.count()).select_from(Question)
                          .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
                          .where(Question.status != "retired", QuestionVersion.category_id.is_(None))) or 0


def _check_name(session: Session, name: str, parent_id: int | None, own_id: int | None = None) -> str:
    name = name.strip()
    if not match_key(name):
        raise QbError("分类名称不能为空", "name")
    if len(name) > MAX_NAME:
        raise QbError(f"分类名称不能超过 {MAX_NAME} 个字", "name")
    if any(sep in name for sep in "/／\\"):  # the importer reads "/" as a level separator
        raise QbError("分类名称不能包含 /（导入时 / 表示层级）", "name")
    siblings = session.scalars(select(Category).where(
        Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id))
    if any(match_key(s.name) == match_key(name) and s.id != own_id for s in siblings):
        raise QbError(f"同一级下已有名为「{name}」的分类", "name")
    return name


def create_category(session: Session, clock: Clock, parent: Category | None, name: str,
                    actor_id: int | None) -> Category:
    """Add a category under ``parent`` (a root when None); commit with an audit row."""
    name = _check_name(session, name, parent.id if parent else None)
    node = Category(parent_id=parent.id if parent else None, name=name, path="", created_at=clock.now())
    session.add(node)
    session.flush()
    node.path = f"{parent.path if parent else '/'}{node.id}/"
    audit.record(session, clock, actor_id, "qb.category.create", "qb_category", node.id, name=name,
                 parent_id=parent.id if parent else None)
    _commit_category(session)
    return node


def rename_category(session: Session, clock: Clock, node: Category, name: str, actor_id: int | None) -> None:
    """Give a category a new name (its questions follow); commit with an audit row."""
    name = _check_name(session, name, node.parent_id, node.id)
    if name == node.name:
        return
    audit.record(session, clock, actor_id, "qb.category.rename", "qb_category", node.id, old=node.name, new=name)
    node.name = name
    _commit_category(session)


def _commit_category(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:  # a sibling of the same name was added meanwhile
        session.rollback()
        raise QbError("同一级下已有同名分类", "name") from exc


def category_choices(session: Session) -> list[tuple[int, str]]:
    """(id, "a / b") pairs in tree order, for select fields."""
    return [(n.category.id, n.label.replace("/", " / ")) for n in category_tree(session)]


def version_answer(v: QuestionVersion) -> dict[str, Any]:
    """Form values of a version: the answer spelled the way the importer reads it."""
    from question_bank.export import answer_text

    values: dict[str, Any] = {"type": v.type, "stem": v.stem, "answer": answer_text(v.type, v.answer),
                              "explanation": v.explanation or "", "difficulty": str(v.difficulty),
                              "category_id": v.category_id or 0, "tags": "、".join(v.tags or []),
                              "source": v.source or ""}
    for letter, text in zip(LETTERS, v.options or [], strict=False):
        values[f"option_{letter}"] = text
    return values
