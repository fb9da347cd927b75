"""Search index queue: records whose index rows the indexer has still to write.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guanxi.kernel.sqltypes

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gx_search_queue",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_ids", guanxi.kernel.sqltypes.TokenList(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("gx_search_queue")
