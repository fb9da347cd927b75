"""Assignment rules (round-robin, load-balanced, by criteria) and their rotation state.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 09:30:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "gx_assignment_rule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("name", _json(), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("definition", _json(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_name"],
            ["gx_object.name"],
            name="fk_gx_assignment_rule_object",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_assignment_rule_object", "gx_assignment_rule", ["object_name"])
    op.create_table(
        "gx_assignment_state",
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("last_assigned", _json(), nullable=False),
        sa.Column("assigned_count", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["gx_assignment_rule.id"],
            name="fk_gx_assignment_state_rule",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule_id"),
    )


def downgrade() -> None:
    op.drop_table("gx_assignment_state")
    op.drop_index("ix_gx_assignment_rule_object", table_name="gx_assignment_rule")
    op.drop_table("gx_assignment_rule")
