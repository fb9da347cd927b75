"""Files attached to records of any object (gx_attachment).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guanxi.kernel.sqltypes

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gx_attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["file_id"], ["gx_file.id"], name="fk_gx_attachment_file"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_attachment_record", "gx_attachment", ["object_name", "record_id"])
    op.create_index("ix_gx_attachment_file_id", "gx_attachment", ["file_id"])


def downgrade() -> None:
    op.drop_index("ix_gx_attachment_file_id", table_name="gx_attachment")
    op.drop_index("ix_gx_attachment_record", table_name="gx_attachment")
    op.drop_table("gx_attachment")
