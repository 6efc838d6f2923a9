"""contests between organizations, their series and frozen results; PK outcomes on ledger entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 02:00:00

A contest's standings are derived from the ledger alone; the PK-wins metric needs to know who won a
match, which the points do not tell once a daily cap has applied, so an award now records it.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import question_bank.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_entry') as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
    op.create_table('contest_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('cadence', sa.String(length=16), nullable=False),
    sa.Column('org_ids', sa.JSON(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=True),
    sa.Column('joint_group_id', sa.Integer(), nullable=True),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('tie_breaks', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("cadence IN ('monthly','quarterly')", name=op.f('ck_contest_series_cadence')),
    sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_contest_series_created_by_id_member')),
    sa.ForeignKeyConstraint(['joint_group_id'], ['joint_group.id'], name=op.f('fk_contest_series_joint_group_id_joint_group')),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_contest_series_pairing_id_pairing')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_series'))
    )
    op.create_table('contest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('pairing_id', sa.Integer(), nullable=True),
    sa.Column('joint_group_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('metric', sa.String(length=16), nullable=False),
    sa.Column('tie_breaks', sa.JSON(), nullable=False),
    sa.Column('sources', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', question_bank.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('frozen_at', question_bank.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checksum', sa.String(length=64), nullable=True),
    sa.Column('winner_org_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft','scheduled','running','ended','frozen','cancelled')", name=op.f('ck_contest_status')),
    sa.CheckConstraint("metric IN ('per_member','total','participation','pk_wins')", name=op.f('ck_contest_metric')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_contest_window')),
    sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_contest_created_by_id_member')),
    sa.ForeignKeyConstraint(['joint_group_id'], ['joint_group.id'], name=op.f('fk_contest_joint_group_id_joint_group')),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairing.id'], name=op.f('fk_contest_pairing_id_pairing')),
    sa.ForeignKeyConstraint(['series_id'], ['contest_series.id'], name=op.f('fk_contest_series_id_contest_series')),
    sa.ForeignKeyConstraint(['winner_org_id'], ['org.id'], name=op.f('fk_contest_winner_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest')),
    sa.UniqueConstraint('series_id', 'starts_on', name=op.f('uq_contest_series_id_starts_on'))
    )
    with op.batch_alter_table('contest') as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_series_id'), ['series_id'], unique=False)
    op.create_table('contest_org',
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_contest_org_contest_id_contest')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_contest_org_org_id_org')),
    sa.PrimaryKeyConstraint('contest_id', 'org_id', name=op.f('pk_contest_org'))
    )
    with op.batch_alter_table('contest_org') as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_org_org_id'), ['org_id'], unique=False)
    op.create_table('contest_result_row',
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('per_member', sa.Float(), nullable=False),
    sa.Column('participation', sa.Float(), nullable=False),
    sa.Column('pk_wins', sa.Integer(), nullable=False),
    sa.Column('reached_at', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_contest_result_row_contest_id_contest')),
    sa.PrimaryKeyConstraint('contest_id', 'position', name=op.f('pk_contest_result_row'))
    )


def downgrade() -> None:
    op.drop_table('contest_result_row')
    with op.batch_alter_table('contest_org') as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_org_org_id'))
    op.drop_table('contest_org')
    with op.batch_alter_table('contest') as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_series_id'))
    op.drop_table('contest')
    op.drop_table('contest_series')
    with op.batch_alter_table('ledger_entry') as batch_op:
        batch_op.drop_column('outcome')
