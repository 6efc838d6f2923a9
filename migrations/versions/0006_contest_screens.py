"""office screens may show a contest

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 02:30:00

A screen token's scope_kind gains 'contest' (the two sides, the gap, the leaders and, once frozen,
the podium and the 流动红旗). SQLite cannot alter a CHECK constraint: batch mode copies the table.
"""
from __future__ import annotations

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

NAME = 'ck_screen_token_scope_kind'
BEFORE = "scope_kind IN ('org','pairing','joint_group')"
AFTER = "scope_kind IN ('org','pairing','joint_group','contest')"


def _replace_check(condition: str) -> None:
    with op.batch_alter_table('screen_token') as batch_op:
        batch_op.drop_constraint(op.f(NAME), type_='check')
        batch_op.create_check_constraint(op.f(NAME), condition)


def upgrade() -> None:
    _replace_check(AFTER)


def downgrade() -> None:
    # Contest screens cannot be kept under the old constraint: they go with it.
    op.execute("DELETE FROM screen_token WHERE scope_kind = 'contest'")
    _replace_check(BEFORE)
