"""Auto-number counters hold 64-bit numbers, as PostgreSQL sequences do.

A load may bring its own numbers past 2**31 - 1 (``set_last_issued``), and switching a
field to gapless carries a sequence's last number into the counter row.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gx_sequence", schema=None) as batch_op:
        batch_op.alter_column(
            "value", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("gx_sequence", schema=None) as batch_op:
        batch_op.alter_column(
            "value", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
