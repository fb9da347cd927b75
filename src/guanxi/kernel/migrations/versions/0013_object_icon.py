"""Objects carry an icon, chosen in the builder and shown in the navigation (issue #17).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies gx_object and drops the old
# table, and dropping it cascades to every field row that references it (SQLite ≥ 3.35
# drops a column in place).
def upgrade() -> None:
    op.add_column("gx_object", sa.Column("icon", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("gx_object", "icon")
