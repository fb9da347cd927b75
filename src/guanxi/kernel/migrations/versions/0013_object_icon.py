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


def upgrade() -> None:
    with op.batch_alter_table("gx_object") as batch:
        batch.add_column(sa.Column("icon", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gx_object") as batch:
        batch.drop_column("icon")
