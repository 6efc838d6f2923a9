"""question bank: categories, questions, versions, answer log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 08:00:00.000000
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import question_bank.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('qb_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('created_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['qb_category.id'], name=op.f('fk_qb_category_parent_id_qb_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qb_category')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_qb_category_parent_id_name'))
    )
    with op.batch_alter_table('qb_category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qb_category_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qb_category_path'), ['path'], unique=False)

    # current_version_id's foreign key is added once qb_question_version exists (the two point at each other).
    op.create_table('qb_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft','active','retired')", name=op.f('ck_qb_question_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qb_question')),
    sa.UniqueConstraint('external_id', name=op.f('uq_qb_question_external_id'))
    )
    with op.batch_alter_table('qb_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qb_question_content_hash'), ['content_hash'], unique=False)

    op.create_table('qb_question_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('stem', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('difficulty', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type IN ('single','multiple','judge','fill')", name=op.f('ck_qb_question_version_type')),
    sa.CheckConstraint('difficulty BETWEEN 1 AND 5', name=op.f('ck_qb_question_version_difficulty')),
    sa.ForeignKeyConstraint(['category_id'], ['qb_category.id'], name=op.f('fk_qb_question_version_category_id_qb_category')),
    sa.ForeignKeyConstraint(['question_id'], ['qb_question.id'], name=op.f('fk_qb_question_version_question_id_qb_question')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qb_question_version')),
    sa.UniqueConstraint('question_id', 'version', name=op.f('uq_qb_question_version_question_id_version'))
    )
    with op.batch_alter_table('qb_question_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qb_question_version_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qb_question_version_question_id'), ['question_id'], unique=False)

    with op.batch_alter_table('qb_question', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_qb_question_current_version_id_qb_question_version'),
                                    'qb_question_version', ['current_version_id'], ['id'])

    op.create_table('qb_answer_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('match_ref', sa.String(length=64), nullable=False),
    sa.Column('choice', sa.JSON(), nullable=True),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('elapsed_ms', sa.Integer(), nullable=True),
    sa.Column('answered_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_version_id'], ['qb_question_version.id'], name=op.f('fk_qb_answer_log_question_version_id_qb_question_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qb_answer_log')),
    sa.UniqueConstraint('match_ref', 'member_id', 'question_version_id', name=op.f('uq_qb_answer_log_match_ref_member_id_question_version_id'))
    )
    with op.batch_alter_table('qb_answer_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qb_answer_log_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_qb_answer_log_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qb_answer_log_question_version_id'), ['question_version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('qb_answer_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qb_answer_log_question_version_id'))
        batch_op.drop_index(batch_op.f('ix_qb_answer_log_member_id'))
        batch_op.drop_index(batch_op.f('ix_qb_answer_log_answered_at'))
    op.drop_table('qb_answer_log')

    with op.batch_alter_table('qb_question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_qb_question_current_version_id_qb_question_version'),
                                 type_='foreignkey')
    with op.batch_alter_table('qb_question_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qb_question_version_question_id'))
        batch_op.drop_index(batch_op.f('ix_qb_question_version_category_id'))
    op.drop_table('qb_question_version')

    with op.batch_alter_table('qb_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qb_question_content_hash'))
    op.drop_table('qb_question')

    with op.batch_alter_table('qb_category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qb_category_path'))
        batch_op.drop_index(batch_op.f('ix_qb_category_parent_id'))
    op.drop_table('qb_category')
