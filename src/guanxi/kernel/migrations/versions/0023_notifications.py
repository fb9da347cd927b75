"""Notifications: the in-app centre, per-user channel preferences and chat robots.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 17:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
    )


def _at(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "gx_notification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=63), nullable=False),
        sa.Column("title", _json(), nullable=False),
        sa.Column("body", _json(), nullable=True),
        sa.Column("object_name", sa.String(length=63), nullable=True),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        _at("read_at", nullable=True),
        _at("created_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["gx_user.id"], name="fk_gx_notification_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_notification_user", "gx_notification", ["user_id", "id"])
    op.create_index("ix_gx_notification_unread", "gx_notification", ["user_id", "read_at"])
    op.create_table(
        "gx_notification_pref",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=63), nullable=False),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("robot", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["gx_user.id"], name="fk_gx_notification_pref_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "kind", name="pk_gx_notification_pref"),
    )
    op.create_table(
        "gx_chat_robot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("vendor", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("gx_chat_robot")
    op.drop_table("gx_notification_pref")
    op.drop_index("ix_gx_notification_unread", table_name="gx_notification")
    op.drop_index("ix_gx_notification_user", table_name="gx_notification")
    op.drop_table("gx_notification")
