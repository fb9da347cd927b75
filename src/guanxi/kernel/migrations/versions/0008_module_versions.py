"""Which version of its standard objects each installed module has brought (ADR 0014).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guanxi.kernel.sqltypes

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gx_module",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "installed_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("upgraded_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("gx_module")
