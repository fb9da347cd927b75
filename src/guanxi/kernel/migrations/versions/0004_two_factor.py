"""Two-factor sign-in: pending TOTP secret and recovery codes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:15:53.702937
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guanxi.kernel.sqltypes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gx_recovery_code",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["gx_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "code_hash"),
    )
    with op.batch_alter_table("gx_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_pending", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gx_user", schema=None) as batch_op:
        batch_op.drop_column("totp_pending")

    op.drop_table("gx_recovery_code")
