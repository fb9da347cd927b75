"""PostgreSQL builds a field's index after its metadata change commits, concurrently; the
indexes still to build are kept here so a build cut short is finished (ADR 0020).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gx_pending_index",
        sa.Column("index_name", sa.String(length=63), nullable=False),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("field_name", sa.String(length=63), nullable=False),
        sa.Column("ddl", sa.Text(), nullable=False),
        sa.Column("is_unique", sa.Boolean(), nullable=False),
        sa.Column(
            "undo",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("index_name"),
    )


def downgrade() -> None:
    op.drop_table("gx_pending_index")
