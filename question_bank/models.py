"""Question bank tables: categories, questions with immutable versions, and the answer log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from question_bank.db import Base, UTCDateTime

STATUSES = ("draft", "active", "retired")
TYPES = ("single", "multiple", "judge", "fill")


class Category(Base):
    """A node of the category tree; ``path`` lists the ids from the root, like "/1/4/"."""

    __tablename__ = "qb_category"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("qb_category.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Question(Base):
    """The stable identity of a question; its content lives in versions, the current one is pointed to."""

    __tablename__ = "qb_question"
    __table_args__ = (CheckConstraint("status IN ('draft','active','retired')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # use_alter: question and version point at each other; the FK is added after both tables exist.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("qb_question_version.id", use_alter=True))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", foreign_keys="QuestionVersion.question_id", order_by="QuestionVersion.version")
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True)


class QuestionVersion(Base):
    """One immutable state of a question: what a player saw and was scored against."""

    __tablename__ = "qb_question_version"
    __table_args__ = (
        UniqueConstraint("question_id", "version"),
        CheckConstraint("type IN ('single','multiple','judge','fill')", name="type"),
        CheckConstraint("difficulty BETWEEN 1 AND 5", name="difficulty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qb_question.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Canonical answer: "B" | ["A", "C"] | true/false | [["北京", "北京市"], ["上海"]] (alternatives per blank).
    answer: Mapped[Any] = mapped_column(JSON)
    explanation: Mapped[str | None] = mapped_column(Text)
    difficulty: Mapped[int] = mapped_column(Integer, default=3)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("qb_category.id"), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])
    category: Mapped[Category | None] = relationship()


class AnswerLog(Base):
    """One player's answer to one question version in one match (member_id is PK Arena's, no FK)."""

    __tablename__ = "qb_answer_log"
    __table_args__ = (UniqueConstraint("match_ref", "member_id", "question_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("qb_question_version.id"), index=True)
    member_id: Mapped[int] = mapped_column(Integer, index=True)
    match_ref: Mapped[str] = mapped_column(String(64))
    choice: Mapped[Any] = mapped_column(JSON, nullable=True)
    correct: Mapped[bool] = mapped_column(Boolean)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
