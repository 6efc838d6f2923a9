"""monthly snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 03:48:24.313297
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import question_bank.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # UNIQUE(month, scope_kind, scope_id) is what makes two concurrent freezes give one snapshot.
    op.create_table('monthly_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('scope_kind', sa.String(length=16), nullable=False),
    sa.Column('scope_id', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('created_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scope_kind IN ('members_all','members_org','orgs','pairing','joint_group')", name=op.f('ck_monthly_snapshot_scope_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_snapshot')),
    sa.UniqueConstraint('month', 'scope_kind', 'scope_id', name=op.f('uq_monthly_snapshot_month_scope_kind_scope_id'))
    )
    op.create_table('snapshot_row',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=8), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=True),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('per_member', sa.Float(), nullable=True),
    sa.Column('participation', sa.Float(), nullable=True),
    sa.CheckConstraint("subject_kind IN ('member','org')", name=op.f('ck_snapshot_row_subject_kind')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['monthly_snapshot.id'], name=op.f('fk_snapshot_row_snapshot_id_monthly_snapshot')),
    sa.PrimaryKeyConstraint('snapshot_id', 'position', name=op.f('pk_snapshot_row'))
    )


def downgrade() -> None:
    op.drop_table('snapshot_row')
    op.drop_table('monthly_snapshot')
