"""The outbox (the search queue's rows move in) and webhook subscriptions.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import guanxi.kernel.sqltypes

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[Any]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
    )


def _at(name: str) -> sa.Column[Any]:
    return sa.Column(name, guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "gx_outbox",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("handler", sa.String(length=63), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_ids", guanxi.kernel.sqltypes.TokenList(), nullable=False),
        sa.Column("payload", _json(), nullable=True),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("key", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=8), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("due_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("done_at", guanxi.kernel.sqltypes.UtcDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gx_outbox_handler", "gx_outbox", ["handler", "state", "id"])
    op.create_index("ix_gx_outbox_target", "gx_outbox", ["target_id", "id"])
    # What the indexer had still to do becomes the search handler's messages.
    op.execute(
        "INSERT INTO gx_outbox (handler, object_name, record_ids) "
        "SELECT 'search', object_name, record_ids FROM gx_search_queue ORDER BY id"
    )
    op.drop_table("gx_search_queue")
    op.create_table(
        "gx_webhook",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("events", _json(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("secret", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        _at("updated_at"),
        sa.Column("updated_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_name"], ["gx_object.name"], name="fk_gx_webhook_object", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("gx_webhook")
    op.create_table(
        "gx_search_queue",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("object_name", sa.String(length=63), nullable=False),
        sa.Column("record_ids", guanxi.kernel.sqltypes.TokenList(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO gx_search_queue (object_name, record_ids) "
        "SELECT object_name, record_ids FROM gx_outbox WHERE handler = 'search' "
        "AND state = 'pending' ORDER BY id"
    )
    op.drop_table("gx_outbox")
