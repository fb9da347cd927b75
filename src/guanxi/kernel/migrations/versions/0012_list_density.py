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


# Plain ALTER TABLE, not a batch: on SQLite a batch copies gx_user and drops the old
# table, which cascades to the rows that reference users (SQLite ≥ 3.35 drops a column
# in place).
def upgrade() -> None:
    op.add_column(
        "gx_user",
        sa.Column(
            "list_density", sa.String(length=16), nullable=False, server_default="comfortable"
        ),
    )


def downgrade() -> None:
    op.drop_column("gx_user", "list_density")
