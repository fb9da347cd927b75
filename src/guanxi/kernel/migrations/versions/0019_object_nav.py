"""Objects say whether they appear in the navigation: child objects (a quote's lines) are
reached from their parent, by URL and by search, not from a menu.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies gx_object and drops the old
# table, and dropping it cascades to every field row that references it (SQLite ≥ 3.35
# drops a column in place). Every existing object stays listed; a module's upgrade hides
# the ones its new version declares hidden.
def upgrade() -> None:
    op.add_column(
        "gx_object", sa.Column("nav", sa.Boolean(), nullable=False, server_default=sa.true())
    )


def downgrade() -> None:
    op.drop_column("gx_object", "nav")
