"""Single sign-on binds users by the provider's (issuer, subject), not by e-mail alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import guanxi.kernel.sqltypes

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Empty at first: each SSO user is bound at their next sign-in, matched by verified
    # e-mail as before.
    op.create_table(
        "gx_user_identity",
        sa.Column("issuer", sa.String(length=1000), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["gx_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("issuer", "subject"),
        sa.UniqueConstraint("user_id", "issuer", name="uq_gx_user_identity_user"),
    )


def downgrade() -> None:
    op.drop_table("gx_user_identity")
