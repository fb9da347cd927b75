"""Approvers' delegations while away, and the files on approval comments.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 19:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

import guanxi.kernel.sqltypes

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "gx_approval_delegation",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("delegate_id", sa.Uuid(), nullable=False),
        _at("starts_at"),
        _at("ends_at"),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["gx_user.id"], name="fk_gx_approval_delegation_user", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["delegate_id"],
            ["gx_user.id"],
            name="fk_gx_approval_delegation_delegate",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_gx_approval_delegation_delegate", "gx_approval_delegation", ["delegate_id"])
    op.create_table(
        "gx_approval_action_attachment",
        sa.Column(
            "action_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["gx_approval_action.id"],
            name="fk_gx_approval_action_attachment_action",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("action_id", "position", name="pk_gx_approval_action_attachment"),
    )


def downgrade() -> None:
    op.drop_table("gx_approval_action_attachment")
    op.drop_index("ix_gx_approval_delegation_delegate", table_name="gx_approval_delegation")
    op.drop_table("gx_approval_delegation")
