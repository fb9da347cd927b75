"""Users choose how dense their lists are (the web app's preference, issue #17).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gx_user") as batch:
        batch.add_column(
            sa.Column(
                "list_density",
                sa.String(length=16),
                nullable=False,
                server_default="comfortable",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("gx_user") as batch:
        batch.drop_column("list_density")
