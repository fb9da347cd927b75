"""Page layouts per object (detail page and form) and saved list views, personal or
shared with everyone or with roles.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "gx_layout",
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("definition", _json(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["object_name"], ["gx_object.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("object_name", "kind"),
    )
    op.create_table(
        "gx_view",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("name", _json(), nullable=False),
        sa.Column("definition", _json(), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["gx_user.id"], name="fk_gx_view_owner", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_view_object_owner", "gx_view", ["object_name", "owner_id"])
    op.create_table(
        "gx_view_role",
        sa.Column("view_id", sa.Uuid(), nullable=False),
        sa.Column("role_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["view_id"], ["gx_view.id"], name="fk_gx_view_role_view", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["gx_role.id"], name="fk_gx_view_role_role", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("view_id", "role_id"),
    )
    op.create_index("ix_gx_view_role_role_id", "gx_view_role", ["role_id"])


def downgrade() -> None:
    op.drop_index("ix_gx_view_role_role_id", table_name="gx_view_role")
    op.drop_table("gx_view_role")
    op.drop_index("ix_gx_view_object_owner", table_name="gx_view")
    op.drop_table("gx_view")
    op.drop_table("gx_layout")
